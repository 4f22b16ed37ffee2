package eval

import (
	"github.com/gokernel/gokernel/lib/display"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/eval/internal/guard"
)

// runtimeSymbols is the native package generated code calls (compile.RuntimePackage), bound to
// the session.
func (s *Session) runtimeSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		compile.RuntimePackage + "/rt": {
			"Go":        reflect.ValueOf(s.goroutine),
			"Defer":     reflect.ValueOf(s.deferCall),
			"RunDefers": reflect.ValueOf(s.runDefers),
			"Recover":   reflect.ValueOf(s.recoverValue),
			"Begin":     reflect.ValueOf(s.begin),
			"Show":      s.showFunc,
			"Clear":     reflect.ValueOf(clearValue),
			"Print":     reflect.ValueOf(s.print),
			"Println":   reflect.ValueOf(s.println),
		},
	}
}

// chunkStart tracks whether a statement chunk began running its code.
type chunkStart struct {
	id        int64
	line      int         // the line of its first statement, in generated numbering (where.go)
	running   bool        // from Begin until its evaluation returned (evalChunk)
	ev        *evaluation // its evaluation, set before its goroutine starts
	abandoned bool        // cancelled before Begin: Begin stops it
}

// beginChunk registers the statement chunk about to be evaluated, src.
func (s *Session) beginChunk(src string) *chunkStart {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunks++
	s.chunk = &chunkStart{id: s.chunks, line: chunkLine(src, s.lastDecl)}
	return s.chunk
}

// begin is called first by every statement chunk. A chunk cancelled while yaegi compiled it
// must not run, but yaegi runs it anyway: begin ends its goroutine instead of returning. Not
// with a panic: yaegi reads the global frame unlocked while a panic leaves it, and the next
// chunk may be running there already.
func (s *Session) begin(id int64) {
	pprof.SetGoroutineLabels(s.labels) // goroutines the chunk starts inherit them
	s.mu.Lock()
	c := s.chunk
	stale := c == nil || c.id != id
	stop := stale || c.abandoned
	if !stop {
		c.running = true
	}
	s.mu.Unlock()
	if stop {
		runtime.Goexit()
	}
	faultsPanic()
}

// abandon marks a cancelled chunk, before its evaluation is stopped: if yaegi is still compiling
// it, yaegi runs it afterwards all the same, and Begin then stops it.
func (s *Session) abandon(c *chunkStart) {
	s.mu.Lock()
	c.abandoned = true
	s.mu.Unlock()
}

// goroutine runs a goroutine started by a go statement of a cell (see compile's rewriteGo). A
// panic in it would end the process; it is recovered and reported (asyncPanic): as the error of
// the cell that started it, which stops that cell, or once that cell has ended on stderr.
func (s *Session) goroutine(pos string, f func()) {
	o := s.originNow("a goroutine started at " + pos)
	s.live.Add(1)
	if o.cell != nil {
		o.cell.live.Add(1)
	}
	go func() { // ends when f returns: yaegi stops interpreted code at an interrupt
		faultsPanic()
		defer func() {
			r := recover()
			s.live.Add(-1) // before the report: a stopped cell counts the goroutines it stopped
			if o.cell != nil {
				o.cell.live.Add(-1)
			}
			if r != nil {
				s.goroutinePanic(o, r)
			}
		}()
		f()
	}()
}

// deferCall registers a top-level defer of the running cell (see compile's rewriteDefer); id
// names the function it calls, for recover (defers.go).
func (s *Session) deferCall(id string, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		s.run.defers = append(s.run.defers, deferred{id: id, f: f})
	}
}

// runDefers runs the running cell's top-level defers, last first, each to its end: a panic in
// one becomes the cell's panic, which the next may recover (see runDeferred).
func (s *Session) runDefers() {
	for {
		s.mu.Lock()
		var d deferred
		if n := len(s.run.defers); n > 0 {
			d = s.run.defers[n-1]
			s.run.defers = s.run.defers[:n-1]
		}
		s.mu.Unlock()
		if d.f == nil {
			return
		}
		s.runDeferred(d)
	}
}

// sleep is time.Sleep for cells: an interrupt wakes it, so a cell sleeping for an hour stops
// at once instead of leaving a goroutine behind.
func (s *Session) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.interrupted():
	}
}

