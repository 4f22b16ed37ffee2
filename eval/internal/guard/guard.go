// Package guard keeps a panic of the cells' code from ending the process when native code runs
// that code on a goroutine of its own, where nothing recovers it.
//
// The interpreter hands a func or a value of the cells to native code as a Go func or an
// interface value; if native code calls it on a goroutine of its own (sync.WaitGroup.Go, the
// copying goroutines of os/exec), a panic there ends the process, as in any Go program. The
// session replaces a few such natives in the interpreter's symbol table by the ones here, which
// recover the panic and hand it to the session whose code panicked, as it reports a panic of a
// go statement. Types have no session to report to: the session is found by its interpreter's
// panic lines for the goroutine, which it wrote while the panic left the cells' frames (see
// Register). What is left unguarded (a func that a cell puts in a native struct's field, such
// as http.Transport's DialContext) still ends the process; Unrecovered tells the session when
// a panic is about to do so, so that it can say where, before Go's report.
package guard

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"weak"
)

// A Reporter is a session of the cells.
type Reporter interface {
	// Now returns what the reporter will need to say where code that native code starts now
	// came from (the cell running now): it gets it back in Report.
	Now() any

	// Report reports r, a panic recovered on goroutine g, if the reporter's cells' code
	// panicked there: native code (what, "a func that sync.WaitGroup.Go ran") ran it on a
	// goroutine no cell waits for, which started when Now returned started. It returns whether
	// it reported r, and whether the report stopped the running cell.
	Report(g int64, r any, what string, started any) (reported, stopped bool)
}

// reporters are the live sessions. This is the package's one state, shared by the sessions of
// a process; a session is found by the goroutine its code panicked on, so sessions side by
// side (tests run several) each get their own panics.
var reporters struct {
	mu   sync.Mutex
	live []func() Reporter // nil once the session is gone
}

// Register makes r a session the guards report to, until r is garbage.
func Register[T any, P interface {
	*T
	Reporter
}](r P) {
	w := weak.Make((*T)(r))
	alive := func() Reporter {
		if p := w.Value(); p != nil {
			return P(p)
		}
		return nil
	}
	reporters.mu.Lock()
	defer reporters.mu.Unlock()
	live := reporters.live[:0]
	for _, f := range reporters.live {
		if f() != nil {
			live = append(live, f)
		}
	}
	reporters.live = append(live, alive)
}

// Origins are the reporters' answers to Now at the start of code that native code runs.
type Origins []origin

type origin struct {
	reporter func() Reporter
	started  any
}

// Start asks each session what it needs to say later where code that starts now came from.
func Start() Origins {
	reporters.mu.Lock()
	live := append([]func() Reporter(nil), reporters.live...)
	reporters.mu.Unlock()
	var o Origins
	for _, f := range live {
		if rep := f(); rep != nil {
			o = append(o, origin{f, rep.Now()})
		}
	}
	return o
}

// report hands r, recovered on the calling goroutine, to the session whose code panicked; the
// code started at o.
func (o Origins) report(r any, what string) (reported, stopped bool) {
	g := GoroutineID()
	for _, or := range o {
		if rep := or.reporter(); rep != nil {
			if reported, stopped = rep.Report(g, r, what, or.started); reported {
				return reported, stopped
			}
		}
	}
	return false, false
}

// Call runs f, a func of the cells that native code (what) runs on a goroutine no cell waits
// for, and reports its panic to its session; f was handed over at o (Start). It returns whether
// f panicked, and whether the report stopped the running cell. A panic that went through no
// cell's code (f is native) is not the cells': it goes on, and ends the process as in Go.
func (o Origins) Call(what string, f func()) (panicked, stopped bool) {
	defer func() {
		if r := recover(); r != nil {
			reported, st := o.report(r, what)
			if !reported {
				panic(r)
			}
			panicked, stopped = true, st
		}
	}()
	f()
	return false, false
}

// A method guard is deferred by the methods of Writer and Reader, which run on any goroutine:
// on one where something below recovers (the interpreter, the session's goroutines, net/http's
// server), the panic goes on as it would have; on a goroutine of native code it is reported,
// and the method returns an error instead (the native caller, io.Copy in os/exec, then ends its
// work as after a failed write).
func methodGuard(err *error, method string) {
	r := recover()
	if r == nil {
		return
	}
	below := callers().below(method)
	if below == nil || recovers(below) {
		panic(r)
	}
	name := method[strings.LastIndexByte(method, '.')+1:]
	what := "the " + name + " method of a value of the cells, called " + onGoroutineOf(creator())
	if reported, _ := Start().report(r, what); !reported { // the method started just now
		panic(r)
	}
	*err = fmt.Errorf("panic in the %s method: %v", name, r)
}

// onGoroutineOf says whose goroutine code runs on: "on a goroutine that os/exec.(*Cmd).Start
// started".
func onGoroutineOf(creator string) string {
	if creator == "" {
		return "on a goroutine of native code"
	}
	return "on a goroutine that " + creator + " started"
}

// Writer replaces the interpreter's wrapper of io.Writer, through which native code calls the
// Write method of a value of the cells (os/exec's Cmd.Stdout and Stderr, on goroutines of
// their own). Its fields are what the interpreter fills in: the value, and its method.
type Writer struct {
	IValue any
	WWrite func(p []byte) (n int, err error)
}

var (
	_ io.Writer = Writer{}
	_ io.Reader = Reader{}
)

const writerWrite = "github.com/gokernel/gokernel/eval/internal/guard.Writer.Write"

func (w Writer) Write(p []byte) (n int, err error) {
	defer methodGuard(&err, writerWrite)
	return w.WWrite(p)
}

