package eval

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// An interrupted chunk that native code still holds, and that calls os.Exit once released,
// exits on a goroutine of its own: the later cell that is running then is not stopped.
func TestExitOfAnInterruptedChunkLeavesTheNextCell(t *testing.T) {
	if raceEnabled {
		// The released chunk takes a step in yaegi beside the next cell before it exits: the
		// race inside yaegi that settle.go can't prevent. make test runs eval without -race too.
		t.Skip("a native call that returns after its cell was stopped: yaegi's own data race")
	}
	rel := make(chan struct{})
	ts := &testSession{hooks: newHooks(), stdout: newWatchBuffer(), stderr: newWatchBuffer()}
	s, err := New(Config{Stdout: ts.stdout, Stderr: ts.stderr, Packages: []map[string]map[string]reflect.Value{ts.hooks.exports(), {
		"later/later": {
			// Call waits in native code, then calls f: like a library calling back later.
			"Call":    reflect.ValueOf(func(f func(int)) { ts.hooks.Started(); <-rel; f(0) }),
			"Release": reflect.ValueOf(func() { close(rel) }),
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Session = s
	ts.run(t, "import (\"fmt\"; \"later\"; \"os\"; \"time\")")
	if out, _ := ts.interrupt(t, "later.Call(os.Exit)"); out.Err == nil || out.Err.Name != NameInterrupted {
		t.Fatalf("the waiting cell: %v, want it interrupted", out.Err)
	}
	out := ts.exec(t.Context(), "func() { later.Release(); time.Sleep(300 * time.Millisecond) }()\nfmt.Println(\"the cell's end\")")
	if out.Err != nil {
		t.Fatalf("the next cell: %v, want it to run to its end", out.Err)
	}
	if !strings.Contains(ts.stdout.String(), "the cell's end") {
		t.Errorf("the next cell stopped early: stdout %q", ts.stdout.String())
	}
}

// os.Exit(0) parks its chunk's goroutine for good: the next cells neither wait for it nor keep
// looking at it.
func TestExitZeroLeavesNothingToSettle(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"os\"")
	for i := range 5 {
		if out := ts.exec(t.Context(), "os.Exit(0)"); out.Err != nil {
			t.Fatalf("os.Exit(0), run %d: %v", i, out.Err)
		}
		ts.mu.Lock()
		left := len(ts.left)
		ts.mu.Unlock()
		if left != 0 {
			t.Fatalf("after os.Exit(0) run %d, %d stopped evaluations are kept to settle, want 0", i, left)
		}
	}
	start := time.Now()
	ts.run(t, "1")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a cell after the exits took %v", d)
	}
}
