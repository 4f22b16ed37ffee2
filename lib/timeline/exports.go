package timeline

import (
	"reflect"

	"github.com/gokernel/gokernel/lib/display"
)

// Exports returns the yaegi symbol table of "gokernel/timeline". A timeline
// draws itself rather than sending output, so the sink is unused: it is there
// so every notebook package's Exports has one signature and the worker can
// register them in one loop.
func Exports(display.Sink) map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"gokernel/timeline/timeline": {
			// Functions.
			"New": reflect.ValueOf(New),

			// Constants.
			"Running":  reflect.ValueOf(Running),
			"Sleeping": reflect.ValueOf(Sleeping),
			"Waiting":  reflect.ValueOf(Waiting),

			// Types.
			"Kind":     reflect.ValueOf((*Kind)(nil)),
			"Lane":     reflect.ValueOf((*Lane)(nil)),
			"Mark":     reflect.ValueOf((*Mark)(nil)),
			"Span":     reflect.ValueOf((*Span)(nil)),
			"Timeline": reflect.ValueOf((*Timeline)(nil)),
		},
	}
}
