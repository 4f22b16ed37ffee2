package eval

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/gokernel/gokernel/workerproto"
)

// NameGoexit is the error of a cell that runtime.Goexit ended.
const NameGoexit = "Goexit"

// exitSignal is the panic value of os.Exit in a cell: it ends the cell, not the process.
type exitSignal struct{ code int }

// exit is os.Exit, syscall.Exit and the end of log.Fatal for cells. Like a program's exit it
// stops the whole program: the cell, and every goroutine of the cells (yaegi stops them all
// when the cell's context is cancelled). A nonzero status then goes to Config.Exit (the worker
// ends its process there, and the kernel reports the status); status 0 is success, as for go
// run, and the session keeps its names.
func (s *Session) exit(code int) {
	if code != 0 && s.exitHook != nil {
		s.exitHook(code)
	}
	if ev := s.onChunk(); ev != nil {
		ev.parked.Store(true) // before the stop: halt must not wait for it, nor keep it
		s.stopRun(exitError(code, ""))
		// Unwinding would run the deferred calls of the cell's frames, which os.Exit never
		// does (log.Fatal skipping a defer is a lesson in itself): the goroutine stays
		// parked instead, a few KiB per exit, until the worker ends.
		s.park()
	}
	// On a goroutine of its own the exit unwinds to the goroutine's wrapper, which knows where
	// the goroutine came from and reports it; that goroutine's own deferred calls do run.
	panic(exitSignal{code})
}

// park blocks the calling goroutine for good, as no longer running the session's code.
func (s *Session) park() {
	pprof.SetGoroutineLabels(context.Background())
	select {}
}

// exitCode returns the code of an os.Exit panic.
func exitCode(r any) (int, bool) {
	if v, ok := r.(reflect.Value); ok && v.IsValid() && v.CanInterface() {
		r = v.Interface()
	}
	e, ok := r.(exitSignal)
	return e.code, ok
}

// stopRun stops the running cell with error e, unless something stopped it first. Cancelling
// the cell's context makes yaegi stop every interpreted goroutine. It reports whether a cell
// was running.
func (s *Session) stopRun(e *workerproto.Error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return false
	}
	if s.run.stopped == nil {
		s.run.stopped = e
		s.run.cancel()
	}
	return true
}

// onChunk returns the evaluation of the running cell's statement chunk when the caller runs on
// its goroutine (the cell's "main goroutine"), and nil on a goroutine the cell started, on a
// callback's goroutine, or on the goroutine of an earlier, interrupted chunk that native code
// still held. The goroutine's number costs a stack walk: os.Exit and Goexit are rare.
func (s *Session) onChunk() *evaluation {
	g := goroutineID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil || s.chunk == nil || !s.chunk.running || s.chunk.ev == nil || s.chunk.ev.g.Load() != g {
		return nil
	}
	return s.chunk.ev
}

// goexit is runtime.Goexit for cells. On a goroutine a cell started it ends that goroutine, as
// in Go. At the top of a cell it would end only yaegi's evaluation of one statement, and the
// next statement would run: instead it marks the cell, which then ends with a NameGoexit
// error after its deferred calls, as main's goroutine ends after its deferred calls.
func (s *Session) goexit() {
	if s.onChunk() != nil {
		s.mu.Lock()
		s.run.goexit = true
		s.mu.Unlock()
	}
	runtime.Goexit()
}

// goexitError returns the error of a statement chunk that runtime.Goexit ended, or nil. src is
// the chunk's source.
func (s *Session) goexitError(src string) *workerproto.Error {
	s.mu.Lock()
	exited := s.run.goexit
	s.run.goexit = false
	decl := s.lastDecl
	s.mu.Unlock()
	if !exited {
		return nil
	}
	where := s.cellName(s.seq)
	p, ok := stmtPos(src, decl)
	if ok {
		where = s.where(p)
	}
	e := &workerproto.Error{Name: NameGoexit, Value: fmt.Sprintf("runtime.Goexit ended the cell at %s: the rest of the cell did not run", where)}
	e.Traceback = []string{e.Value}
	if ok {
		e.Traceback = append(e.Traceback, s.excerpt(p)...)
	}
	e.Traceback = append(e.Traceback,
		"The cell's deferred calls ran, and its goroutines go on. In a program, Goexit on main's goroutine ends it without main returning:",
		"the program goes on while other goroutines run, then crashes with \"no goroutines (main called runtime.Goexit) - deadlock!\".")
	return e
}

// lineDirective matches the position directives of generated code.
var lineDirective = regexp.MustCompile(`/\*line _\.go:(\d+):(\d+)\*/`)

// stmtPos returns where the statement a chunk runs starts in its cell. Most statements run
// in a generated function the chunk calls, and decl is the declaration evaluated just before
// the chunk: when it declares that function, the position is the first in its body.
func stmtPos(src, decl string) (cellPos, bool) {
	if p, ok := firstPos(src); ok {
		return p, true
	}
	call := strings.TrimSpace(lineDirective.ReplaceAllString(strings.TrimPrefix(src, ";"), ""))
	if name, ok := strings.CutSuffix(call, "()"); ok && strings.HasPrefix(decl, "func "+name+"(") {
		return firstPos(decl)
	}
	return cellPos{}, false
}

// firstPos returns the first position of the cell's own text in generated code.
func firstPos(src string) (cellPos, bool) {
	for _, m := range lineDirective.FindAllStringSubmatch(src, -1) {
		if p, ok := decodePos(m[1], m[2]); ok && p.line > 0 {
			return p, true
		}
	}
	return cellPos{}, false
}
