// Package displaytest provides a [display.Sink] that records what it is
// sent, for tests of code that displays.
package displaytest

import (
	"sync"

	"github.com/gokernel/gokernel/lib/display"
)

var _ display.Sink = (*Recorder)(nil)

// Call is one call to a [Recorder]: a Display, or a Clear when Clear is true.
type Call struct {
	Data      map[string]any
	Metadata  map[string]any
	DisplayID string
	Update    bool

	Clear bool
	Wait  bool
}

// Recorder is a [display.Sink] that records every call. It is safe for
// concurrent use; the zero value is ready.
type Recorder struct {
	mu    sync.Mutex
	calls []Call
}

// Display records a display call.
func (r *Recorder) Display(data map[string]any, metadata map[string]any, displayID string, update bool) {
	r.add(Call{Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

// Clear records a clear call.
func (r *Recorder) Clear(wait bool) { r.add(Call{Clear: true, Wait: wait}) }

// Calls returns the calls so far, in order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Last returns the last call, or the zero Call if there was none.
func (r *Recorder) Last() Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return Call{}
	}
	return r.calls[len(r.calls)-1]
}

func (r *Recorder) add(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}
