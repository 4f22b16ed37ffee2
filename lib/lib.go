// Package lib lists the notebook packages: native Go that cells import by a
// short path such as "gokernel/timeline".
package lib

import (
	"reflect"

	"github.com/gokernel/gokernel/lib/coro"
	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/progress"
	"github.com/gokernel/gokernel/lib/timeline"
)

// Package is one notebook package.
type Package struct {
	Dir     string // under lib/; the import path is "gokernel/" + Dir
	Exports func(display.Sink) map[string]map[string]reflect.Value
}

// Packages returns every notebook package. Display comes first: the others
// refer to its types.
func Packages() []Package {
	return []Package{
		{"display", display.Exports},
		{"coro", coro.Exports},
		{"progress", progress.Exports},
		{"timeline", timeline.Exports},
	}
}
