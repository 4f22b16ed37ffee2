package worker

import (
	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/workerproto"
)

// sink sends what notebook code displays to the kernel, as part of the cell
// that is running (or, between cells, of none: the kernel shows it under the
// last cell).
type sink struct{ w *runner }

var _ display.Sink = sink{}

func (s sink) Display(data, metadata map[string]any, displayID string, update bool) {
	s.w.send(&workerproto.Message{Kind: workerproto.KindDisplay, ID: s.w.current(),
		Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

func (s sink) Clear(wait bool) {
	s.w.send(&workerproto.Message{Kind: workerproto.KindClear, ID: s.w.current(), Wait: wait})
}
