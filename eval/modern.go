package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/eval/internal/gotypes"
	"github.com/gokernel/gokernel/eval/internal/modern"
	"github.com/gokernel/gokernel/eval/internal/modern/native"
	"github.com/gokernel/gokernel/workerproto"
	yaegi "github.com/traefik/yaegi/interp"
)

// loadModern gives the interpreter the Go 1.23–1.26 standard library it lacks (package modern:
// interpreted sources, and the native helpers they call) and the session its type check, an
// importer over the same symbol tables and sources (package gotypes). tables are the symbol
// tables the interpreter has.
func (s *Session) loadModern(tables []yaegi.Exports) error {
	probes := &native.Registry{} // the session's error types (see compile's registerErrorMethods)
	natives := yaegi.Exports{
		modern.NativePath + "/native": {
			"Pull":              reflect.ValueOf(native.Pull),
			"Unwrap":            reflect.ValueOf(probes.Unwrap),
			"Is":                reflect.ValueOf(probes.Is),
			"As":                reflect.ValueOf(probes.As),
			"RegisterUnwrap":    reflect.ValueOf(probes.RegisterUnwrap),
			"RegisterUnwrapAll": reflect.ValueOf(probes.RegisterUnwrapAll),
			"RegisterIs":        reflect.ValueOf(probes.RegisterIs),
			"RegisterAs":        reflect.ValueOf(probes.RegisterAs),
			"Assign":            reflect.ValueOf(native.Assign),
			"Comparable":        reflect.ValueOf(native.Comparable),
			"Same":              reflect.ValueOf(native.Same),
			"Lock":              reflect.ValueOf(native.Lock),
			"Unlock":            reflect.ValueOf(native.Unlock),
			"RangeError":        reflect.ValueOf(native.RangeError),
			"RunDefers":         reflect.ValueOf(native.RunDefers),
		},
	}
	// The non-generic functions of apiPackages newer than the interpreter's tables (Go 1.22).
	natives["sync/atomic/atomic"] = map[string]reflect.Value{
		"AndInt32": reflect.ValueOf(atomic.AndInt32), "AndInt64": reflect.ValueOf(atomic.AndInt64),
		"AndUint32": reflect.ValueOf(atomic.AndUint32), "AndUint64": reflect.ValueOf(atomic.AndUint64),
		"AndUintptr": reflect.ValueOf(atomic.AndUintptr), "OrInt32": reflect.ValueOf(atomic.OrInt32),
		"OrInt64": reflect.ValueOf(atomic.OrInt64), "OrUint32": reflect.ValueOf(atomic.OrUint32),
		"OrUint64": reflect.ValueOf(atomic.OrUint64), "OrUintptr": reflect.ValueOf(atomic.OrUintptr),
	}
	natives["math/rand/v2/rand"] = map[string]reflect.Value{"Uint": reflect.ValueOf(rand.Uint)}
	// A whole interpreted package the native tables lack gets an empty one, so that cells can
	// import it (the cell compiler sends its names to the interpreted source).
	for _, p := range modern.Packages() {
		if _, ok := s.pkgs[p.Path]; !ok {
			natives[p.Path+"/"+p.Path[strings.LastIndex(p.Path, "/")+1:]] = map[string]reflect.Value{}
			s.pkgs[p.Path] = p.Path[strings.LastIndex(p.Path, "/")+1:]
		}
	}
	if err := s.yi.Use(natives); err != nil {
		return fmt.Errorf("eval: loading symbols: %w", err)
	}
	for _, p := range modern.Packages() {
		// Evaluated, not only compiled: a compiled package's closures are not set up until it runs.
		if _, err := s.yi.EvalWithContext(context.Background(), p.Yaegi()); err != nil {
			return fmt.Errorf("eval: loading the interpreted %s: %w", p.Path, err)
		}
	}
	if _, err := s.yi.EvalWithContext(context.Background(), fmt.Sprintf("import %s %q", compile.NativeName, modern.NativePath)); err != nil {
		return fmt.Errorf("eval: loading symbols: %w", err)
	}
	all := make([]gotypes.Tables, 0, len(tables)+1)
	for _, t := range tables {
		all = append(all, t)
	}
	s.importer = gotypes.New(append(all, natives)...)
	return nil
}

// errorMapTypes lets a cell's error reach fmt.Errorf with its Error method, so that %w wraps it
// (yaegi maps only fmt.Formatter and fmt.Stringer for fmt's functions).
func errorMapTypes(mapTypes map[reflect.Value][]reflect.Type) {
	mapTypes[reflect.ValueOf(fmt.Errorf)] = []reflect.Type{
		reflect.TypeFor[fmt.Formatter](), reflect.TypeFor[error](), reflect.TypeFor[fmt.Stringer](),
	}
}

// typeErrors is the error of a cell the interpreter refused and the type check found wrong:
// go/types' messages, at the cell's lines, and what the interpreter said.
func (s *Session) typeErrors(seq int, list compile.ErrorList, engine *workerproto.Error) *workerproto.Error {
	e := s.compileErrors(seq, list)
	e.Traceback = append(e.Traceback, "(the interpreter said: "+engine.Value+")")
	return e
}
