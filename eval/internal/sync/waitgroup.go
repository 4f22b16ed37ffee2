// Package sync is the sync.WaitGroup the cells get: the standard library's, whose Go method
// runs its func under a guard, so that a panic there is reported to the cells' session like a
// go statement's instead of ending the process. The package is named sync so that %T still
// prints sync.WaitGroup.
package sync

import (
	stdsync "sync"

	"github.com/gokernel/gokernel/eval/internal/guard"
)

// WaitGroup is sync.WaitGroup with a guarded Go.
type WaitGroup struct {
	stdsync.WaitGroup
}

// Go calls f on a new goroutine and adds that task to the WaitGroup, as sync.WaitGroup.Go
// does. A panic in f, while the cell that called Go runs, is that cell's error, which stops the
// cell; then, as in Go, the task is never done, and a Wait for it does not return (the cell's
// statements are stopped anyway). A panic reported once that cell has ended, naming it, or while
// it was already stopping, lets a later Wait go on.
func (wg *WaitGroup) Go(f func()) {
	o := guard.Start()
	wg.Add(1)
	go func() { // ends when f returns, panics or calls runtime.Goexit
		stopped := false
		defer func() {
			if !stopped {
				wg.Done()
			}
		}()
		_, stopped = o.Call("a func that sync.WaitGroup.Go ran", f)
	}()
}
