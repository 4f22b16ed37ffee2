// Package coro gives notebook code real coroutines: a generator function
// runs only when its caller asks for the next value, and hands control back
// at each yield. It wraps the standard library's iter.Pull, over any values,
// because the interpreter can't export generic functions.
//
// A goroutine runs on its own and is preempted by the scheduler; a coroutine
// made here runs only between a Next call and its next yield, so exactly
// one of caller and generator runs at a time, and they switch where the code
// says so.
//
//	gen := coro.New(func(yield func(any) bool) {
//		for i := 0; i < 3; i++ {
//			if !yield(i) {
//				return // the caller stopped early
//			}
//		}
//	})
//	v, ok := gen.Next() // 0 true
package coro

import (
	"iter"
	"sync"
)

// Seq is a generator: it calls yield for each value, and stops when yield
// returns false.
type Seq = func(yield func(any) bool)

// Pull starts seq as a coroutine, like iter.Pull: next resumes it until its
// next yield and returns the value (ok is false once seq has returned);
// stop ends it early. Both are safe to call more than once.
func Pull(seq Seq) (next func() (any, bool), stop func()) {
	return iter.Pull(iter.Seq[any](seq))
}

// Generator is a coroutine with methods, for code that reads better as
// gen.Next() than as next().
type Generator struct {
	mu      sync.Mutex
	next    func() (any, bool)
	stop    func()
	done    bool
	yielded int
}

// New starts seq as a Generator. Nothing of seq runs until the first Next.
func New(seq Seq) *Generator {
	next, stop := Pull(seq)
	return &Generator{next: next, stop: stop}
}

// Next runs the generator until it yields, and returns the value. After the
// generator returned (or Stop), ok is false.
func (g *Generator) Next() (v any, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return nil, false
	}
	v, ok = g.next()
	if !ok {
		g.done = true
		return nil, false
	}
	g.yielded++
	return v, true
}

// Stop ends the generator: its pending yield returns false.
func (g *Generator) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = true
	g.stop()
}

// Done reports whether the generator has finished or was stopped.
func (g *Generator) Done() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.done
}

// Yielded is how many values the generator has handed out so far.
func (g *Generator) Yielded() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.yielded
}

// Take pulls up to n values from g.
func (g *Generator) Take(n int) []any {
	var out []any
	for range n {
		v, ok := g.Next()
		if !ok {
			break
		}
		out = append(out, v)
	}
	return out
}
