package eval

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// newPanicSession is a test session with a package "gkpanic" besides gktest: Panic blocks until
// the test releases gktest's Block, then panics in native code (once the call began, no stop of
// the interpreter can keep it from panicking); Entered waits until n calls of Panic have begun;
// Until waits until the session's stderr holds a text.
func newPanicSession(t *testing.T) *testSession {
	t.Helper()
	ts := &testSession{hooks: newHooks(), stdout: newWatchBuffer(), stderr: newWatchBuffer()}
	entered := make(chan struct{}, 16)
	gkpanic := map[string]map[string]reflect.Value{
		"gkpanic/gkpanic": {
			"Panic": reflect.ValueOf(func(v string) {
				entered <- struct{}{}
				<-ts.hooks.release
				panic(v)
			}),
			"Entered": reflect.ValueOf(func(n int) {
				for range n {
					<-entered
				}
			}),
			"Until": reflect.ValueOf(func(text string) bool {
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(ts.stderr.String(), text) {
					if time.Now().After(deadline) {
						return false
					}
					time.Sleep(time.Millisecond)
				}
				return true
			}),
		},
	}
	s, err := New(Config{Stdout: ts.stdout, Stderr: ts.stderr, Packages: []map[string]map[string]reflect.Value{ts.hooks.exports(), gkpanic}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Session = s
	t.Cleanup(ts.hooks.Release)
	return ts
}

// wantPanic checks that out is the error of a panic with value, whose traceback holds each of
// wants, and returns the traceback.
func wantPanic(t *testing.T, out Outcome, value string, wants ...string) string {
	t.Helper()
	if out.Err == nil || out.Err.Name != NamePanic || out.Err.Value != value {
		t.Fatalf("got %v, want panic: %s", out.Err, value)
	}
	tb := strings.Join(out.Err.Traceback, "\n")
	for _, want := range wants {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
	return tb
}

// Two goroutines of a cell panic at once: the first stops the cell as its error, the second
// is reported, not dropped.
func TestTwoGoroutinePanicsAtOnce(t *testing.T) {
	ts := newPanicSession(t)
	ts.run(t, "import (\"gkpanic\"; \"gktest\"; \"time\")")
	out := ts.exec(t.Context(), "go gkpanic.Panic(\"one\")\ngo gkpanic.Panic(\"one\")\ngkpanic.Entered(2)\ngktest.Release()\ntime.Sleep(time.Hour)")
	tb := wantPanic(t, out, "one")
	// The two go statements are on lines 1 and 2: the other one is reported, as the cell stops
	// or once it has.
	other := "cell[2]:2:1"
	if strings.Contains(tb, "in a goroutine started at cell[2]:2:1") {
		other = "cell[2]:1:1"
	}
	ts.stderr.waitFor(t, "panic in a goroutine started at "+other+", ")
	ts.stderr.waitFor(t, ": one\n")
	report := ts.stderr.String()
	if strings.Count(report, "panic in a goroutine") != 1 ||
		!strings.Contains(report, ", as cell[2] stopped for an earlier panic: one\n") && !strings.Contains(report, ", after cell[2] ended: one\n") {
		t.Errorf("stderr = %q, want one report of the goroutine started at %s", report, other)
	}
}

// A goroutine's panic that stops its cell stops the goroutines of earlier cells too, as an
// interrupt does, and the cell's error says so.
func TestGoroutinePanicStopsEarlierGoroutines(t *testing.T) {
	ts := newPanicSession(t)
	ts.run(t, "import (\"gkpanic\"; \"gktest\"; \"time\")")
	ts.run(t, "go func() {\n\tn := 0\n\tfor {\n\t\tn++\n\t}\n}()")
	// One statement, so that the panic comes while the interpreter runs it: between two
	// statements there is nothing to stop, and the earlier goroutines go on.
	out := ts.exec(t.Context(), "go gkpanic.Panic(\"boom\")\nfunc() {\n\tgktest.Release()\n\ttime.Sleep(time.Hour)\n}()")
	wantPanic(t, out, "boom")
	want := "Stopping the cell stopped the goroutines earlier cells left running too (1), as an interrupt does."
	if tb := out.Err.Traceback; tb[len(tb)-1] != want {
		t.Errorf("traceback ends %q, want %q", tb[len(tb)-1], want)
	}
	ts.waitGoroutines(t, 0) // it was: the earlier cell's loop ended
}

// A goroutine started by a goroutine while no cell runs belongs to no cell.
func TestGoroutineStartedBetweenCells(t *testing.T) {
	ts := newPanicSession(t)
	ts.run(t, "import \"gktest\"")
	ts.run(t, "go func() {\n\tgktest.Block()\n\tgo func() { panic(\"nested\") }()\n}()")
	ts.hooks.Release()
	ts.stderr.waitFor(t, "panic in a goroutine started at cell[2]:3:2, while no cell ran: nested\n")
	ts.stderr.waitFor(t, "No cell was running: the session goes on, with its names.\n")
}

// Code of the cells that no cell waits for: a go statement, and the funcs that natives run on
// goroutines of their own. Each case's cell (cell[2]) runs call(body); frame is yaegi's name for
// that func in the traceback (the position of its first statement).
var lateCases = []struct{ name, cell, what, frame, after string }{
	{"go statement", "go func() {\n\t%s\n}()", "a goroutine started at cell[2]:1:1", "cell[2]:2:2", "kept"},
	{"sync.WaitGroup.Go", "var wg sync.WaitGroup\nwg.Go(func() {\n\t%s\n})", "a func that sync.WaitGroup.Go ran", "cell[2]:3:2",
		"wg.Wait()\nkept"}, // the task is done: its panic did not stop its cell
	{"time.AfterFunc", "time.AfterFunc(time.Millisecond, func() {\n\t%s\n})", "a func that time.AfterFunc called", "cell[2]:2:2", "kept"},
	{"context.AfterFunc", "ctx, cancel := context.WithCancel(context.Background())\ncontext.AfterFunc(ctx, func() {\n\t%s\n})\ncancel()",
		"a func that context.AfterFunc called", "cell[2]:3:2", "kept"},
}

const lateImports = "import (\"context\"; \"gkpanic\"; \"gktest\"; \"sync\"; \"time\")\nkept := 7"

// A panic of such code after its cell ended, while the next cell runs: the running cell is not
// stopped and the report, under it, names the cell that started the code and says so.
func TestLatePanicDuringALaterCell(t *testing.T) {
	for _, tt := range lateCases {
		t.Run(tt.name, func(t *testing.T) {
			ts := newPanicSession(t)
			ts.run(t, lateImports)
			ts.run(t, fmt.Sprintf(tt.cell, "gkpanic.Panic(\"late\")"))
			got := ts.run(t, "gktest.Release()\nreported := gkpanic.Until(\"goes on.\\n\")\nkept * 6")
			if got != "42" {
				t.Errorf("the cell running during the panic gave %q, want 42", got)
			}
			want := "panic in " + tt.what + ", after cell[2] ended: late\n\nin a func literal, at " + tt.frame + "\n" +
				"    gkpanic.Panic(\"late\")\ncell[3], running now, was not stopped by it and goes on.\n"
			if err := ts.stderr.String(); !strings.Contains(err, want) {
				t.Errorf("stderr = %q, want it to hold %q", err, want)
			}
			if got := ts.run(t, "reported"); got != "true" {
				t.Errorf("reported = %s: the report came after the cell", got)
			}
			if got := ts.run(t, tt.after); got != "7" {
				t.Errorf("%q = %s after the panic, want 7", tt.after, got)
			}
		})
	}
}

// A panic of such code while no cell runs: a report that names the cell that started it, and
// says that no cell ran; the session goes on.
func TestLatePanicBetweenCells(t *testing.T) {
	for _, tt := range lateCases {
		t.Run(tt.name, func(t *testing.T) {
			ts := newPanicSession(t)
			ts.run(t, lateImports)
			ts.run(t, fmt.Sprintf(tt.cell, "gktest.Block()\n\tpanic(\"late\")"))
			ts.hooks.Release()
			ts.stderr.waitFor(t, "panic in "+tt.what+", after cell[2] ended: late\n\nin a func literal, at "+tt.frame+"\n"+
				"    gktest.Block()\nNo cell was running: the session goes on, with its names.\n")
			if got := ts.run(t, tt.after); got != "7" {
				t.Errorf("%q = %s after the panic, want 7", tt.after, got)
			}
		})
	}
}
