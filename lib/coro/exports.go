package coro

import (
	"reflect"

	"github.com/gokernel/gokernel/lib/display"
)

// Exports returns the yaegi symbol table of "gokernel/coro". The sink is
// unused: coroutines show nothing by themselves.
func Exports(display.Sink) map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"gokernel/coro/coro": {
			"New":  reflect.ValueOf(New),
			"Pull": reflect.ValueOf(Pull),

			"Generator": reflect.ValueOf((*Generator)(nil)),
			"Seq":       reflect.ValueOf((*Seq)(nil)),
		},
	}
}
