// Package greet greets: the second version, which can shout too.
package greet

import "strings"

// Version is the module's version.
const Version = "v1.1.0"

// Hello greets a name.
func Hello(name string) string { return "hello, " + name }

// Shout greets a name loudly.
func Shout(name string) string { return strings.ToUpper(Hello(name)) + "!" }
