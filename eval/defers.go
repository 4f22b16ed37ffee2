package eval

import (
	"context"
	"reflect"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/workerproto"
)

// A cell's top-level defers run at its end, as deferred calls of main do, and may recover a
// panic of the cell's statements. The statements run in chunks of their own, so when one
// panics, its panic has already ended that chunk: the session keeps the panic, runs the
// defers, and compile's recover rewrite makes recover in the deferred function return it
// (Recover below). A recovered panic ends the cell without an error, as main returns; the
// statements after the panicking one don't run. A panic in a deferred call replaces the
// cell's panic, and the defers left still run.

// deferred is a top-level defer of a cell.
type deferred struct {
	id string // the function it calls, as compile's recover rewrite names it; "" if unknown
	f  func()
}

// cellPanic is a panic of a cell's statements or defers.
type cellPanic struct {
	value any                // as yaegi recovered it
	err   *workerproto.Error // the cell's error, if no defer recovers it
}

// notePanic records the panic a statement chunk of the running cell ended with.
func (s *Session) notePanic(value any, e *workerproto.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		s.run.panicked = &cellPanic{value: value, err: e}
	}
}

// runFinally runs the cell's defers after its chunks ended with e, and returns the cell's error.
func (s *Session) runFinally(ctx context.Context, fin compile.Chunk, r *run, e *workerproto.Error) *workerproto.Error {
	s.mu.Lock()
	fromPanic := e != nil && r.panicked != nil && r.panicked.err == e // not a goroutine's panic or an exit
	if fromPanic {
		r.panicking = r.panicked
	}
	s.mu.Unlock()
	fe := s.runChunks(ctx, []compile.Chunk{fin})
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case fe != nil: // interrupted while the defers ran
		return fe
	case r.panicking != nil:
		return r.panicking.err
	case fromPanic:
		return nil // recovered
	}
	return e
}

// runDeferred runs a top-level deferred call to its end.
func (s *Session) runDeferred(d deferred) {
	s.mu.Lock()
	s.run.deferring, s.run.deferG = d, goroutineID()
	s.mu.Unlock()
	defer func() {
		r := recover()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.run.deferring, s.run.deferG = deferred{}, 0
		if r == nil {
			return
		}
		if _, ok := exitCode(r); ok {
			panic(r) // os.Exit in a deferred call ends the cell
		}
		e := s.panicError(r, s.filter.take(goroutineID()))
		if p := s.run.panicking; p != nil {
			e.Traceback = append(e.Traceback, "", "(in a deferred call, while the cell was panicking with: "+p.err.Value+")")
		}
		s.run.panicking = &cellPanic{value: r, err: e}
	}()
	d.f()
}

// recoverValue is recover for cells (compile's recover rewrite): v is what the builtin
// returned in the function named id.
func (s *Session) recoverValue(id string, v any) any {
	if v != nil {
		return recovered(v)
	}
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run
	if r == nil || r.panicking == nil || r.deferring.id != id || r.deferG != goroutineID() {
		return nil
	}
	p := r.panicking
	r.panicking = nil
	return recovered(p.value)
}

// recovered returns a panic value as recover gives it in Go: yaegi wraps the values of
// interpreted panics in a reflect.Value, and panics with reflect's messages where Go has a
// runtime error.
func recovered(v any) any {
	if rv, ok := v.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
		v = rv.Interface()
	}
	if msg, ok := v.(string); ok && strings.HasPrefix(msg, "reflect") {
		if m := runtimeMessage(msg); m != msg {
			return runtimeError(m)
		}
	}
	return v
}

// runtimeError is a runtime error of Go that yaegi reports with a message of reflect.
type runtimeError string

func (e runtimeError) Error() string { return string(e) }

// RuntimeError marks it as a runtime.Error.
func (runtimeError) RuntimeError() {}
