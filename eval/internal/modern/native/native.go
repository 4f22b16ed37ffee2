// Package native is native code the interpreted packages call: iter.Pull needs the runtime's
// coroutines, and the interpreted errors package needs to look into native errors (their Unwrap,
// Is and As methods, which interpreted code can't see on a native value) and through the
// interpreter's wrappers (a cell's error passed to native code, fmt.Errorf's %w, travels in a
// struct whose first field, IValue, holds it).
package native

import (
	"iter"
	"reflect"
	"sync"
)

// pointers guards every interpreted atomic.Pointer.
var pointers sync.Mutex

// Lock and Unlock guard the interpreted atomic.Pointer values.
func Lock()   { pointers.Lock() }
func Unlock() { pointers.Unlock() }

// Pull turns a push iterator into a pull iterator. The interpreted iter.Pull passes no values
// through it (they stay in interpreted variables), only the signal that one is ready.
func Pull(seq func(yield func(any) bool)) (next func() (any, bool), stop func()) {
	return iter.Pull(iter.Seq[any](seq))
}

// A Registry holds probes for the Unwrap, Is and As methods of the error types cells declare.
// The interpreter hides an interpreted value's methods from a type assertion to an interface
// when the value came through a return or a composite literal (yaegi issue 1558), but a type
// assertion to the concrete type works: the cell compiler registers, for each such method, a
// func asserting the cell's type and calling it. A session has its own Registry; it is safe for
// concurrent use.
type Registry struct {
	mu     sync.Mutex
	unwrap []func(error) (error, bool)
	many   []func(error) ([]error, bool)
	is     []func(error, error) (bool, bool)
	as     []func(error, any) (bool, bool)
}

// RegisterUnwrap, RegisterUnwrapAll, RegisterIs and RegisterAs add a probe: it reports false
// in its last result when err is not of its type. They return true, for a var declaration.
func (r *Registry) RegisterUnwrap(f func(error) (error, bool)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unwrap = append(r.unwrap, f)
	return true
}

func (r *Registry) RegisterUnwrapAll(f func(error) ([]error, bool)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.many = append(r.many, f)
	return true
}

func (r *Registry) RegisterIs(f func(err, target error) (bool, bool)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.is = append(r.is, f)
	return true
}

func (r *Registry) RegisterAs(f func(err error, target any) (bool, bool)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.as = append(r.as, f)
	return true
}

func (r *Registry) probes() ([]func(error) (error, bool), []func(error) ([]error, bool), []func(error, error) (bool, bool), []func(error, any) (bool, bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unwrap, r.many, r.is, r.as
}

// Unwrap returns what err's Unwrap method returns, one error or several: a cell type's method,
// through its probe, or a native error's.
//
//lint:ignore ST1008 the results are Unwrap's two forms, then whether there was one
func (r *Registry) Unwrap(err error) (one error, many []error, ok bool) {
	unwrap, all, _, _ := r.probes()
	for _, p := range unwrap {
		if e, ok := p(err); ok {
			return e, nil, true
		}
	}
	for _, p := range all {
		if es, ok := p(err); ok {
			return nil, es, true
		}
	}
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		return x.Unwrap(), nil, true
	case interface{ Unwrap() []error }:
		return nil, x.Unwrap(), true
	}
	return nil, nil, false
}

// Is calls err's Is method, a cell type's or a native one.
func (r *Registry) Is(err, target error) bool {
	_, _, is, _ := r.probes()
	for _, p := range is {
		if matched, ok := p(err, target); ok {
			return matched
		}
	}
	x, ok := err.(interface{ Is(error) bool })
	return ok && x.Is(target)
}

// As calls err's As method, a cell type's or a native one.
func (r *Registry) As(err error, target any) bool {
	_, _, _, as := r.probes()
	for _, p := range as {
		if matched, ok := p(err, target); ok {
			return matched
		}
	}
	x, ok := err.(interface{ As(any) bool })
	return ok && x.As(target)
}

// Default is the Registry of the functions below, which the interpreted packages call (a
// session binds them to a Registry of its own).
var Default Registry

// Unwrap is Default.Unwrap.
//
//lint:ignore ST1008 as Registry.Unwrap
func Unwrap(err error) (one error, many []error, ok bool) { return Default.Unwrap(err) }

// Is is Default.Is.
func Is(err, target error) bool { return Default.Is(err, target) }

// As is Default.As.
func As(err error, target any) bool { return Default.As(err, target) }

// Assign sets *target to err when target points to a native type err's native dynamic type is
// assignable to (the interpreted errors.As checks interpreted types itself).
func Assign(err error, target any) bool {
	v := reflect.ValueOf(target)
	if err == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	e := reflect.ValueOf(err)
	if !e.Type().AssignableTo(v.Type().Elem()) {
		return false
	}
	v.Elem().Set(e)
	return true
}

// Comparable reports whether errors of target's dynamic type can be compared with ==.
func Comparable(target error) bool {
	v := original(target)
	return v == nil || reflect.TypeOf(v).Comparable()
}

// Same reports whether two errors are the same value, seen through the interpreter's wrappers.
func Same(a, b error) bool {
	x, y := original(a), original(b)
	if x == nil || y == nil {
		return x == y
	}
	if reflect.TypeOf(x) != reflect.TypeOf(y) || !reflect.TypeOf(x).Comparable() {
		return false
	}
	return x == y
}

// original returns the value an interpreter's wrapper holds, or err itself.
func original(err error) any {
	if err == nil {
		return nil
	}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Struct && v.NumField() > 0 && v.Type().Field(0).Name == "IValue" {
		return v.Field(0).Interface()
	}
	return err
}

// RangeError is the panic of a range-over-func loop body called again after the body returned
// false (state 1) or after the loop (state 2), as Go's runtime says it.
func RangeError(state int) error {
	if state == 1 {
		return rangeError("runtime error: range function continued iteration after function for loop body returned false")
	}
	return rangeError("runtime error: range function continued iteration after whole loop exit")
}

type rangeError string

func (e rangeError) Error() string { return string(e) }

// RuntimeError marks it a runtime error, as Go's is.
func (rangeError) RuntimeError() {}

// RunDefers runs the calls deferred in the body of a range over func, last first, each even if
// an earlier one panics, as a function's deferred calls run.
func RunDefers(fs []func()) {
	for _, f := range fs {
		defer f()
	}
}
