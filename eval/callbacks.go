package eval

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// A panic on a goroutine that no cell waits for ends the whole process in Go, and recover()
// in the cell can't stop it. Two kinds of goroutine run a cell's code that way: those its go
// statements start (the cell compiler rewrites each into a call of the runtime's Go, see
// goroutine in runtime.go), and those of native code that calls a func of the cells on a
// goroutine of its own. For the second kind the session replaces, in the symbol table, the
// functions of the standard library a learner meets that do so, time.AfterFunc and
// context.AfterFunc (the symbol table catches aliased uses too, f := time.AfterFunc). Their
// funcs run under callback, which recovers a panic and reports it like a go statement's.
// Others recover by themselves (net/http's handlers: the server logs the panic, see
// LogWriter) or run on the caller's goroutine (sync.OnceFunc, sort.Slice); sync.WaitGroup's Go
// and the cells' io.Writer and io.Reader methods that native code calls are guarded by types
// (guard.go). What is left (a func a cell puts in a struct field of native code, such as
// http.Transport's DialContext) still ends the process: the session then writes the cell
// lines of the panic where the kernel reads the crash (guard.go). A finalizer of
// runtime.SetFinalizer would be one too, but yaegi's frames keep interpreted values
// reachable, so such finalizers never run.

// callbackSymbols are the standard library functions replaced for callback.
func (s *Session) callbackSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"time/time": {
			"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
				return time.AfterFunc(d, s.callback("time.AfterFunc", f))
			}),
		},
		"context/context": {
			"AfterFunc": reflect.ValueOf(func(ctx context.Context, f func()) (stop func() bool) {
				return context.AfterFunc(ctx, s.callback("context.AfterFunc", f))
			}),
		},
		"runtime/runtime": {
			"Goexit": reflect.ValueOf(s.goexit), // exit.go
		},
	}
}

// callback wraps f, a func of the cells that native code (name, e.g. "time.AfterFunc") calls
// on a goroutine of its own: a panic in f becomes the error of the cell that set it up, or a
// report on stderr once that cell has ended, instead of the end of the process.
func (s *Session) callback(name string, f func()) func() {
	o := s.originNow("a func that " + name + " called")
	return func() {
		s.calls.Add(1)
		defer s.calls.Add(-1)
		defer func() {
			if r := recover(); r != nil {
				s.asyncPanic(r, s.filter.take(goroutineID()), o)
			}
		}()
		f()
	}
}

// An origin says where code that no cell waits for came from (a go statement, or native code
// calling a func of the cells), and which cell was running when it was started: the cell its
// panic stops while that cell runs.
type origin struct {
	what string // "a goroutine started at cell[3]:2:1", "a func that time.AfterFunc called"
	cell *run   // the cell running when it started; nil if none was
}

// originNow returns the origin of code started now.
func (s *Session) originNow(what string) origin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return origin{what: what, cell: s.run}
}

// goroutinePanic reports the panic of a goroutine a go statement started.
func (s *Session) goroutinePanic(o origin, r any) {
	lines := s.filter.take(goroutineID())
	if len(lines) > 0 {
		lines = lines[:len(lines)-1] // the goroutine's generated root function
	}
	s.asyncPanic(r, lines, o)
}

// asyncPanic reports a panic recovered on a goroutine no cell waits for, with yaegi's panic
// lines of that goroutine. While the cell that started the goroutine runs, the panic is that
// cell's error and stops it, as a panic ends a program; it reports whether it did. Otherwise
// the cell has ended, and stopping whatever cell runs now would make an innocent cell fail at a
// moment chosen by timing: the panic is written on stderr instead, with the cell that started
// the goroutine, and is shown under the cell running now or, between cells, under the last one;
// its last line says that the running cell goes on, or that none ran. os.Exit in such a goroutine stops the running cell, whichever it is: it ends the program.
func (s *Session) asyncPanic(r any, lines []string, o origin) (stopped bool) {
	code, exit := exitCode(r)
	var e *workerproto.Error
	if exit {
		e = exitError(code, "in "+o.what)
	} else {
		e = s.panicError(r, lines)
		e.Traceback = append(e.Traceback, "in "+o.what)
	}
	s.mu.Lock()
	cur := s.run
	if cur != nil && (cur == o.cell || exit) && cur.stopped == nil {
		cur.stopped = e
		cur.others = s.live.Load() - cur.live.Load()
		cur.cancel()
		s.mu.Unlock()
		return true
	}
	s.mu.Unlock()

	var when, effect string
	switch {
	case o.cell == nil:
		when = "while no cell ran"
	case o.cell == cur:
		when = "as " + cur.name + " stopped for an earlier panic"
	default:
		when = "after " + o.cell.name + " ended"
	}
	switch {
	case cur == nil:
		effect = "No cell was running: the session goes on, with its names."
	case cur != o.cell:
		effect = cur.name + ", running now, was not stopped by it and goes on."
	}
	if exit {
		fmt.Fprintf(s.stderr, "os.Exit(%d) in %s, %s: it ended that goroutine only\n", code, o.what, when)
		return false
	}
	// One write, so that the report reaches the learner whole, in one stream message.
	var b strings.Builder
	fmt.Fprintf(&b, "panic in %s, %s: %s\n", o.what, when, e.Value)
	for _, l := range e.Traceback[1 : len(e.Traceback)-1] { // the frames; the origin is said above
		b.WriteString(l + "\n")
	}
	if effect != "" {
		b.WriteString(effect + "\n")
	}
	_, _ = io.WriteString(s.stderr, b.String())
	return false
}
