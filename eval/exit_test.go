package eval

import (
	"testing"
)

// the goroutines of the cells stop as at a program's end.
func TestExitZeroStopsGoroutines(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"gktest\"; \"os\")\nkept := 7")
	ts.run(t, "go func() {\n\tfor {\n\t\tgktest.Started()\n\t}\n}()")
	<-ts.hooks.started
	if out := ts.exec(t.Context(), "os.Exit(0)"); out.Err != nil {
		t.Fatalf("os.Exit(0): %v, want success", out.Err)
	}
	ts.waitGoroutines(t, 0)
	if v, _ := ts.Preview("kept"); v != "7" {
		t.Errorf("after the exit Preview(kept) = %q, want 7: the goroutine os.Exit parked must not count", v)
	}
}
