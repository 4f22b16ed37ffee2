// Package cgo calls C.
package cgo

// #include <stdlib.h>
import "C"

// Rand returns C's rand().
func Rand() int { return int(C.rand()) }
