package jupyter

import (
	"fmt"
	"testing"
)

func TestReplayGuard(t *testing.T) {
	g := newReplayGuard(3)
	if !g.fresh([]byte("a")) || g.fresh([]byte("a")) {
		t.Fatal("a second sight of a signature must be refused")
	}
	for range 2 {
		if !g.fresh(nil) {
			t.Fatal("unsigned messages have no signature to remember")
		}
	}
	for i := range 3 {
		g.fresh(fmt.Appendf(nil, "s%d", i))
	}
	// "a" fell out of the bounded memory.
	if !g.fresh([]byte("a")) {
		t.Error("memory is not bounded")
	}
	if len(g.seen) != 3 {
		t.Errorf("remembers %d signatures, want 3", len(g.seen))
	}
}
