// Package eval compiles notebook cells into yaegi evaluations and runs them.
//
// A [Session] owns one yaegi interpreter. [Session.Execute] compiles a cell with the cell
// compiler (package eval/internal/compile: it splits the cell, rewrites what yaegi gets wrong
// and orders the pieces) and evaluates the resulting chunks one by one with a context, so that
// cancelling the context interrupts the cell. Names a cell defines stay defined for later cells.
//
// Generated code calls a native package of the session (runtime.go): Go starts a cell's
// goroutines, Show receives the final expression's value, Begin starts every statement chunk.
//
// Goroutines:
//
//	caller ── Execute ── evaluate ── one goroutine per statement chunk, running yaegi's Eval (ends
//	   │                             with the chunk; after a cancel, at its next step or at Begin,
//	   │                             and Execute waits for that: settle.go)
//	   └── Goroutines() counts ── Go ── one goroutine per go statement of a cell (ends when its
//	                                    function returns, or at an interrupt: yaegi then stops
//	                                    every interpreted goroutine; a panic in it becomes the
//	                                    error of the cell that started it while that cell runs,
//	                                    or a report on Stderr naming that cell)
//
// A goroutine blocked in native code (sync.WaitGroup.Wait, a read of Stdin) outlives an
// interrupt until that call returns; time.Sleep in cells wakes at an interrupt.
package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/eval/internal/gotypes"
	"github.com/gokernel/gokernel/eval/internal/guard"
	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/workerproto"
	yaegi "github.com/traefik/yaegi/interp"
)

// Config is what a Session reads and writes.
type Config struct {
	Stdin  io.Reader // what os.Stdin and fmt.Scan* read in cells; nil reads nothing
	Stdout io.Writer // fmt.Print*, print, println, os.Stdout in cells; nil discards
	Stderr io.Writer // log.*, os.Stderr in cells, reports of goroutine panics; nil discards

	// Packages are extra native packages cells can import, each a yaegi symbol table
	// ("import/path/name" -> symbol -> value) passed to the interpreter's Use on its own.
	Packages []map[string]map[string]reflect.Value

	// Display receives what cells show with the gokernel/display, progress and timeline
	// packages; nil drops it.
	Display display.Sink

	// Crash, if set, is where the session explains a panic that is about to end the process:
	// one in a func of the cells that native code calls on a goroutine of its own, which
	// nothing recovers (http.Transport's DialContext). It writes the cells' lines of the panic
	// as crash notes (workerproto.CrashNote) just before Go's own report, which says only the
	// panic's value: the worker passes the pipe the kernel reads that report from.
	Crash io.Writer

	// Exit, if set, is what os.Exit, syscall.Exit and log.Fatal call with a nonzero status
	// (after log.Fatal's message): the worker ends its process, as a Go program would. When
	// nil, such an exit ends only the cell, with an Exit error. Status 0 is success, as for
	// go run: the cell ends without error, every goroutine of the cells is stopped as at a
	// program's end, and the session keeps its names; Exit is not called.
	Exit func(code int)

	// Environ, if set, is the environment of the go commands that fetch the modules cells
	// import (imports.go), read at each command; nil means the process's (which %env changes).
	Environ func() []string

	// Interpreting, if set, is told of each package of a module just before the interpreter
	// reads its source (which can crash the process: a stack overflow can't be recovered).
	Interpreting func(importPath string, module string)
}

// Cell is one notebook cell to run.
type Cell struct {
	Name string // shown in positions, e.g. "cell[3]"; empty means "cell"
	Code string
}

// Outcome is what running a cell produced.
type Outcome struct {
	Result         map[string]any     // MIME bundle of the final expression's value ("text/plain": string); nil when there is none
	ResultMetadata map[string]any     // Result's metadata, such as the size to show a PNG at
	Err            *workerproto.Error // nil on success
}

