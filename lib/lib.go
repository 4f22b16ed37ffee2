// Package lib lists the notebook packages: native Go that cells import by a
// short path such as "gokernel/timeline".
package lib

import (
	"embed"
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

// Sources are the notebook packages' Go files, test files included (skip them), for the
// programs the kernel builds from compiled cells: there the packages are gokernel/display and
// so on, built with the tag gokernel_compiled, which binds their functions to the kernel's
// display pipe.
//
//go:embed display/*.go progress/*.go timeline/*.go coro/*.go internal/picture/*.go
var Sources embed.FS
