package eval

import (
	"context"
	"fmt"
	"github.com/gokernel/gokernel/eval/internal/compile"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// hooks is a native package "gktest" for tests: cells call Started when they reach a point, and
// Block waits until the test (or a cell, with Release) releases it.
type hooks struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func newHooks() *hooks {
	return &hooks{started: make(chan struct{}, 1), release: make(chan struct{})}
}

func (h *hooks) exports() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"gktest/gktest": {
			"Started": reflect.ValueOf(func() {
				select {
				case h.started <- struct{}{}:
				default:
				}
			}),
			"Block":   reflect.ValueOf(func() { <-h.release }),
			"Release": reflect.ValueOf(h.Release),
			"Released": reflect.ValueOf(func() bool {
				select {
				case <-h.release:
					return true
				default:
					return false
				}
			}),
		},
	}
}

func (h *hooks) Release() { h.once.Do(func() { close(h.release) }) }

// watchBuffer is an output that tells when something was written.
type watchBuffer struct {
	syncBuffer
	written chan struct{}
}

func newWatchBuffer() *watchBuffer { return &watchBuffer{written: make(chan struct{}, 1)} }

func (w *watchBuffer) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	select {
	case w.written <- struct{}{}:
	default:
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor waits until the output contains s.
func (w *watchBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for !strings.Contains(w.String(), s) {
		select {
		case <-w.written:
		case <-timeout:
			t.Fatalf("output does not contain %q: %q", s, w.String())
		}
	}
}

type testSession struct {
	*Session
	hooks          *hooks
	stdout, stderr *watchBuffer
	n              int
}

func newTestSession(t *testing.T) *testSession {
	t.Helper()
	ts := &testSession{hooks: newHooks(), stdout: newWatchBuffer(), stderr: newWatchBuffer()}
	s, err := New(Config{Stdout: ts.stdout, Stderr: ts.stderr, Packages: []map[string]map[string]reflect.Value{ts.hooks.exports()}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Session = s
	t.Cleanup(ts.hooks.Release)
	return ts
}

// run executes a cell that must succeed and returns its text/plain result.
func (ts *testSession) run(t *testing.T, code string) string {
	t.Helper()
	out := ts.exec(t.Context(), code)
	if out.Err != nil {
		t.Fatalf("%s: %s\n%s", code, out.Err, strings.Join(out.Err.Traceback, "\n"))
	}
	text, _ := out.Result["text/plain"].(string)
	return text
}

func (ts *testSession) exec(ctx context.Context, code string) Outcome {
	ts.n++
	return ts.Execute(ctx, Cell{Name: cellName(ts.n), Code: code})
}

// waitGoroutines waits until the session counts n goroutines.
func (ts *testSession) waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ts.Goroutines() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Goroutines() = %d, want %d", ts.Goroutines(), n)
		}
		time.Sleep(time.Millisecond) // the count drops when a goroutine's deferred calls are done
	}
}

func TestInterrupt(t *testing.T) {
	tests := []struct {
		name string
		cell string
	}{
		{"busy loop", "gktest.Started()\nfor {\n\tcounter++\n}"},
		{"sleep", "gktest.Started()\ntime.Sleep(time.Hour)"},
		{"receive", "gktest.Started()\n<-make(chan int)"},
		{"empty select", "gktest.Started()\nselect {}"},
		{"busy loop in a func", "func spin() {\n\tfor {\n\t\tcounter++\n\t}\n}\ngktest.Started()\nspin()"},
		{"sleep in a goroutine too", "go func() { time.Sleep(time.Hour) }()\ngktest.Started()\ntime.Sleep(time.Hour)"},
		// The evaluation stays blocked in native code (a goroutine left behind); the cell ends.
		{"native wait", "var wg sync.WaitGroup\nwg.Add(1)\ngktest.Started()\nwg.Wait()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if raceEnabled && tt.name == "native wait" {
				// The abandoned evaluation and the next one share yaegi's frames: a race
				// inside yaegi, not ours. make test runs this package without -race too.
				t.Skip("yaegi's own data race")
			}
			ts := newTestSession(t)
			ts.run(t, "import (\"gktest\"; \"sync\"; \"time\")\nbefore := \"kept\"\ncounter := 0")
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan Outcome, 1)
			go func() { done <- ts.exec(ctx, tt.cell) }() // ends when the interrupt stops the cell
			<-ts.hooks.started
			cancel()
			start := time.Now()
			var out Outcome
			select {
			case out = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the cell did not stop within 5s of the interrupt")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("the cell stopped %v after the interrupt, want within 1s", d)
			}
			if out.Err == nil || out.Err.Name != NameInterrupted {
				t.Fatalf("got error %v, want %s", out.Err, NameInterrupted)
			}
			if got := ts.run(t, "before"); got != `"kept"` {
				t.Errorf("after the interrupt, before = %s, want \"kept\"", got)
			}
			if got := ts.run(t, "counter >= 0"); got != "true" {
				t.Errorf("after the interrupt, counter >= 0 is %s", got)
			}
		})
	}
}

