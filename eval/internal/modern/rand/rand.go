// Package rand holds the generic function of Go's math/rand/v2 package, which the interpreter's
// native table can't have; the rest comes from that table.
package rand

import "math/rand/v2"

// intType is the constraint of N.
type intType interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// N returns a pseudo-random number in the half-open interval [0,n) from the default Source. The
// type parameter Int can be any integer type. It panics if n <= 0.
func N[Int intType](n Int) Int {
	if n <= 0 {
		panic("invalid argument to N")
	}
	r := rand.Uint64N(uint64(n))
	// Int(r), built bit by bit: the interpreter fails on a conversion to a type parameter
	// that is a native named type (time.Duration, the common argument).
	var x, one Int = 0, 1
	for b := 63; b >= 0; b-- {
		x += x
		if r&(uint64(1)<<uint(b)) != 0 {
			x += one
		}
	}
	return x
}
