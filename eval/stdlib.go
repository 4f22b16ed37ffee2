package eval

import (
	"image"

	"errors"
	"fmt"
	"github.com/gokernel/gokernel/lib"
	"github.com/gokernel/gokernel/lib/display"
	"io/fs"
	"path"
	"reflect"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
)

// discardSink is the display sink of a session that has no front end.
type discardSink struct{}

func (discardSink) Display(map[string]any, map[string]any, string, bool) {}
func (discardSink) Clear(bool)                                           {}

var errExec = errors.New("syscall.Exec is not available in a notebook: it would replace the interpreter")

// loadSymbols gives the interpreter the packages cells can import: the standard library,
// os/exec and syscall, the runtime helpers, and extra tables from the Config. Order matters:
// unrestricted first, so that the standard table's os.Exit and log.Fatal (which panic instead of
// ending the process) win; then the session's own overrides.
func (s *Session) loadSymbols(extra []map[string]map[string]reflect.Value) error {
	// The notebook packages (gokernel/display, coro, progress, timeline) are bound to the session's
	// display sink and interrupts; the result path relies on display's Renderer wrapper being there.
	tables := []yaegi.Exports{unrestricted.Symbols, syscall.Symbols, stdlib.Symbols}
	for _, p := range lib.Packages() {
		tables = append(tables, p.Exports(sessionSink{s.sink, s}))
	}
	tables = append(tables, s.runtimeSymbols())
	for _, t := range extra {
		tables = append(tables, t)
	}
	for _, t := range tables {
		if err := s.yi.Use(t); err != nil {
			return fmt.Errorf("eval: loading symbols: %w", err)
		}
		for key := range t {
			if dir, name := path.Split(key); dir != "" {
				s.pkgs[strings.TrimSuffix(dir, "/")] = name
			}
		}
	}
	overrides, mapTypes := s.overrides()
	if err := s.yi.Use(overrides); err != nil {
		return fmt.Errorf("eval: loading symbols: %w", err)
	}
	if err := s.yi.Use(s.callbackSymbols()); err != nil {
		return fmt.Errorf("eval: loading symbols: %w", err)
	}
	// A cell value passed to these functions reaches native code as an interface wrapper when its
	// type has the methods, so that Show prints with a cell's String or Error method.
	// Renderer comes first: a value that can show itself as a picture is shown so.
	mapTypes[s.showFunc] = []reflect.Type{
		reflect.TypeFor[display.Renderer](), reflect.TypeFor[image.Image](),
		reflect.TypeFor[error](), reflect.TypeFor[fmt.Stringer](),
	}
	errorMapTypes(mapTypes)
	if err := s.yi.Use(yaegi.Exports{".": {"MapTypes": reflect.ValueOf(mapTypes)}}); err != nil {
		return fmt.Errorf("eval: loading symbols: %w", err)
	}
	return s.loadModern(append(tables, overrides))
}

// overrides replaces symbols whose standard behavior does not suit a notebook.
func (s *Session) overrides() (yaegi.Exports, map[reflect.Value][]reflect.Type) {
	// The interpreter's own logger (yaegi binds log's functions to one writing to the session's
	// stderr): log.Fatal prints with it, then ends the cell like os.Exit(1).
	output := func(int, string) error { return nil }
	if out, ok := s.yi.Symbols("log")["log"]["Output"]; ok {
		if f, ok := out.Interface().(func(int, string) error); ok {
			output = f
		}
	}
	fatal := reflect.ValueOf(func(v ...any) { output(2, fmt.Sprint(v...)); s.exit(1) })
	fatalf := reflect.ValueOf(func(format string, v ...any) { output(2, fmt.Sprintf(format, v...)); s.exit(1) })
	fatalln := reflect.ValueOf(func(v ...any) { output(2, fmt.Sprintln(v...)); s.exit(1) })
	printTypes := []reflect.Type{reflect.TypeFor[fmt.Formatter](), reflect.TypeFor[fmt.Stringer]()}

	exports := yaegi.Exports{
		"os/os": {
			// What yaegi's SpecialStdio option does (it is an environment variable in v0.16.1):
			// os.Stdin, os.Stdout and os.Stderr are the session's reader and writers.
			"Stdin":  reflect.ValueOf(&s.osStdin).Elem(),
			"Stdout": reflect.ValueOf(&s.osStdout).Elem(),
			"Stderr": reflect.ValueOf(&s.osStderr).Elem(),
			"Exit":   reflect.ValueOf(s.exit),
		},
		"syscall/syscall": {
			"Exec": reflect.ValueOf(func(string, []string, []string) error { return errExec }),
			"Exit": reflect.ValueOf(s.exit),
		},
		"time/time": {
			"Sleep": reflect.ValueOf(s.sleep),
		},
		"log/log": {
			"Fatal":   fatal,
			"Fatalf":  fatalf,
			"Fatalln": fatalln,
		},
	}
	return exports, map[reflect.Value][]reflect.Type{fatal: printTypes, fatalf: printTypes, fatalln: printTypes}
}

// emptyFS is the interpreter's source file system: cells import only native packages, and
// nothing is read from disk.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
