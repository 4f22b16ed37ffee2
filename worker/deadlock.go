package worker

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"strings"
)

// waitingStates are goroutine states in which nothing but another goroutine
// can wake a goroutine up.
var waitingStates = []string{
	"chan receive", "chan send", "select", "sync.Mutex.Lock", "sync.RWMutex.Lock",
	"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",
}

// maxDeadlockScan bounds the goroutines deadlocked reads the stacks of: a
// dump of all stacks stops the process for about 70µs per goroutine (14 s for
// 200,000 sleeping ones), and an interrupt must not wait for it.
const maxDeadlockScan = 10_000

// deadlocked reports whether every goroutine running interpreted code is
// waiting on a channel, a select or a lock, and none is asleep on a timer:
// what Go calls "all goroutines are asleep - deadlock!", which a process
// that also serves the kernel can never detect by itself. It runs on the
// goroutine that reads requests, while the cell's goroutines go on.
func deadlocked() bool {
	if othersRunning() || runtime.NumGoroutine() > maxDeadlockScan {
		return false // something runs: no deadlock; or too many stacks to read now
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	cells := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		text := string(g)
		if !strings.Contains(text, "github.com/traefik/yaegi/interp.") {
			continue // the worker's own goroutines
		}
		cells++
		header, _, _ := strings.Cut(text, "\n")
		waiting := false
		for _, s := range waitingStates {
			if strings.Contains(header, "["+s) {
				waiting = true
			}
		}
		// The session's time.Sleep waits in a select, but a timer will wake it.
		if !waiting || strings.Contains(text, "(*Session).sleep") || strings.Contains(text, "time.Sleep") {
			return false
		}
	}
	return cells > 0
}

// othersRunning reports whether a goroutine besides the caller is running
// or ready to run, from the scheduler's counts (cheap: no stacks are read).
func othersRunning() bool {
	s := []metrics.Sample{{Name: "/sched/goroutines/running:goroutines"}, {Name: "/sched/goroutines/runnable:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return false // the runtime doesn't say: read the stacks
	}
	return s[0].Value.Uint64() > 1 || s[1].Value.Uint64() > 0
}
