// Package compiled runs a notebook cell as a Go program built with the machine's Go toolchain
// (the %%compile magic): for the race detector, and for Go's own speed.
//
// A compiled cell shares code with the session, not state: its program is the cell (a whole
// program, or the body of main) and the declarations of earlier cells it uses (types, funcs,
// methods, consts and imports, as the session has their source), but not their variables,
// whose values live in the interpreter. Line directives make the compiler, panics and the race
// detector name the cells' own lines.
//
// A program is built in a module of its own under the user's cache folder, with the notebook
// packages (gokernel/display, progress, timeline, coro) beside it, and kept there by a hash of
// everything the build reads: an unchanged cell runs again without a build. It runs as a child
// of the worker in its own process group, its output on the cell's, its displays on a pipe of
// their own (see [display.Event]), its stdin fed by the kernel's input requests.
package compiled

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/workerproto"
)

// Cell is a compiled cell.
type Cell struct {
	Name string // as positions show it: "cell[5]"
	Code string // the cell with its magic line blank, so that its lines keep their numbers
}

// Options are the magic line's flags.
type Options struct {
	Race bool     // build with the race detector
	Args []string // the program's arguments, after its name
}

// Host is what a compiled cell's program reads and writes: the worker's.
type Host struct {
	Stdout io.Writer // the program's stdout; an *os.File is handed to it as it is
	Stderr io.Writer // the program's stderr, after the race reports and traces are rewritten
	// Stdin, if not nil, asks the user for a line of input; the program's stdin gets one each
	// time the program waits for one. With nil, its stdin is empty.
	Stdin   func(ctx context.Context) (string, error)
	Display display.Sink        // the program's displays, and the build's status line; nil drops them
	Getenv  func(string) string // the environment's settings; nil means os.Getenv
}

// Outcome is what running a compiled cell produced.
type Outcome struct {
	Result         map[string]any // the value of the final expression, as a MIME bundle
	ResultMetadata map[string]any
	Err            *workerproto.Error
}

// Run builds (or finds built) the program of a cell and runs it. Cancelling ctx interrupts the
// build or the program.
func Run(ctx context.Context, cell Cell, opts Options, session eval.Declarations, host Host) Outcome {
	if host.Getenv == nil {
		host.Getenv = os.Getenv
	}
	if host.Display == nil {
		host.Display = discard{}
	}
	prog, errs := assemble(cell, session, true)
	if len(errs) > 0 {
		return Outcome{Err: errorOf(errs, prog.sources)}
	}
	dir, err := cacheDir(host.Getenv)
	if err != nil {
		return failed(NameBuild, err.Error())
	}
	tc, err := findToolchain(ctx, dir, host.Getenv)
	if err == nil && opts.Race {
		err = tc.checkRace()
	}
	if err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return failed(NameToolchain, err.Error())
	}

	st := &status{sink: host.Display, what: cell.Name + " with " + tc.version}
	if opts.Race {
		st.what += " -race"
	}
	// A final expression that is a call without results can't be shown: the program without it
	// is built, and a marker beside the binaries remembers that for the next run.
	shown, err := programKey(tc, prog, opts.Race)
	if err != nil {
		return failed(NameBuild, err.Error())
	}
	noValueMark := filepath.Join(dir, "bin", shown+".novalue")
	if _, err := os.Stat(noValueMark); err == nil && prog.result != nil {
		prog, _ = assemble(cell, session, false)
	}
	bin, err := obtain(ctx, tc, dir, prog, opts, st)
	var bf *buildFailure
	if errors.As(err, &bf) {
		errs, other := buildErrors(bf.out, prog)
		if len(errs) > 0 && noValue(errs[0], prog.result) {
			os.WriteFile(noValueMark, nil, 0o644)
			if prog, errs = assemble(cell, session, false); len(errs) == 0 {
				bin, err = obtain(ctx, tc, dir, prog, opts, st)
			}
		}
		if errors.As(err, &bf) {
			errs, other = buildErrors(bf.out, prog)
		}
		if err != nil && len(errs)+len(other) > 0 {
			st.done(err, false)
			e := errorOf(errs, prog.sources)
			if len(errs) == 0 {
				e = &workerproto.Error{Name: NameBuild, Value: other[0], Traceback: other}
			} else {
				e.Traceback = append(e.Traceback, other...)
			}
			return Outcome{Err: e}
		}
	}
	st.done(err, ctx.Err() != nil)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return failed(NameBuild, err.Error())
	}
	r, err := execute(ctx, bin, opts.Args, host, prog)
	if err != nil {
		return failed(NameBuild, err.Error())
	}
	return r.outcome()
}

// obtain returns the binary of prog: from the cache, or built, with a status line that says how
// the build goes.
func obtain(ctx context.Context, tc *toolchain, dir string, prog *program, opts Options, st *status) (string, error) {
	files, err := moduleFiles(prog)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin", cacheKey(tc, opts.Race, files))
	if _, err := os.Stat(bin); err == nil {
		now := time.Now()
		os.Chtimes(bin, now, now) // recently used: trim keeps it
		return bin, nil
	}
	st.begin()
	return bin, build(ctx, tc, dir, bin, opts.Race, files, st.compiling)
}

// programKey is the name of prog's binary in the cache.
func programKey(tc *toolchain, prog *program, race bool) (string, error) {
	files, err := moduleFiles(prog)
	if err != nil {
		return "", err
	}
	return cacheKey(tc, race, files), nil
}

func failed(name, msg string) Outcome {
	return Outcome{Err: &workerproto.Error{Name: name, Value: msg, Traceback: []string{name + ": " + msg}}}
}

func interrupted() Outcome {
	return Outcome{Err: &workerproto.Error{Name: NameInterrupted, Value: "the cell was interrupted",
		Traceback: []string{"Interrupted: the cell was interrupted while its program was being built"}}}
}

// status is the status line of a cell's builds: one display, updated in place, shown when a
// build starts.
type status struct {
	sink  display.Sink
	what  string // the cell and the toolchain
	h     *display.Handle
	start time.Time
	last  time.Time
	n     int
}

// statusEvery is the least time between two updates of a status line.
const statusEvery = 250 * time.Millisecond

// begin shows the line, once.
func (s *status) begin() {
	if s.h != nil {
		return
	}
	s.h = display.NewHandle(s.sink)
	s.start, s.last = time.Now(), time.Now()
	s.h.Text("compiling " + s.what + " …")
}

// compiling notes that go build compiled a package.
func (s *status) compiling(pkg string) {
	s.n++
	if time.Since(s.last) < statusEvery {
		return
	}
	s.last = time.Now()
	s.h.Text(fmt.Sprintf("compiling %s … %.1f s, %s so far (%s)", s.what, time.Since(s.start).Seconds(), plural(s.n, "package"), pkg))
}

// done says how the builds ended, if there was one.
func (s *status) done(err error, interrupted bool) {
	if s.h == nil {
		return
	}
	took := fmt.Sprintf("%.1f s", time.Since(s.start).Seconds())
	switch {
	case interrupted:
		s.h.Text("compiling " + s.what + ": interrupted after " + took)
	case err != nil:
		s.h.Text("compiling " + s.what + ": failed after " + took)
	default:
		s.h.Text("compiled " + s.what + " in " + took + "; it runs again without a build while the cell and its declarations stay the same")
	}
}

// discard is a sink that drops what it is given.
type discard struct{}

func (discard) Display(map[string]any, map[string]any, string, bool) {}
func (discard) Clear(bool)                                           {}