// Session runs cells in one interpreter. Names defined by a cell persist for later cells.
type Session struct {
	yi       *yaegi.Interpreter
	exitHook func(code int) // Config.Exit
	sink     display.Sink   // Config.Display
	env      *compile.Env
	pkgs     map[string]string // import path -> package name, for every native package
	filter   *stderrFilter     // the interpreter's stderr
	stderr   io.Writer         // the user's stderr
	crash    io.Writer         // Config.Crash
	escapes  atomic.Int64      // panics explained on crash so far (guard.go)
	showFunc reflect.Value     // the runtime's Show, also a key of the interpreter's MapTypes
	live     atomic.Int64      // goroutines started by cells and still running
	calls    atomic.Int64      // funcs of the cells that native code runs now (callbacks.go)
	seq      int               // the running cell's number, 1..compile.SeqWrap (it wraps)

	// What cells see as os.Stdin, os.Stdout and os.Stderr (cells may assign them).
	osStdin  io.Reader
	osStdout io.Writer
	osStderr io.Writer

	redef    redefinitions     // the units of the cells, for redefinitions (redefine.go)
	sources  *sourceBook       // the declarations' sources, for compiled cells (sources.go)
	importer *gotypes.Importer // the type check's packages (modern.go)
	modules  *moduleImports    // the packages of modules cells import (imports.go)

	cellsMu  sync.RWMutex
	cells    map[int]cellSource // by sequence number, for positions and tracebacks
	declared map[string]cellPos // where funcs are declared, by yaegi's name (main.f)

	mu     sync.Mutex
	run    *run          // the running cell; nil between cells
	wake   chan struct{} // closed at the next interrupt: wakes time.Sleep in cells
	chunk  *chunkStart   // the statement chunk being evaluated
	chunks int64         // statement chunks so far

	// The declaration chunk evaluated last, guarded by mu: the body of the generated func a
	// statement chunk calls (exit.go, where.go).
	lastDecl string
	labels   context.Context // mark the goroutines that run the session's code (preview.go)

	stopper *stopper      // stops evaluations (settle.go)
	left    []*evaluation // stopped evaluations still in native code, guarded by mu (settle.go)
}

// cellSource is a cell as evaluated, for messages.
type cellSource struct {
	name  string
	lines []string
}

// run is the state of a running cell that goroutines may change.
type run struct {
	name     string // the cell's name, "cell[3]"
	cancel   context.CancelFunc
	stopped  *workerproto.Error // why the cell was stopped from outside: a goroutine's panic or os.Exit
	live     atomic.Int64       // goroutines started while it ran, still running
	others   int64              // goroutines of earlier cells running when stopped was set
	result   map[string]any     // set by Show
	metadata map[string]any     // the result's
	defers   []deferred         // the cell's top-level defers, run at its end
	goexit   bool               // runtime.Goexit ended the statement chunk running

	// The panic of a statement, which the cell's defers may recover (defers.go).
	panicked  *cellPanic // the last statement's panic
	panicking *cellPanic // the panic the defers run in; nil once recovered
	deferring deferred   // the top-level deferred call running
	deferG    int64      // and the goroutine running it
}

// New makes a Session.
func New(cfg Config) (*Session, error) {
	stdin, stdout, stderr := cfg.Stdin, cfg.Stdout, cfg.Stderr
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	s := &Session{
		exitHook: cfg.Exit,
		sink:     cfg.Display,
		pkgs:     map[string]string{},
		filter:   &stderrFilter{w: stderr},
		stderr:   stderr,
		crash:    cfg.Crash,
		osStdin:  stdin,
		osStdout: stdout,
		osStderr: stderr,
		cells:    map[int]cellSource{},
		declared: map[string]cellPos{},
		redef:    newRedefinitions(),
		wake:     make(chan struct{}),
		modules:  newModuleImports(cfg.Environ, cfg.Interpreting),
	}
	s.showFunc = reflect.ValueOf(s.show)
	if s.crash != nil {
		s.filter.escape = s.explainEscape
	}
	guard.Register((*reporter)(s))
	s.labels = pprof.WithLabels(context.Background(), pprof.Labels(sessionLabel, fmt.Sprintf("%p", s)))
	s.yi = yaegi.New(yaegi.Options{
		GoPath:               goPath, // native packages, and the packages of modules (imports.go)
		SourcecodeFilesystem: s.modules.tree,
		Stdin:                stdin,
		Stdout:               stdout,
		Stderr:               s.filter,
		Args:                 []string{"cell"},
		Unrestricted:         true, // os.Getenv and child processes see the real environment
	})
	var err error
	if s.stopper, err = newStopper(s.yi); err != nil {
		return nil, err
	}
	if s.sink == nil {
		s.sink = discardSink{}
	}
	if err := s.loadSymbols(cfg.Packages); err != nil {
		return nil, err
	}
	s.env = compile.NewEnv(func(path string) (string, bool) {
		name, ok := s.pkgs[path]
		return name, ok
	})
	s.env.Types.Importer = s.importer
	if err := s.eval(prelude); err != nil {
		return nil, fmt.Errorf("eval: evaluating the prelude: %w", err)
	}
	return s, nil
}