// sessionSink is the display sink the notebook packages get: the front end's, and the session's
// interrupts, so that native code blocked for a cell (a timeline.Chan's Send) ends at one.
type sessionSink struct {
	display.Sink
	s *Session
}

// Interrupted implements display.Interrupter.
func (k sessionSink) Interrupted() <-chan struct{} { return k.s.interrupted() }

// interrupted returns a channel closed at the next interrupt.
func (s *Session) interrupted() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// wakeSleepers closes the interrupt channel and makes a new one.
func (s *Session) wakeSleepers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.wake)
	s.wake = make(chan struct{})
}

// show receives the value of a cell's final expression.
func (s *Session) show(v ...any) {
	result := map[string]any{"text/plain": formatValues(v)}
	if len(v) == 1 {
		// Pictures, timelines and values with a MIMEBundle method show as themselves.
		if b, ok := display.BundleOf(v[0]); ok {
			result = b
		}
	}
	metadata := display.Metadata(result)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		s.run.result, s.run.metadata = result, metadata
	}
}

// clearValue implements the clear builtin (Go 1.21) for the prelude.
func clearValue(v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		rv.Clear()
	case reflect.Slice:
		for i := range rv.Len() {
			rv.Index(i).SetZero()
		}
	}
}

// stderrFilter is the interpreter's stderr. Yaegi writes a line "L:C: panic: f(...)" for every
// interpreted frame a panic unwinds, on the panicking goroutine; the filter keeps those (they
// become the traceback of that goroutine's panic) and passes everything else through untouched.
// Yaegi writes each such line in one Write.
type stderrFilter struct {
	w      io.Writer
	escape func(guard.Escape) // if set, told of a panic leaving the cells' code where nothing recovers it

	mu    sync.Mutex
	lines []panicLine
	// recovered: a goroutine whose panic, now unwinding, is recovered below the cells' code,
	// and the panic's value as its lines show it. Yaegi writes a line for every frame the panic
	// leaves, and guard.Unrecovered walks the whole stack: asked once per panic, not per line.
	recovered struct {
		g     int64
		value string
	}
}

// A panicLine is a line of yaegi's panic trace and the goroutine that wrote it.
type panicLine struct {
	g    int64
	text string
}

var panicLinePattern = regexp.MustCompile(`^(?:_\.go:)?\d+:\d+: panic: [^\n]*\n$`)

// maxPanicLines bounds the lines kept: panics recovered by cells leave lines nobody takes.
const maxPanicLines = 256

func (f *stderrFilter) Write(p []byte) (int, error) {
	if len(p) < 512 && panicLinePattern.Match(p) {
		line := panicLine{g: goroutineID(), text: string(p[:len(p)-1])}
		_, value, _ := strings.Cut(line.text, ": panic: ")
		f.mu.Lock()
		if len(f.lines) == maxPanicLines {
			f.lines = f.lines[1:]
		}
		f.lines = append(f.lines, line)
		known := f.recovered.g == line.g && f.recovered.value == value
		f.mu.Unlock()
		if f.escape != nil && !known {
			if e, ok := guard.Unrecovered(); ok {
				f.escape(e)
			} else {
				f.mu.Lock()
				f.recovered.g, f.recovered.value = line.g, value
				f.mu.Unlock()
			}
		}
		return len(p), nil
	}
	return f.w.Write(p)
}

// peek returns the panic lines goroutine g wrote, and keeps them.
func (f *stderrFilter) peek(g int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var mine []string
	for _, l := range f.lines {
		if l.g == g {
			mine = append(mine, l.text)
		}
	}
	return mine
}

// take returns (and forgets) the panic lines goroutine g wrote.
func (f *stderrFilter) take(g int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recovered.g == g {
		f.recovered.g, f.recovered.value = 0, ""
	}
	var mine []string
	rest := f.lines[:0]
	for _, l := range f.lines {
		if l.g == g {
			mine = append(mine, l.text)
		} else {
			rest = append(rest, l)
		}
	}
	f.lines = rest
	return mine
}

// goroutineID returns the current goroutine's number. Only used on rare paths (a panic line)
// and where the stack is shallow (the start of Session.evaluate's goroutine).
func goroutineID() int64 { return guard.GoroutineID() }
