package eval

import (
	"context"
	"testing"
)

// BenchmarkTrivialCell is the worker's side of kbench's trivial round trip: one `x = 1`
// after another in one session (go test -bench TrivialCell -cpuprofile cpu.out ./eval).
func BenchmarkTrivialCell(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if out := s.Execute(ctx, Cell{Code: "x := 1"}); out.Err != nil {
		b.Fatal(out.Err)
	}
	for b.Loop() {
		if out := s.Execute(ctx, Cell{Code: "x = 1"}); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}
