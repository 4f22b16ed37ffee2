package worker

import (
	"reflect"

	"github.com/gokernel/gokernel/interp/lib/display"
	"github.com/gokernel/gokernel/interp/lib/progress"
	"github.com/gokernel/gokernel/interp/lib/timeline"
	"github.com/gokernel/gokernel/interp/proto"
)

// sink sends what notebook code displays to the kernel, as part of the cell
// that is running (or, between cells, of none: the kernel shows it under the
// last cell).
type sink struct{ w *runner }

var _ display.Sink = sink{}

func (s sink) Display(data, metadata map[string]any, displayID string, update bool) {
	s.w.send(&proto.Message{Kind: proto.KindDisplay, ID: s.w.current(),
		Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

func (s sink) Clear(wait bool) {
	s.w.send(&proto.Message{Kind: proto.KindClear, ID: s.w.current(), Wait: wait})
}

// packages are the notebook packages cells can import, bound to this
// worker's sink.
func (w *runner) packages() []map[string]map[string]reflect.Value {
	s := sink{w}
	return []map[string]map[string]reflect.Value{
		display.Exports(s),
		timeline.Exports(s),
		progress.Exports(s),
	}
}