func TestInterruptBeforeStart(t *testing.T) {
	ts := newTestSession(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out := ts.exec(ctx, "x := 1")
	if out.Err == nil || out.Err.Name != NameInterrupted {
		t.Fatalf("got %v, want %s", out.Err, NameInterrupted)
	}
}

func TestGoroutinePanicDuringCell(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"gktest\"; \"time\")\nkept := 42")
	out := ts.exec(t.Context(), "go func() {\n\tgktest.Block()\n\tpanic(\"boom\")\n}()\ngktest.Release()\ntime.Sleep(time.Hour)")
	if out.Err == nil || out.Err.Name != NamePanic || out.Err.Value != "boom" {
		t.Fatalf("got %v, want panic: boom", out.Err)
	}
	tb := strings.Join(out.Err.Traceback, "\n")
	for _, want := range []string{"in a func literal, at cell[2]:2:2", "in a goroutine started at cell[2]:1:1"} {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
	if got := ts.run(t, "kept"); got != "42" {
		t.Errorf("kept = %s after the goroutine's panic, want 42", got)
	}
}

func TestGoroutinePanicAfterCell(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, `import "gktest"`)
	ts.run(t, "go func() {\n\tgktest.Block()\n\tpanic(\"late\")\n}()")
	if n := ts.Goroutines(); n != 1 {
		t.Errorf("Goroutines() = %d, want 1", n)
	}
	ts.hooks.Release()
	ts.stderr.waitFor(t, "panic in a goroutine started by an earlier cell: late")
	ts.stderr.waitFor(t, "in a goroutine started at cell[2]:1:1")
	ts.waitGoroutines(t, 0)
	if got := ts.run(t, "1 + 1"); got != "2" {
		t.Errorf("1 + 1 = %s after a goroutine's panic", got)
	}
}

func TestGoroutineExit(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"os\"; \"time\")")
	out := ts.exec(t.Context(), "go os.Exit(4)\ntime.Sleep(time.Hour)")
	if out.Err == nil || out.Err.Name != NameExit || out.Err.Value != "exit status 4" {
		t.Fatalf("got %v, want Exit: exit status 4", out.Err)
	}
}

func TestGoroutines(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, `import "gktest"`)
	ts.run(t, "for i := 0; i < 3; i++ {\n\tgo gktest.Block()\n}")
	if n := ts.Goroutines(); n != 3 {
		t.Errorf("Goroutines() = %d, want 3", n)
	}
	ts.hooks.Release()
	ts.waitGoroutines(t, 0)
}

func TestStdin(t *testing.T) {
	var stdout syncBuffer
	s, err := New(Config{Stdin: strings.NewReader("Ada 36\n"), Stdout: &stdout})
	if err != nil {
		t.Fatal(err)
	}
	out := s.Execute(t.Context(), Cell{Code: "import \"fmt\"\nvar name string\nvar age int\nfmt.Scan(&name, &age)\nfmt.Println(name, age+1)"})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if got := stdout.take(); got != "Ada 37\n" {
		t.Errorf("stdout = %q, want %q", got, "Ada 37\n")
	}
}

func TestCellName(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	out := s.Execute(t.Context(), Cell{Code: "x := \n"})
	if out.Err == nil || !strings.HasPrefix(out.Err.Value, "cell:1:") {
		t.Fatalf("got %v, want an error at cell:1:...", out.Err)
	}
	if got := out.Err.Error(); !strings.HasPrefix(got, "CompileError: cell:1:") {
		t.Errorf("Error() = %q", got)
	}
}

