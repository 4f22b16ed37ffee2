//go:build gokernel_compiled

package progress

import "github.com/gokernel/gokernel/lib/display"

// In a compiled cell (see package display) the bars are package-level functions, bound to the
// kernel's display pipe.

var std = bars{sink: display.StdSink()}

// New returns a bar of total steps, shown at once.
func New(total int) *Bar { return std.New(total) }

// Each calls fn for i from 0 to n-1, advancing a bar after each call.
func Each(n int, fn func(i int)) { std.Each(n, fn) }

// Range returns a channel of 0 to n-1 that advances a bar as the loop takes each value.
func Range(n int) <-chan int { return std.Range(n) }
