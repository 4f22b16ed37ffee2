package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/launch"
)

// errUsage marks a wrong command line.
var errUsage = errors.New("usage")

// Main is the command: flags in, report out.
type Main struct {
	stdout, stderr io.Writer
}

// NewMain returns the command writing its report to stdout and its progress
// to stderr.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{stdout: stdout, stderr: stderr}
}

// groups are the measurement groups, in the order they run.
var groups = []string{"floor", "start", "roundtrip", "output", "interrupt", "crash", "restart", "fib", "compiled", "workshop"}

// bench holds what every measurement needs.
type bench struct {
	log      *slog.Logger
	launcher *launch.Launcher
	goK, pyK kind
	workshop int  // kernels started at once
	cells    int  // measured trivial cells in the round trip group
	plain    bool // the client dials zmq4's own tcp, not the kernel's transport
}

// Run parses args and runs the benchmark or the soak test.
func (m *Main) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("kbench", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	out := fs.String("out", "", "write the results as JSON into this folder")
	gokernel := fs.String("gokernel", "bin/gokernel", "the gokernel binary to install and measure")
	python := fs.String("python", "/usr/bin/python3", "the Python that has ipykernel")
	only := fs.String("only", "", "comma-separated groups to run (default all): "+strings.Join(groups, ","))
	workshop := fs.Int("workshop", 40, "kernels started at once in the workshop group")
	cells := fs.Int("cells", rttRuns, "measured trivial cells in the roundtrip group (after 50 to warm up)")
	plain := fs.Bool("plain", false, "the client uses zmq4's own tcp (frame by frame) instead of the kernel's transport")
	soak := fs.Bool("soak", false, "soak test: many cells in a row against one gokernel")
	n := fs.Int("n", 10000, "cells in the soak test")
	profile := fs.String("profile", "", "gokernel and its workers write CPU profiles into this folder (GOKERNEL_CPUPROFILE)")
	traces := fs.String("trace", "", "gokernel and its workers write execution traces into this folder (GOKERNEL_TRACE)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	run := groups
	if *only != "" {
		run = strings.Split(*only, ",")
		for _, g := range run {
			if !slices.Contains(groups, g) {
				fmt.Fprintf(m.stderr, "kbench: unknown group %q (groups: %s)\n", g, strings.Join(groups, ","))
				return errUsage
			}
		}
	}

	log := slog.New(slog.NewTextHandler(m.stderr, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	}))
	tmp, err := os.MkdirTemp("", "kbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	launcher := launch.NewLauncher(tmp)
	defer func() {
		if n := launcher.Live(); n > 0 {
			log.Warn("killing kernels still running", "count", n)
		}
		launcher.Close(10 * time.Second)
	}()

	goK, pyK, err := installKernels(ctx, tmp, *gokernel, *python)
	if err != nil {
		return err
	}
	if *traces != "" {
		if err := recordInto(&goK, "GOKERNEL_TRACE", *traces); err != nil {
			return err
		}
		defer fmt.Fprintf(m.stderr, "kbench: execution traces in %s; read one with\n  go tool trace %s/kernel-PID-NNN.trace\n", *traces, *traces)
	}
	if *profile != "" {
		if err := recordInto(&goK, "GOKERNEL_CPUPROFILE", *profile); err != nil {
			return err
		}
		defer fmt.Fprintf(m.stderr, "kbench: CPU profiles in %s; read them with\n"+
			"  go tool pprof -top %s %s/kernel-*.pprof\n  go tool pprof -top %s %s/worker-*.pprof\n",
			*profile, *gokernel, *profile, *gokernel, *profile)
	}
	b := &bench{log: log, launcher: launcher, goK: goK, pyK: pyK, workshop: *workshop, cells: max(*cells, 1), plain: *plain}

	if *soak {
		res, err := b.soak(ctx, *n)
		if err != nil {
			return err
		}
		res.Machine = readMachine(ctx, *gokernel, *python)
		res.print(m.stdout)
		return m.writeJSON(*out, "soak", res)
	}

	began := time.Now()
	rep := &report{Machine: readMachine(ctx, *gokernel, *python), Began: began, Errors: map[string]string{}, Client: clientKind(*plain)}
	for _, g := range run {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Info("measuring", "group", g)
		t := time.Now()
		if err := b.measure(ctx, g, rep); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Error("group failed", "group", g, "err", err)
			rep.Errors[g] = err.Error()
		}
		log.Info("done", "group", g, "took", time.Since(t).Round(time.Millisecond))
		if n := launcher.Live(); n > 0 {
			log.Warn("kernels left running after a group", "group", g, "count", n)
			rep.Leaked += n
		}
	}
	rep.Elapsed = time.Since(began).Round(time.Millisecond).String()
	rep.Rows = rep.table()
	printTable(m.stdout, rep)
	if err := m.writeJSON(*out, "bench", rep); err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d group(s) failed: %s", len(rep.Errors), strings.Join(mapsKeys(rep.Errors), ", "))
	}
	return nil
}

// clientKind names how kbench's client connects to the kernels.
func clientKind(plain bool) string {
	if plain {
		return clientPlain
	}
	return clientBuffered
}

// recordInto has every gokernel that k starts, and its workers, write
// profiles into dir: env is the variable that asks them to.
func recordInto(k *kind, env, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	vars := maps.Clone(k.spec.Env)
	if vars == nil {
		vars = map[string]string{}
	}
	vars[env] = abs
	k.spec.Env = vars
	return nil
}

// measure runs one group and stores its results in rep.
func (b *bench) measure(ctx context.Context, group string, rep *report) error {
	var err error
	switch group {
	case "floor":
		rep.Floor, err = b.measureFloor(ctx)
	case "start":
		rep.Start, err = b.measureStart(ctx)
	case "roundtrip":
		rep.RoundTrip, err = b.measureRoundTrip(ctx)
	case "output":
		rep.Output, err = b.measureOutput(ctx)
	case "interrupt":
		rep.Interrupt, err = b.measureInterrupt(ctx)
	case "crash":
		rep.Crash, err = b.measureCrash(ctx)
	case "restart":
		rep.Restart, err = b.measureRestart(ctx)
	case "fib":
		rep.Fib, err = b.measureFib(ctx)
	case "compiled":
		rep.Compiled, err = b.measureCompiled(ctx)
	case "workshop":
		rep.Workshop, err = b.measureWorkshop(ctx)
	}
	return err
}

// writeJSON writes v to dir/<what>-<timestamp>.json; an empty dir writes
// nothing.
func (m *Main) writeJSON(dir, what string, v any) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", what, time.Now().Format("20060102-150405")))
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(m.stderr, "kbench: wrote", path)
	return nil
}

func mapsKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
