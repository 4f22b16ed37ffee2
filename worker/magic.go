package worker

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/workerproto"
)

// The worker runs the magics that act inside the interpreter's process:
//
//	%time        on a cell's first line: run the rest, then print its wall and CPU time
//	%env         list the environment; %env NAME shows one variable; %env NAME=value sets it
//
// The kernel handles %help and %reset and refuses unknown magics before a
// cell gets here.

// runMagic runs a cell with a magic line (workerproto.ParseMagic, as the
// kernel reads it). It reports false when the cell has none.
func runMagic(ctx context.Context, sess *eval.Session, cell eval.Cell, stdout io.Writer) (eval.Outcome, bool) {
	m, ok := workerproto.ParseMagic(cell.Code)
	if !ok {
		return eval.Outcome{}, false
	}
	switch m.Name {
	case "%time":
		// The code after %time, on its line and below, keeps its lines and columns in positions.
		cell.Code = m.Code
		start, cpu := time.Now(), cpuTime()
		out := sess.Execute(ctx, cell)
		wall, used := time.Since(start), cpuTime()-cpu
		fmt.Fprintf(stdout, "wall time: %v, CPU time: %v\n", round(wall), round(used))
		return out, true
	case "%env":
		return eval.Outcome{Err: env(m.Args, stdout)}, true
	}
	return eval.Outcome{}, false
}

func env(args string, stdout io.Writer) *workerproto.Error {
	switch name, value, set := strings.Cut(args, "="); {
	case args == "":
		vars := os.Environ()
		slices.Sort(vars)
		for _, kv := range vars {
			fmt.Fprintln(stdout, kv)
		}
	case set:
		name = strings.TrimSpace(name)
		if err := os.Setenv(name, strings.TrimSpace(value)); err != nil {
			return &workerproto.Error{Name: "UsageError", Value: "%env: " + err.Error()}
		}
		fmt.Fprintf(stdout, "%s=%s\n", name, os.Getenv(name))
	default:
		v, ok := os.LookupEnv(name)
		if !ok {
			return &workerproto.Error{Name: "UsageError", Value: fmt.Sprintf("%%env: %s is not set", name)}
		}
		fmt.Fprintln(stdout, v)
	}
	return nil
}

// cpuTime is the CPU time this process (all its goroutines) and its
// finished children have used.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
