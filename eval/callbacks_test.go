package eval

import (
	"strings"
	"testing"
)

// A func of time.AfterFunc or context.AfterFunc that panics after its cell ended is reported,
// naming that cell and its line, and the session goes on.
func TestCallbackPanicAfterCell(t *testing.T) {
	tests := []struct{ name, cell, report, frame string }{
		{"time.AfterFunc", "time.AfterFunc(time.Millisecond, func() {\n\tgktest.Block()\n\tpanic(\"late timer\")\n})",
			"panic in a func that time.AfterFunc called, after cell[2] ended: late timer\n",
			"in a func literal, at cell[2]:2:2"}, // yaegi names a frame by its first statement
		{"context.AfterFunc", "ctx, cancel := context.WithCancel(context.Background())\ncontext.AfterFunc(ctx, func() {\n\tgktest.Block()\n\tpanic(\"late context\")\n})\ncancel()",
			"panic in a func that context.AfterFunc called, after cell[2] ended: late context\n",
			"in a func literal, at cell[2]:3:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.run(t, "import (\"context\"; \"gktest\"; \"time\")\nkept := 7")
			ts.run(t, tt.cell)
			ts.hooks.Release()
			ts.stderr.waitFor(t, tt.report)
			ts.stderr.waitFor(t, tt.frame)
			ts.stderr.waitFor(t, "No cell was running: the session goes on, with its names.\n")
			if got := ts.run(t, "kept"); got != "7" {
				t.Errorf("kept = %s after the panic, want 7", got)
			}
		})
	}
}

// A timer's func that panics while a later cell runs names the cell that set the timer, and
// the running cell goes on.
func TestCallbackPanicDuringALaterCell(t *testing.T) {
	ts := newPanicSession(t)
	ts.run(t, "import (\"gkpanic\"; \"gktest\"; \"time\")\nkept := 7")
	ts.run(t, "time.AfterFunc(time.Millisecond, func() {\n\tgkpanic.Panic(\"late timer\")\n})")
	if got := ts.run(t, "gktest.Release()\ngkpanic.Until(\"goes on.\\n\")\nkept * 6"); got != "42" {
		t.Errorf("the cell running during the panic gave %q, want 42", got)
	}
	want := "panic in a func that time.AfterFunc called, after cell[2] ended: late timer\n\nin a func literal, at cell[2]:2:2\n" +
		"    gkpanic.Panic(\"late timer\")\ncell[3], running now, was not stopped by it and goes on.\n"
	if err := ts.stderr.String(); !strings.Contains(err, want) {
		t.Errorf("stderr = %q, want it to hold %q", err, want)
	}
}
