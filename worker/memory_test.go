package worker

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// Between cells the kernel reads the worker's memory rarely; a collection
// with no cell running brings it back to reading closely.
func TestCollectionBetweenCellsIsReported(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // Run sets the process's soft limit
	h := startWith(t, 4<<30)
	if got := h.result("1 + 1"); got != "2" {
		t.Fatalf("1 + 1 = %q", got)
	}
	deadline := time.After(60 * time.Second)
	for {
		runtime.GC() // as a goroutine a cell left allocating makes the collector run
		select {
		case m, ok := <-h.events:
			if !ok {
				t.Fatal("the worker ended")
			}
			if m.Kind == workerproto.KindCollected {
				return
			}
			t.Fatalf("event %+v between cells, want %s", m, workerproto.KindCollected)
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s event in 60s of collections between cells", workerproto.KindCollected)
		}
	}
}

// Without a memory limit nobody watches the worker's memory: no reports.
func TestNoCollectionReportsWithoutALimit(t *testing.T) {
	h := start(t)
	for range 3 {
		runtime.GC()
	}
	time.Sleep(200 * time.Millisecond) // finalizers run on their own goroutine
	events, done := h.exec("1 + 1")
	if done.Error != nil {
		t.Fatal(done.Error)
	}
	for _, m := range events {
		if m.Kind == workerproto.KindCollected {
			t.Fatalf("a worker without a memory limit reported a collection: %+v", m)
		}
	}
}
