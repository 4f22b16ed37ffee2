package worker

import (
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// windDownEvery is how often the worker tells the kernel how many
// goroutines an interrupt has left to stop.
const windDownEvery = 100 * time.Millisecond

// windDown reports, while goroutines of the cells stop after an interrupt
// of cell id, how many are left: an interrupt wakes every sleeping one, and
// 200,000 take seconds to run down on a loaded machine. The kernel waits for
// as long as they make progress (package supervisor). It returns when none
// is left, when a look finds no progress (those left wait in native code,
// which the kernel judges by itself), or when the worker ends.
func (w *runner) windDown(id uint64, left int) {
	t := time.NewTicker(windDownEvery)
	defer t.Stop()
	for left > 0 {
		select {
		case <-t.C:
		case <-w.done:
			return
		}
		n := w.sess.Goroutines()
		if n >= left {
			return
		}
		left = n
		w.events.Write(&workerproto.Message{Kind: workerproto.KindStopping, ID: id, Goroutines: n})
	}
}