// Goroutines returns how many goroutines started by cells are still running.
func (s *Session) Goroutines() int { return int(s.live.Load()) }

// Execute compiles and runs one cell. Cancelling ctx interrupts it: the Outcome then has
// Err.Name "Interrupted", and names defined by earlier cells survive. Execute is not safe for
// concurrent use (one cell at a time).
func (s *Session) Execute(ctx context.Context, cell Cell) (out Outcome) {
	if e := s.settleEarlier(); e != nil {
		return Outcome{Err: e}
	}
	s.seq = s.seq%compile.SeqWrap + 1 // see compile.LineBase
	seq := s.seq
	name := cell.Name
	if name == "" {
		name = "cell"
	}
	s.cellsMu.Lock()
	s.cells[seq] = cellSource{name: name, lines: strings.Split(cell.Code, "\n")}
	s.cellsMu.Unlock()

	defer func() {
		if r := recover(); r != nil { // a bug of the cell compiler or the session: report, don't crash
			s.mu.Lock()
			s.run = nil
			s.mu.Unlock()
			out = Outcome{Err: &workerproto.Error{Name: NameRuntime, Value: fmt.Sprintf("internal error: %v", r)}}
		}
	}()
	if e := s.resolveImports(ctx, seq, cell.Code); e != nil {
		return Outcome{Err: e}
	}
	prog, err := compile.Compile(s.env, compile.Cell{Seq: seq, Name: name, Src: cell.Code})
	if err != nil {
		var list compile.ErrorList
		if errors.As(err, &list) {
			return Outcome{Err: s.compileErrors(seq, list)}
		}
		return Outcome{Err: &workerproto.Error{Name: NameCompile, Value: err.Error(), Traceback: []string{err.Error()}}}
	}

	if e := s.checkRedefinitions(seq, prog); e != nil {
		return Outcome{Err: e}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{name: name, cancel: cancel}
	s.mu.Lock()
	s.run = r
	s.mu.Unlock()

	e := s.runChunks(ctx, prog.Chunks)
	if e != nil && e.Name == NameCompile && len(prog.TypeErrors) > 0 {
		e = s.typeErrors(seq, prog.TypeErrors, e) // go/types says it better (modern.go)
	}
	if prog.Finally != nil && (e == nil || e.Name != NameInterrupted) {
		// The cell's defers run, as they would at the end of main, even after a panic, which
		// they may recover.
		e = s.runFinally(ctx, *prog.Finally, r, e)
	}

	s.mu.Lock()
	s.run = nil
	if e == nil {
		e = r.stopped // a goroutine panicked after the last chunk
	}
	result, metadata := r.result, r.metadata
	s.mu.Unlock()

	if e != nil && e.Name == "" {
		e = nil // os.Exit(0)
	}
	if e != nil {
		return Outcome{Err: e}
	}
	return Outcome{Result: result, ResultMetadata: metadata}
}

// runChunks evaluates a compiled cell's chunks in order.
func (s *Session) runChunks(ctx context.Context, chunks []compile.Chunk) *workerproto.Error {
	useAlt := false
	for _, ch := range chunks {
		src := ch.Src
		if useAlt && ch.Alt != "" {
			src = ch.Alt
		}
		cctx := ctx
		if ch.Always {
			cctx = context.Background() // a func's var follows its declaration, interrupt or not
		}
		compiled, e := s.evalChunk(cctx, ch, src)
		if !compiled && ch.Alt != "" && !useAlt {
			// The final expression is a call without results (nothing ran: the chunk only
			// declares the function showing it). Run it without showing a value.
			if compiled, e = s.evalChunk(ctx, ch, ch.Alt); compiled {
				useAlt = true
			}
		}
		if compiled {
			s.env.Record(ch.Defs)
			s.noteSources(ch.Defs)
			s.recordDeclared(ch.Defs.Declared)
			if e := s.recordUnits(ch); e != nil {
				return e
			}
		}
		if e != nil {
			if !compiled && len(ch.Ranges) > 0 && strings.Contains(e.Value, "nil type") {
				e = s.rangeError(ch, ch.Ranges[0])
			}
			return e
		}
	}
	return nil
}

// rangeError explains a "nil type" of yaegi in a chunk with a range it may not handle.
func (s *Session) rangeError(ch compile.Chunk, n compile.Note) *workerproto.Error {
	p := cellPos{seq: s.seq, line: n.Line, col: n.Col}
	msg := fmt.Sprintf("the interpreter failed on range over %s: if that is an integer (Go 1.22 range over int), "+
		"write for i := 0; i < %s; i++ instead", n.Text, n.Text)
	if s.isFunc(n.Text) || slices.Contains(ch.Defs.Funcs, n.Text) || strings.Contains(ch.Src, "func "+n.Text+"(") {
		msg = fmt.Sprintf("range over a function (Go 1.23 iterators): the cell compiler rewrites it when its type check "+
			"knows the function's type, and it could not here; "+
			"call %s with a yield function instead, e.g. %s(func(v T) bool { ...; return true })", n.Text, n.Text)
	}
	e := &workerproto.Error{Name: NameCompile, Value: s.where(p) + ": " + msg}
	e.Traceback = append([]string{e.Value}, s.excerpt(p)...)
	return e
}

// isFunc tells whether expr names a func, or a variable holding one.
func (s *Session) isFunc(expr string) bool {
	if strings.HasPrefix(expr, "func(") || s.env.Funcs[expr] {
		return true
	}
	v, ok := s.yi.Globals()[expr]
	return ok && v.IsValid() && v.Kind() == reflect.Func
}

// evalChunk evaluates a chunk and reports whether it compiled, and how it failed.
//
// Declarations run no code of the cell: they are evaluated to the end, ignoring ctx, so that
// no compilation is left running after an interrupt (yaegi's state is not safe for two).
// Statements run with ctx, on a goroutine of the session (settle.go). Yaegi does not honor a
// stop that comes while it compiles: it then runs the statements anyway. So every statement
// chunk starts with a call of the runtime's Begin, which refuses to go on for a chunk that was
// cancelled (see begin and abandon in runtime.go). After a cancel, evalChunk returns once the
// evaluation's goroutine has left the interpreter (see halt).
//
// Not Compile and ExecuteWithContext: the latter returns through named results that its
// goroutine, still running after a cancel, writes too (a data race).
func (s *Session) evalChunk(ctx context.Context, ch compile.Chunk, src string) (compiled bool, e *workerproto.Error) {
	if !ch.Stmt {
		s.mu.Lock()
		s.lastDecl = src
		s.mu.Unlock()
		_, err := s.yi.EvalWithContext(context.Background(), src)
		if err != nil {
			s.healFrame()
		}
		return s.evalError(err, nil)
	}
	if ctx.Err() != nil {
		return true, s.stopped()
	}
	started := s.beginChunk(src)
	defer func() { // after abandon: a Begin that comes later stops, and doesn't set running
		s.mu.Lock()
		started.running = false
		s.mu.Unlock()
	}()
	// Begin gets the position of the chunk's first statement: yaegi names a frame in a panic by
	// the position of its first statement.
	directive := ""
	if strings.HasPrefix(src, ";/*line ") {
		directive = src[1 : strings.Index(src, "*/")+2]
	}
	ev := s.evaluate(started, s.cellName(s.seq), ";"+directive+compile.RuntimeName+".Begin("+strconv.FormatInt(started.id, 10)+");"+src[1:])
	select {
	case <-ev.done:
	case <-ctx.Done():
	}
	if ctx.Err() == nil {
		if e := s.goexitError(src); e != nil {
			return true, e
		}
		return s.evalError(ev.err, started)
	}
	// Cancelled: by the caller (an interrupt), or by a goroutine's panic or os.Exit. Stop every
	// interpreted goroutine, wake the sleeping ones so they notice, and wait for the chunk's.
	s.abandon(started)
	ev.once.Do(func() { s.stopper.stop(ev.stop) })
	s.wakeSleepers()
	s.halt(ev)
	s.mu.Lock()
	if r := s.run; r.stopped != nil && r.stopped.Name == NamePanic && r.others > 0 {
		// As at an interrupt, and the learner is told so as then: the background work of earlier
		// cells ends without a word.
		r.stopped.Traceback = append(r.stopped.Traceback, fmt.Sprintf(
			"Stopping the cell stopped the goroutines earlier cells left running too (%d), as an interrupt does.", r.others))
		r.others = 0
	}
	s.mu.Unlock()
	return true, s.stopped()
}

// stopped returns the error of a cell whose context was cancelled.
func (s *Session) stopped() *workerproto.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run.stopped != nil {
		return s.run.stopped
	}
	return interruptedError()
}

