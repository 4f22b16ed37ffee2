// Package greet greets: the first version.
package greet

// Version is the module's version.
const Version = "v1.0.0"

// Hello greets a name.
func Hello(name string) string { return "hello, " + name }
