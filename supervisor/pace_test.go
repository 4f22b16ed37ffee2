package supervisor

import (
	"testing"
	"time"
)

func TestMemoryPace(t *testing.T) {
	p := memoryPace{interval: memoryPoll}
	// A cell runs: every memoryPoll, even with memory steady.
	for range 5 {
		if d := p.next(100<<20, true, true); d != memoryPoll {
			t.Fatalf("with a cell running: next read in %v, want %v", d, memoryPoll)
		}
	}
	// No cell, memory steady: longer and longer, up to idlePoll.
	var waits []time.Duration
	for range 10 {
		waits = append(waits, p.next(100<<20, true, false))
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] {
			t.Fatalf("idle waits %v shrink", waits)
		}
	}
	if waits[0] != 2*memoryPoll || waits[len(waits)-1] != idlePoll {
		t.Fatalf("idle waits %v, want from %v up to %v", waits, 2*memoryPoll, idlePoll)
	}
	// Memory grows with no cell (a goroutine a cell left): full rate at once.
	if d := p.next(100<<20+growth, true, false); d != memoryPoll {
		t.Fatalf("memory grew: next read in %v, want %v", d, memoryPoll)
	}
	// Memory unreadable: full rate (the next read decides).
	p.next(200<<20, true, false)
	if d := p.next(0, false, false); d != memoryPoll {
		t.Fatalf("unreadable: next read in %v, want %v", d, memoryPoll)
	}
}

func TestMemoryPaceBusy(t *testing.T) {
	p := memoryPace{interval: memoryPoll}
	if p.busy() {
		t.Error("busy at the full rate changed the wait: cells in a row would put the read off")
	}
	p.next(1<<20, true, false)
	p.next(1<<20, true, false)
	if !p.busy() || p.interval != memoryPoll {
		t.Errorf("busy while idle: interval %v, want %v and a new wait", p.interval, memoryPoll)
	}
}
