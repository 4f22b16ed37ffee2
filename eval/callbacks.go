package eval

import (
	"context"
	"fmt"
	"reflect"
	"time"
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
// LogWriter) or run on the caller's goroutine (sync.OnceFunc, sort.Slice). A finalizer of
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
// on a goroutine of its own: a panic in f becomes the running cell's error, or a report on
// stderr between cells, instead of the end of the process.
func (s *Session) callback(name string, f func()) func() {
	return func() {
		s.calls.Add(1)
		defer s.calls.Add(-1)
		defer func() {
			if r := recover(); r != nil {
				s.asyncPanic(r, s.filter.take(goroutineID()), "in a func that "+name+" called", "in a func that "+name+" called after its cell ended")
			}
		}()
		f()
	}
}

// goroutinePanic reports the panic of a goroutine a go statement at pos started.
func (s *Session) goroutinePanic(pos string, r any) {
	lines := s.filter.take(goroutineID())
	if len(lines) > 0 {
		lines = lines[:len(lines)-1] // the goroutine's generated root function
	}
	s.asyncPanic(r, lines, "in a goroutine started at "+pos, "in a goroutine started by an earlier cell")
}

// asyncPanic reports a panic recovered on a goroutine no cell waits for, with yaegi's panic
// lines of that goroutine. It becomes the running cell's error, which stops the cell; between
// cells it is written on stderr. origin, the traceback's last line, says where the goroutine
// came from; late says it for a report between cells.
func (s *Session) asyncPanic(r any, lines []string, origin, late string) {
	if code, ok := exitCode(r); ok {
		if !s.stopRun(exitError(code, origin)) {
			fmt.Fprintf(s.stderr, "os.Exit(%d) %s ended that goroutine\n%s\n", code, late, origin)
		}
		return
	}
	e := s.panicError(r, lines)
	e.Traceback = append(e.Traceback, origin)
	if !s.stopRun(e) {
		fmt.Fprintf(s.stderr, "panic %s: %s\n", late, e.Value)
		for _, l := range e.Traceback[1:] {
			fmt.Fprintln(s.stderr, l)
		}
	}
}
