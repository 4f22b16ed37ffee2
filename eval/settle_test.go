package eval

import (
	"context"
	"strings"
	"testing"
	"time"
)

// interrupt runs code, which calls gktest.Started (or Spin, or Park), interrupts it there, and
// returns its outcome and how long it took to end after the interrupt.
func (ts *testSession) interrupt(t *testing.T, code string) (Outcome, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Outcome, 1)
	go func() { done <- ts.exec(ctx, code) }() // ends at the interrupt
	<-ts.hooks.started
	cancel()
	start := time.Now()
	select {
	case out := <-done:
		if out.Err == nil || out.Err.Name != NameInterrupted {
			t.Fatalf("got error %v, want %s", out.Err, NameInterrupted)
		}
		return out, time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatal("the cell did not end within 10s of the interrupt")
	}
	panic("unreachable")
}

// The next cell never runs beside the interrupted one: native code the cell called returns
// before the interrupted cell ends, and the cell's code takes no step after that.
func TestInterruptedCellEndsAfterItsNativeCall(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"gktest\"\nsteps := 0")
	ts.interrupt(t, "gktest.Spin(300)\nsteps++")
	if ts.hooks.spinning.Load() {
		t.Fatal("the interrupted cell ended while the native call it made still ran")
	}
	if got := ts.run(t, "steps"); got != "0" {
		t.Errorf("steps = %s after the interrupt, want 0", got)
	}
}

// Native code that waits (Park, until the test releases it) does not hold the cell; when it
// returns, later, the next cell waits until its goroutine has left the interpreter.
func TestInterruptedNativeWaitReturnsBetweenCells(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"gktest\"\nsteps := 0")
	if _, took := ts.interrupt(t, "gktest.Park()\nsteps++"); took > time.Second {
		t.Errorf("the cell waiting in native code ended %v after the interrupt, want within 1s", took)
	}
	ts.hooks.Release()
	for i := range 20 {
		if got := ts.run(t, "steps += 0\nsteps"); got != "0" {
			t.Fatalf("cell %d after the release: steps = %s, want 0", i, got)
		}
	}
}

// Native code that runs on past the grace holds the next cell, which says what runs.
func TestInterruptedNativeWorkThatRunsOnHoldsTheNextCell(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"gktest\"\nkept := 41")
	if _, took := ts.interrupt(t, "gktest.Spin(4000)"); !ts.hooks.spinning.Load() {
		t.Fatalf("the interrupted cell ended %v after the interrupt, when the native call had ended: want it to end after the grace", took)
	}
	out := ts.exec(t.Context(), "kept + 1")
	if out.Err == nil || !strings.Contains(out.Err.Value, "still running") || !strings.Contains(out.Err.Value, "(*hooks).Spin") {
		t.Fatalf("next cell while the native call runs: %v, want an error naming it", out.Err)
	}
	for ts.hooks.spinning.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	if got := ts.run(t, "kept + 1"); got != "42" {
		t.Errorf("after the native call: kept + 1 = %s", got)
	}
}
