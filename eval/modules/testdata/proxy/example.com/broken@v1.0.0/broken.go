// Package broken uses a name its module doesn't declare: the interpreter refuses it with its
// own error, at the line.
package broken

// Answer is wrong.
func Answer() int { return undeclared }
