package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// After an interrupt, interpreted code stops at its next step, but native
// code it called runs on to its end: new(big.Int).MulRange(1, 8000000), a
// sort of millions, a regexp on a huge input. The cell then ends as
// interrupted while its worker keeps a core busy for seconds, slowing every
// cell after it. So after an interrupted cell ends, the supervisor watches
// the worker's CPU time until it goes quiet; if it is still busy when the
// grace runs out, the worker is replaced, and the cell says why.
const (
	// quickWindow is the first look at the worker, and quickShare the
	// share of it under which the worker has plainly stopped: most
	// interrupted cells end here, a few milliseconds after their done.
	quickWindow = 10 * time.Millisecond
	quickShare  = 0.2
	// settleWindow is how long each later look lasts, and quietShare the
	// share of it under which a worker counts as idle: above the garbage
	// collector's bursts, below a native call that runs on. Long enough that
	// a busy call's pauses (for the collector, a page fault) don't pass for
	// its end.
	settleWindow = 50 * time.Millisecond
	quietShare   = 0.5
	// sampleEvery is how often a look reads the worker's threads.
	sampleEvery = 2 * time.Millisecond
)

// settle waits, after an interrupted cell x ended, until its worker goes
// quiet; it reports false when the worker was still busy when the grace ran
// out, or died meanwhile. A cell that wasn't interrupted, or never started,
// settles at once.
//
// Busy is measured by the threads' run state, sampled: one running or ready
// to run. CPU time would mislead both ways: a machine loaded by others gives
// a busy worker little of it, and the kernel's counters of a thread that runs
// on without a scheduler tick lag behind.
func (s *Supervisor) settle(x *execution) bool {
	s.mu.Lock()
	deadline := x.deadline
	s.mu.Unlock()
	if deadline.IsZero() {
		return true
	}
	window, share := quickWindow, quickShare
	for {
		busy, ok := busyShare(x.w.pid, window, x.w.done)
		if !ok {
			select {
			case <-x.w.done:
				return false // it died: that is the cell's error
			default:
				return true // nothing to read: don't take the worker for busy
			}
		}
		if busy < share {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		window, share = settleWindow, quietShare
	}
}

// busyShare samples, for d, whether a thread of process pid is running or
// ready to run, and returns the share of samples in which one was. ok is
// false when the process can't be read, or stop was closed.
func busyShare(pid int, d time.Duration, stop <-chan struct{}) (share float64, ok bool) {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	end := time.Now().Add(d)
	samples, busy := 0, 0
	for {
		r, ok := runnable(pid)
		if !ok {
			return 0, false
		}
		samples++
		if r {
			busy++
		}
		if time.Now().After(end) {
			return float64(busy) / float64(samples), true
		}
		select {
		case <-t.C:
		case <-stop:
			return 0, false
		}
	}
}

// runnable reports whether a thread of process pid is running or ready to
// run (state R in /proc/PID/task/TID/stat).
func runnable(pid int) (bool, bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false, false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + t.Name() + "/stat")
		if err != nil {
			continue // the thread is gone
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'R' {
			return true, true
		}
	}
	return false, true
}

// stillBusy is the error of a cell whose worker was replaced because native
// code went on running after the interrupt.
func (s *Supervisor) stillBusy(x *execution) string {
	return fmt.Sprintf("The cell was interrupted, but code outside the interpreter that it called "+
		"(a Go library function such as math/big's, which an interrupt can't stop) kept running "+
		"for %v after it, so the interpreter was replaced.", s.graceOf(x))
}
