package timeline

import (
	"reflect"

	"github.com/gokernel/gokernel/lib/display"
)

// timelines holds the functions notebook code calls, bound to one session.
// Its exported methods are the package-level functions of
// "gokernel/timeline" as notebook code sees them.
type timelines struct {
	sink display.Sink
}

// New returns a timeline whose clock starts now. When the session is
// interrupted, a Send or Recv on its channels that is waiting returns.
func (b timelines) New() *Timeline {
	tl := New()
	if in, ok := b.sink.(display.Interrupter); ok {
		tl.interrupted = in.Interrupted
	}
	return tl
}

// Exports returns the yaegi symbol table of "gokernel/timeline", with New
// bound to the session behind sink: its interrupts end a Chan operation
// that waits (when sink is a [display.Interrupter]).
func Exports(sink display.Sink) map[string]map[string]reflect.Value {
	b := timelines{sink: sink}
	return map[string]map[string]reflect.Value{
		"gokernel/timeline/timeline": {
			// Functions.
			"Compare": reflect.ValueOf(Compare),
			"New":     reflect.ValueOf(b.New),

			// Constants.
			"Running":  reflect.ValueOf(Running),
			"Sleeping": reflect.ValueOf(Sleeping),
			"Waiting":  reflect.ValueOf(Waiting),

			// Types.
			"Chan":       reflect.ValueOf((*Chan)(nil)),
			"Comparison": reflect.ValueOf((*Comparison)(nil)),
			"Kind":       reflect.ValueOf((*Kind)(nil)),
			"Lane":       reflect.ValueOf((*Lane)(nil)),
			"Mark":       reflect.ValueOf((*Mark)(nil)),
			"Message":    reflect.ValueOf((*Message)(nil)),
			"Span":       reflect.ValueOf((*Span)(nil)),
			"Timeline":   reflect.ValueOf((*Timeline)(nil)),
		},
	}
}
