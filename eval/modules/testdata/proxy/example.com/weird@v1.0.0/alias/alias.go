// Package alias declares a generic type alias (Go 1.24), which crashes the interpreter.
package alias

// List is a generic alias.
type List[T any] = []T

// Of makes a List.
func Of(v ...int) List[int] { return v }
