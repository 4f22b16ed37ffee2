package worker

import (
	"bytes"
	"runtime"
	"strings"
)

// waitingStates are goroutine states in which nothing but another goroutine
// can wake a goroutine up.
var waitingStates = []string{
	"chan receive", "chan send", "select", "sync.Mutex.Lock", "sync.RWMutex.Lock",
	"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",
}

// deadlocked reports whether every goroutine running interpreted code is
// waiting on a channel, a select or a lock, and none is asleep on a timer:
// what Go calls "all goroutines are asleep - deadlock!", which a process
// that also serves the kernel can never detect by itself.
func deadlocked() bool {
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
