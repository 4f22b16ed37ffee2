package coro

import (
	"reflect"
	"testing"

	"github.com/gokernel/gokernel/lib/internal/symtest"
)

func count(n int, log *[]string) Seq {
	return func(yield func(any) bool) {
		for i := range n {
			*log = append(*log, "gen")
			if !yield(i) {
				*log = append(*log, "stopped")
				return
			}
		}
	}
}

func TestGeneratorTakesTurns(t *testing.T) {
	var log []string
	g := New(count(3, &log))
	if len(log) != 0 {
		t.Fatalf("the generator ran before the first Next: %v", log)
	}
	for want := range 3 {
		log = append(log, "caller")
		v, ok := g.Next()
		if !ok || v != want {
			t.Fatalf("Next() = %v, %v; want %d, true", v, ok, want)
		}
	}
	if v, ok := g.Next(); ok || !g.Done() {
		t.Fatalf("Next() after the end = %v, %v", v, ok)
	}
	// Strict alternation: one side runs at a time.
	want := []string{"caller", "gen", "caller", "gen", "caller", "gen"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("turns %v, want %v", log, want)
	}
	if g.Yielded() != 3 {
		t.Errorf("Yielded() = %d", g.Yielded())
	}
}

func TestStopEndsThePendingYield(t *testing.T) {
	var log []string
	g := New(count(10, &log))
	if got := g.Take(2); !reflect.DeepEqual(got, []any{0, 1}) {
		t.Fatalf("Take(2) = %v", got)
	}
	g.Stop()
	if log[len(log)-1] != "stopped" {
		t.Errorf("the generator did not see yield return false: %v", log)
	}
	if _, ok := g.Next(); ok {
		t.Error("Next after Stop succeeded")
	}
	g.Stop() // twice is fine
}

func TestPull(t *testing.T) {
	var log []string
	next, stop := Pull(count(2, &log))
	defer stop()
	a, _ := next()
	b, _ := next()
	_, ok := next()
	if a != 0 || b != 1 || ok {
		t.Errorf("got %v %v %v", a, b, ok)
	}
}

func TestExports(t *testing.T) {
	syms := Exports(nil)["gokernel/coro/coro"]
	symtest.Check(t, ".", syms, "", "Exports")
}
