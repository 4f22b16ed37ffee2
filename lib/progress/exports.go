package progress

import (
	"reflect"

	"github.com/gokernel/gokernel/lib/display"
)

// Exports returns the yaegi symbol table of "gokernel/progress", with the
// notebook functions bound to sink.
func Exports(sink display.Sink) map[string]map[string]reflect.Value {
	p := bars{sink: sink}
	return map[string]map[string]reflect.Value{
		"gokernel/progress/progress": {
			// Functions, bound to sink.
			"Each":  reflect.ValueOf(p.Each),
			"New":   reflect.ValueOf(p.New),
			"Range": reflect.ValueOf(p.Range),

			// Types.
			"Bar": reflect.ValueOf((*Bar)(nil)),
		},
	}
}