func TestNoResult(t *testing.T) {
	ts := newTestSession(t)
	for _, code := range []string{
		"x := 1",
		"var y = 2",
		"type T struct{}",
		"func f() int { return 1 }",
		"x = 3",
		"f();",
		"import \"fmt\"\nfmt.Println()",
		"import \"log\"\nlog.SetFlags(0)",
		"_ = x",
		"",
		"// only a comment",
		"package main",
	} {
		if out := ts.exec(t.Context(), code); out.Err != nil || out.Result != nil {
			t.Errorf("%q: got result %v, error %v; want neither", code, out.Result, out.Err)
		}
	}
}

func TestSessionsAreIndependent(t *testing.T) {
	a, b := newTestSession(t), newTestSession(t)
	a.run(t, "x := \"a\"")
	b.run(t, "x := \"b\"")
	if got := a.run(t, "x"); got != `"a"` {
		t.Errorf("session a: x = %s", got)
	}
	if got := b.run(t, "x"); got != `"b"` {
		t.Errorf("session b: x = %s", got)
	}
}

func TestInterruptStopsGoroutines(t *testing.T) {
	if raceEnabled {
		// A goroutine reading a global while a later cell is evaluated races with yaegi
		// growing its global frame (yaegi's race, reported although the cells are correct).
		t.Skip("yaegi races when a goroutine reads globals during a later evaluation")
	}
	ts := newTestSession(t)
	ts.run(t, "import \"gktest\"\nspins := 0\ngo func() {\n\tfor {\n\t\tspins++\n\t}\n}()")
	if n := ts.Goroutines(); n != 1 {
		t.Fatalf("Goroutines() = %d, want 1", n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Outcome, 1)
	go func() { done <- ts.exec(ctx, "gktest.Started()\nselect {}") }() // ends at the interrupt
	<-ts.hooks.started
	cancel()
	if out := <-done; out.Err == nil || out.Err.Name != NameInterrupted {
		t.Fatalf("got %v, want %s", out.Err, NameInterrupted)
	}
	ts.waitGoroutines(t, 0) // the interrupt stopped the earlier cell's goroutine too
}

func TestResultRendersItself(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code, mime string
	}{
		{"cell type with MIMEBundle", `import "gokernel/display"
type badge struct{ label string }
func (b badge) MIMEBundle() display.Bundle { return display.Bundle{"text/html": "<b>" + b.label + "</b>"} }
badge{"go"}`, "text/html"},
		{"image", `import ("image"; "image/color")
img := image.NewRGBA(image.Rect(0, 0, 4, 3))
img.Set(1, 1, color.RGBA{255, 0, 0, 255})
img`, "image/png"},
		{"timeline", `import "gokernel/timeline"
tl := timeline.New()
tl.Lane("main").Run(func() {})
tl`, "image/svg+xml"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := s.Execute(t.Context(), Cell{Name: fmt.Sprintf("cell[%d]", i+1), Code: tt.code})
			if out.Err != nil {
				t.Fatal(out.Err, out.Err.Traceback)
			}
			if _, ok := out.Result[tt.mime]; !ok {
				t.Errorf("result has %v, want %s", keys(out.Result), tt.mime)
			}
			if _, ok := out.Result["text/plain"].(string); !ok {
				t.Errorf("result has no text/plain: %v", keys(out.Result))
			}
		})
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestCoroutineFromACell(t *testing.T) {
	var out strings.Builder
	s, err := New(Config{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	o := s.Execute(t.Context(), Cell{Name: "cell[1]", Code: `import ("fmt"; "gokernel/coro")
gen := coro.New(func(yield func(any) bool) {
	for i := 1; i <= 3; i++ {
		fmt.Println("generator: about to yield", i)
		if !yield(i * 10) {
			return
		}
	}
})
for {
	v, ok := gen.Next()
	if !ok {
		break
	}
	fmt.Println("caller got", v)
}`})
	if o.Err != nil {
		t.Fatal(o.Err, o.Err.Traceback)
	}
	want := "generator: about to yield 1\ncaller got 10\ngenerator: about to yield 2\ncaller got 20\n" +
		"generator: about to yield 3\ncaller got 30\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestSymbols(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	o := s.Execute(t.Context(), Cell{Name: "cell[1]", Code: `import "sync"
var wg sync.WaitGroup
const limit = 3
type point struct{ X, Y int }
func (p point) Norm() int { return p.X*p.X + p.Y*p.Y }
pt := &point{3, 4}
func double(n int) int { return 2 * n }`})
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	syms, imports := s.Symbols()
	got := map[string]string{}
	for _, sym := range syms {
		got[sym.Name] = sym.Kind + " " + sym.Type
	}
	want := map[string]string{
		"wg": "var sync.WaitGroup", "limit": "const int", "point": "type struct{ X, Y int }",
		"pt": "var *point", "double": "func ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("symbols %v, want %v", got, want)
	}
	if imports["sync"] != "sync" {
		t.Errorf("imports %v", imports)
	}
	for _, sym := range syms {
		if sym.Name == "point" && len(sym.Members) != 3 {
			t.Errorf("point members %+v, want X, Y and Norm", sym.Members)
		}
	}
}

// A long session: cell numbers wrap (line numbers of generated code must stay below 2^30),
// and the names the cell compiler generates from them (_gkS1_2 for cell 1's second statement)
// come round again. The session first uses those names, then crosses the wrap, so that cells
// after it redefine them: results, positions and panic lines must be those of the new cells,
// and what the cells before the wrap defined must stay.
func TestManyCells(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	// A loop runs in a generated function, and a top-level defer registers through one.
	cell := func(i int) string {
		return fmt.Sprintf("v%d := 0\nfor j := 0; j < %d; j++ {\n\tv%d += j\n}\ndefer func() { v%d++ }()\nv%d", i, i, i, i, i)
	}
	want := func(i int) string { return fmt.Sprint(i * (i - 1) / 2) } // the defer runs after the result
	run := func(name, code, want string) {
		t.Helper()
		o := s.Execute(t.Context(), Cell{Name: name, Code: code})
		if o.Err != nil {
			t.Fatalf("%s (sequence number %d): %v\n%s", name, s.seq, o.Err, strings.Join(o.Err.Traceback, "\n"))
		}
		if got := o.Result["text/plain"]; got != want {
			t.Fatalf("%s (sequence number %d) = %v, want %s", name, s.seq, got, want)
		}
	}
	for i := 1; i <= 4; i++ {
		run(fmt.Sprintf("cell[%d]", i), cell(i), want(i))
	}
	run("cell[5]", "func before() int { return 40 }\nbefore()", "40")
	for i := 6; i <= 8; i++ {
		run(fmt.Sprintf("cell[%d]", i), cell(i), want(i))
	}
	s.seq = compile.SeqWrap - 2
	for i := 9; i <= 14; i++ { // sequence numbers SeqWrap-1, SeqWrap, then 1, 2, 3, 4 again
		run(fmt.Sprintf("cell[%d]", i), cell(i), want(i))
	}
	if s.seq != 4 {
		t.Fatalf("sequence number %d after the wrap, want 4", s.seq)
	}
	// Names from before the wrap are kept, and defers of before the wrap don't come back.
	run("cell[15]", "[]int{v1, v4, v9, v11, v14, before() + 2}", "[1 7 37 56 92 42]")
	o := s.Execute(t.Context(), Cell{Name: "cell[late]", Code: "x := 1\ny := nope + x"})
	if o.Err == nil || !strings.HasPrefix(o.Err.Value, "cell[late]:2:6: undefined: nope") {
		t.Fatalf("error %v, want it at cell[late]:2:6", o.Err)
	}
	// Sequence number 7, as cell[7] had: the frame of the loop's generated function is the new
	// cell's (yaegi names it by its first statement).
	o = s.Execute(t.Context(), Cell{Name: "cell[boom]", Code: "for i := 0; i < 1; i++ {\n\tpanic(\"after the wrap\")\n}"})
	if o.Err == nil || o.Err.Value != "after the wrap" || !strings.Contains(strings.Join(o.Err.Traceback, "\n"), "cell[boom]:1:5\n    for i := 0; i < 1; i++ {") {
		t.Fatalf("panic %v, want it in cell[boom]:\n%s", o.Err, strings.Join(o.Err.Traceback, "\n"))
	}
}