// evalError classifies an error of EvalWithContext for a chunk (started is nil for declarations).
func (s *Session) evalError(err error, started *chunkStart) (compiled bool, e *workerproto.Error) {
	if err == nil {
		return true, nil
	}
	var pe yaegi.Panic
	if !errors.As(err, &pe) {
		return false, s.yaegiCompileError(err) // a parse or type error: nothing ran
	}
	if !bytes.Contains(pe.Stack, []byte("interp.(*Interpreter).Execute(")) {
		// Yaegi's compiler panicked (it does with "nil type"): an error of the cell.
		return false, s.yaegiCompileError(fmt.Errorf("%s", panicValue(pe.Value)))
	}
	var lines []string
	if started != nil {
		// The panic's stack is the chunk's goroutine's, which wrote the panic lines.
		lines = s.filter.take(guard.StackGoroutine(pe.Stack))
	}
	if code, ok := exitCode(pe.Value); ok {
		return true, exitError(code, "")
	}
	e = s.panicError(pe.Value, lines)
	if started != nil {
		s.notePanic(pe.Value, e)
	}
	return true, e
}

// eval evaluates internal source (the prelude).
func (s *Session) eval(src string) error {
	if _, err := s.yi.EvalWithContext(context.Background(), src); err != nil {
		return err
	}
	return nil
}

