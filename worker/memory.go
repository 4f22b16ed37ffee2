package worker

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// The kernel stops a worker whose resident memory passes its limit (see
// package supervisor). Resident memory counts what the Go runtime freed but
// hasn't returned to the system yet: a cell that churns through big buffers
// (600 MiB at a time under a 1 GiB limit) holds little, but the interpreter
// keeps the last buffer reachable while it makes the next, and the old pages
// stay resident while the new ones fill. So the worker gives the runtime a
// soft limit below the kernel's, and before the kernel stops it, the kernel
// asks it to collect and give back what is free (a squeeze request, answered
// once debug.FreeOSMemory is done): only memory the cells really hold is
// stopped.

// softShare of the kernel's limit is the runtime's memory limit: the
// collector works harder as the heap nears it.
const softShare = 0.75

// memoryLimitFromEnv reads the kernel's limit for this worker, and removes
// it from the environment that cells and their children see.
func memoryLimitFromEnv() int64 {
	v, ok := os.LookupEnv(workerproto.MemoryLimitEnv)
	if !ok {
		return 0
	}
	os.Unsetenv(workerproto.MemoryLimitEnv)
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// setMemoryLimit gives the runtime its soft limit under the kernel's.
func setMemoryLimit(limit int64) {
	if limit > 0 {
		debug.SetMemoryLimit(int64(softShare * float64(limit)))
	}
}

// squeeze collects garbage and returns free memory to the system, then
// tells the kernel. It runs on a goroutine of its own: the request reader
// goes on meanwhile.
func (w *runner) squeeze() {
	debug.FreeOSMemory()
	w.events.Write(&workerproto.Message{Kind: workerproto.KindSqueezed})
}

// collectedGap spaces the worker's reports of collections between cells.
const collectedGap = 50 * time.Millisecond

// reportCollections tells the kernel when the collector runs while no cell
// runs (KindCollected). Between cells the kernel reads the worker's memory
// rarely, as an idle worker's memory stays put; goroutines a cell left
// running that allocate make the collector run, and the kernel watches
// closely again from the first report. An idle worker collects once in two
// minutes (the runtime's forced collection), so idle, this costs nothing.
func (w *runner) reportCollections() {
	var last time.Time // only the finalizer goroutine touches it
	var arm func()
	arm = func() {
		// A finalizer runs after the collection that found its object
		// unreachable; the object holds a pointer so that it is not one of
		// the tiny allocations, which share a block and are freed late.
		s := &collectionSentinel{}
		runtime.SetFinalizer(s, func(*collectionSentinel) {
			select {
			case <-w.done: // Run returned: no more reports, and no more sentinels
				return
			default:
			}
			if w.queued.Load() == 0 && time.Since(last) >= collectedGap {
				last = time.Now()
				w.events.Write(&workerproto.Message{Kind: workerproto.KindCollected})
			}
			arm()
		})
	}
	arm()
}

type collectionSentinel struct{ _ *byte }
