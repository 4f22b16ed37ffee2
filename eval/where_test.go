package eval

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunningSaysWhereTheCellIs(t *testing.T) {
	for _, code := range []string{
		"for {}",
		"import \"fmt\"\nfmt.Sprint(1)\nfor {}",
		"x := 1\n_ = x\nfor i := 0; ; i++ {}",
	} {
		// A session each: an interrupted loop steps on for a moment, and yaegi races with the
		// next cell then (see TestInterruptStopsGoroutines).
		s, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := s.Running(); ok {
			t.Error("Running says a cell runs before any did")
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); s.Execute(ctx, Cell{Name: "cell[7]", Code: code}) }() // ends at cancel
		var cell, text string
		var line int
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if cell, line, text, _ = s.Running(); strings.HasPrefix(text, "for") {
				break
			}
		}
		cancel()
		<-done
		lines := strings.Split(code, "\n")
		if last := lines[len(lines)-1]; cell != "cell[7]" || line != len(lines) || text != last {
			t.Errorf("%q: Running = %q, %d, %q; want cell[7], %d, %q", code, cell, line, text, len(lines), last)
		}
	}
}

func TestAFaultInNativeCodeIsThePanicOfTheCell(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	out := s.Execute(t.Context(), Cell{Name: "cell[1]", Code: `import "syscall"
b, _ := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
syscall.Munmap(b)
b[0]`})
	if out.Err == nil || out.Err.Name != NamePanic || !strings.Contains(strings.Join(out.Err.Traceback, "\n"), "cell[1]:4:") {
		t.Fatalf("error %+v, want a panic at cell[1]:4", out.Err)
	}
	if out := s.Execute(t.Context(), Cell{Name: "cell[2]", Code: "1 + 1"}); out.Err != nil {
		t.Fatalf("next cell: %v", out.Err)
	}
}
