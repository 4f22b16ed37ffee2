// Package errors is the part of Go's errors package that must be interpreted to see the types
// cells declare: natively, a cell's error is a wrapper with only an Error method, so the native
// Is, As and Unwrap can't follow its Unwrap method, and As can't see its type; and the
// interpreter can't pass a cell's error to the native Join. New comes from the native table. The native helpers look into native errors, which interpreted code
// can't (it sees no methods on them).
package errors

import "github.com/gokernel/gokernel/eval/internal/modern/native"

// Join returns an error that wraps the given errors. Any nil error values are discarded. Join
// returns nil if every value in errs is nil. The error formats as the concatenation of the
// strings obtained by calling the Error method of each element of errs, with a newline between
// each string.
func Join(errs ...error) error {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	e := &joinError{errs: make([]error, 0, n)}
	for _, err := range errs {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
	return e
}

type joinError struct {
	errs []error
}

func (e *joinError) Error() string {
	s := ""
	for i, err := range e.errs {
		if i > 0 {
			s += "\n"
		}
		s += err.Error()
	}
	return s
}

func (e *joinError) Unwrap() []error {
	return e.errs
}

// Unwrap returns the result of calling the Unwrap method on err, if err's type contains an
// Unwrap method returning error. Otherwise, Unwrap returns nil.
func Unwrap(err error) error {
	if err == nil {
		return nil
	}
	if u, ok := err.(interface{ Unwrap() error }); ok {
		return u.Unwrap()
	}
	one, _, _ := native.Unwrap(err)
	return one
}

// Is reports whether any error in err's tree matches target. An error is considered to match a
// target if it is equal to that target or if it implements a method Is(error) bool such that
// Is(target) returns true.
func Is(err, target error) bool {
	if err == nil || target == nil {
		return err == target
	}
	return is(err, target, native.Comparable(target))
}

func is(err, target error, targetComparable bool) bool {
	for {
		if targetComparable && native.Same(err, target) {
			return true
		}
		if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(target) {
			return true
		}
		if native.Is(err, target) {
			return true
		}
		one, many, ok := unwrap(err)
		if !ok {
			return false
		}
		if many != nil {
			for _, e := range many {
				if e != nil && is(e, target, targetComparable) {
					return true
				}
			}
			return false
		}
		if one == nil {
			return false
		}
		err = one
	}
}

// AsType finds the first error in err's tree that matches the type E, and if one is found,
// returns that error value and true. Otherwise, it returns the zero value of E and false.
//
// (The interpreter fails on a generic function of a package calling another with a type
// parameter and using more than one result, so this and asTarget each walk the tree.)
func AsType[E error](err error) (E, bool) {
	var zero E
	if err == nil {
		return zero, false
	}
	stack := []error{err}
	for len(stack) > 0 {
		err := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v, ok := err.(E); ok {
			return v, true
		}
		t := new(E)
		if x, ok := err.(interface{ As(any) bool }); ok && x.As(t) {
			return *t, true
		}
		if native.As(err, t) || native.Assign(err, t) {
			return *t, true
		}
		stack = push(stack, err)
	}
	return zero, false
}

// asTarget is errors.As for a target whose type is known where it is called: the cell compiler
// rewrites errors.As(err, &t) into it when it knows t's type.
//
//lint:ignore U1000 called by the code the cell compiler generates
func asTarget[T any](err error, target *T) bool {
	if target == nil {
		panic("errors: target cannot be nil")
	}
	if err == nil {
		return false
	}
	stack := []error{err}
	for len(stack) > 0 {
		err := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v, ok := err.(T); ok {
			*target = v
			return true
		}
		if x, ok := err.(interface{ As(any) bool }); ok && x.As(target) {
			return true
		}
		if native.As(err, target) || native.Assign(err, target) {
			return true
		}
		stack = push(stack, err)
	}
	return false
}

// push adds what err wraps to a stack of errors to visit, so that they are visited in Go's
// order: depth first, a joined error's errors from the first.
func push(stack []error, err error) []error {
	one, many, ok := unwrap(err)
	if !ok {
		return stack
	}
	if many == nil {
		if one != nil {
			stack = append(stack, one)
		}
		return stack
	}
	for i := len(many) - 1; i >= 0; i-- {
		if many[i] != nil {
			stack = append(stack, many[i])
		}
	}
	return stack
}

// unwrap returns what err's Unwrap method returns, an interpreted or a native one.
//
//lint:ignore ST1008 the results are Unwrap's two forms, then whether there was one
func unwrap(err error) (error, []error, bool) {
	if j, ok := err.(*joinError); ok { // the interpreter hides its method from the switch below
		return nil, j.errs, true
	}
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		return x.Unwrap(), nil, true
	case interface{ Unwrap() []error }:
		return nil, x.Unwrap(), true
	}
	return native.Unwrap(err)
}
