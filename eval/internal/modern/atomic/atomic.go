// Package atomic holds the generic type of Go's sync/atomic package, which the interpreter's
// native table can't have; the rest comes from that table.
package atomic

import "github.com/gokernel/gokernel/eval/internal/modern/native"

// A Pointer is an atomic pointer of type *T. The zero value is a nil *T. (One native mutex guards
// every Pointer: the interpreter fails on a generic struct of a package with a sync.Mutex
// field, and a package-level variable of an interpreted package shares its slot with a cell's
// variable.)
type Pointer[T any] struct {
	v *T
}

// Load atomically loads and returns the value stored in x.
func (x *Pointer[T]) Load() *T {
	native.Lock()
	defer native.Unlock()
	return x.v
}

// Store atomically stores val into x.
func (x *Pointer[T]) Store(val *T) {
	native.Lock()
	defer native.Unlock()
	x.v = val
}

// Swap atomically stores new into x and returns the previous value.
func (x *Pointer[T]) Swap(new *T) (old *T) {
	native.Lock()
	defer native.Unlock()
	old, x.v = x.v, new
	return old
}

// CompareAndSwap executes the compare-and-swap operation for x.
func (x *Pointer[T]) CompareAndSwap(old, new *T) (swapped bool) {
	native.Lock()
	defer native.Unlock()
	if x.v != old {
		return false
	}
	x.v = new
	return true
}