// recordDeclared records where the funcs of the running cell are declared.
func (s *Session) recordDeclared(d map[string]compile.Pos) {
	if len(d) == 0 {
		return
	}
	s.cellsMu.Lock()
	defer s.cellsMu.Unlock()
	for name, p := range d {
		s.declared[name] = cellPos{seq: s.seq, line: p.Line, col: p.Col}
	}
}

// declaredAt returns where a func is declared, by yaegi's name for it.
func (s *Session) declaredAt(name string) (cellPos, bool) {
	s.cellsMu.RLock()
	defer s.cellsMu.RUnlock()
	p, ok := s.declared[name]
	return p, ok
}

// cellName returns the name of cell seq.
func (s *Session) cellName(seq int) string {
	s.cellsMu.RLock()
	defer s.cellsMu.RUnlock()
	if c, ok := s.cells[seq]; ok {
		return c.name
	}
	return "prelude"
}

// cellLine returns line n (from 1) of cell seq.
func (s *Session) cellLine(seq, n int) (string, bool) {
	s.cellsMu.RLock()
	defer s.cellsMu.RUnlock()
	c, ok := s.cells[seq]
	if !ok || n < 1 || n > len(c.lines) {
		return "", false
	}
	return strings.TrimRight(c.lines[n-1], "\r"), true
}
