// Package asm has a function written in assembly.
package asm

// Add returns a+b.
func Add(a, b int64) int64