// Reader replaces the interpreter's wrapper of io.Reader (os/exec's Cmd.Stdin is read on a
// goroutine of its own).
type Reader struct {
	IValue any
	WRead  func(p []byte) (n int, err error)
}

const readerRead = "github.com/gokernel/gokernel/eval/internal/guard.Reader.Read"

func (r Reader) Read(p []byte) (n int, err error) {
	defer methodGuard(&err, readerRead)
	return r.WRead(p)
}

// An Escape is a panic leaving the cells' code on a goroutine where nothing recovers it: it is
// about to end the process.
type Escape struct {
	G       int64  // the goroutine, as Go's crash report numbers it
	Caller  string // the native function that called the cells' code ("net/http.(*Transport).dial")
	Creator string // the function whose go statement started the goroutine; "" if unknown
}

// Where says where the cells' code ran: "in a func of the cells that
// net/http.(*Transport).dial called on a goroutine that net/http.(*Transport).queueForDial
// started".
func (e Escape) Where() string {
	if e.Caller == "" && e.Creator != "" {
		return "in a func of the cells that " + e.Creator + " ran on a goroutine of its own"
	}
	caller := e.Caller
	if caller == "" {
		caller = "native code"
	}
	return "in a func of the cells that " + caller + " called " + onGoroutineOf(e.Creator)
}

// Unrecovered tells whether the panic that the interpreter reports on the calling goroutine is
// leaving the cells' code for good, with nothing below to recover it. The interpreter writes a
// panic line for each of its frames the panic leaves (each a call of runCfg, whose deferred
// function writes the line): the panic leaves the last of them when every runCfg on the stack
// is running its deferred function.
func Unrecovered() (Escape, bool) {
	st := callers()
	frames, deferring := 0, 0
	last := -1
	for i, f := range st.funcs {
		switch f {
		case yaegiRunCfg:
			frames++
			last = i
		case yaegiRunCfg + ".func1":
			deferring++
		}
	}
	if frames == 0 || frames != deferring {
		return Escape{}, false
	}
	below := st.funcs[last+1:]
	if recovers(below) {
		return Escape{}, false
	}
	return Escape{G: GoroutineID(), Caller: st.caller(below), Creator: creator()}, true
}

const yaegiRunCfg = "github.com/traefik/yaegi/interp.runCfg"

// stack is the calling goroutine's stack: function names, innermost first.
type stack struct{ funcs []string }

func callers() stack {
	pcs := make([]uintptr, 256)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	var st stack
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		st.funcs = append(st.funcs, f.Function)
		if !more {
			return st
		}
	}
}

// below returns the frames below (called before) the innermost call of fn.
func (st stack) below(fn string) []string {
	for i, f := range st.funcs {
		if f == fn {
			return st.funcs[i+1:]
		}
	}
	return nil
}

// caller names the native function in frames (the stack below the cells' code) that called
// the cells' code: the first frame not of the interpreter, reflect or the runtime; "" if none
// is (the goroutine started with the cells' func).
func (stack) caller(frames []string) string {
	for _, f := range frames {
		if !strings.HasPrefix(f, "github.com/traefik/yaegi/") && !strings.HasPrefix(f, "reflect.") &&
			!strings.HasPrefix(f, "runtime.") && !strings.HasPrefix(f, "github.com/gokernel/gokernel/eval/internal/guard.") {
			return f
		}
	}
	return ""
}

// recovers tells whether one of frames recovers a panic: the interpreter's (a cell's frame
// may recover, and the evaluation of a cell does), the session's (its goroutines and
// callbacks), the guards', and the standard library's that recover what they call (net/http's
// server and its handlers, fmt's String and Error methods, text/template's funcs, iter.Pull,
// which hands the panic to the caller of next).
func recovers(frames []string) bool {
	for _, f := range frames {
		for _, p := range recoverers {
			if strings.HasPrefix(f, p) {
				return true
			}
		}
	}
	return false
}

var recoverers = []string{
	"github.com/traefik/yaegi/interp.runCfg",
	"github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext",
	"github.com/gokernel/gokernel/eval.(*Session).",
	"github.com/gokernel/gokernel/eval/internal/guard.Origins.Call",
	"github.com/gokernel/gokernel/eval/internal/guard.methodGuard",
	"github.com/gokernel/gokernel/eval/internal/guard.Writer.",
	"github.com/gokernel/gokernel/eval/internal/guard.Reader.",
	"net/http.(*conn).serve",
	"net/http.(*http2serverConn).runHandler",
	"net/http.(*timeoutHandler).ServeHTTP",
	"fmt.(*pp).handleMethods",
	"text/template.safeCall",
	"iter.Pull",
}

// GoroutineID returns the calling goroutine's number, from the header of its stack trace. It
// costs a walk of the stack: for rare paths only.
func GoroutineID() int64 {
	var buf [64]byte
	return StackGoroutine(buf[:runtime.Stack(buf[:], false)])
}

// StackGoroutine returns the goroutine number in the header of a stack trace,
// "goroutine 7 [running]:", or 0.
func StackGoroutine(stack []byte) int64 {
	b, ok := bytes.CutPrefix(stack, []byte("goroutine "))
	if !ok {
		return 0
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseInt(string(b), 10, 64)
	return id
}

// creator returns the function whose go statement started the calling goroutine, from the
// "created by" line of its stack trace.
func creator() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, false)
		if n < len(buf) || len(buf) >= 4<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	i := bytes.LastIndex(buf, []byte("\ncreated by "))
	if i < 0 {
		return ""
	}
	line := buf[i+len("\ncreated by "):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	if j := bytes.Index(line, []byte(" in goroutine ")); j >= 0 {
		line = line[:j]
	}
	return string(line)
}
