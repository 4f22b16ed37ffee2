package eval

import (
	"testing"
)

// cell's line, and the session goes on.
func TestCallbackPanicAfterCell(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"gktest\"; \"time\")\nkept := 7")
	ts.run(t, "time.AfterFunc(time.Millisecond, func() {\n\tgktest.Block()\n\tpanic(\"late timer\")\n})")
	ts.hooks.Release()
	ts.stderr.waitFor(t, "panic in a func that time.AfterFunc called after its cell ended: late timer")
	ts.stderr.waitFor(t, "in a func literal, at cell[2]:2:2") // yaegi names a frame by its first statement
	if got := ts.run(t, "kept"); got != "7" {
		t.Errorf("kept = %s after the timer's panic, want 7", got)
	}
}
