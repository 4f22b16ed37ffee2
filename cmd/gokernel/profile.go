package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"time"
)

// Profiling on request (see docs/benchmarks.md): each variable names a
// folder where the kernel and every worker (which inherits the variable)
// write files of their own, for `go tool pprof` and `go tool trace`.
const (
	profileEnv = "GOKERNEL_CPUPROFILE" // CPU profiles: role-PID-NNN.pprof
	traceEnv   = "GOKERNEL_TRACE"      // execution traces: role-PID-NNN.trace
)

// profileSegment is how much of a process's life one file covers. The
// kernel kills its workers with SIGKILL, which no process can act on: a
// worker's profile is therefore written in segments, and a killed worker
// loses at most its last one. pprof merges the files it is given; a trace
// is read one segment at a time.
const profileSegment = 500 * time.Millisecond

// recorder is one kind of profile: how to start and stop it, and its files'
// suffix.
type recorder struct {
	env, suffix string
	start       func(io.Writer) error
	stop        func()
}

var recorders = []recorder{
	{profileEnv, ".pprof", pprof.StartCPUProfile, pprof.StopCPUProfile},
	{traceEnv, ".trace", trace.Start, trace.Stop},
}

// startProfile starts every recording that the environment asks for, as
// role's files. stop writes their last segments and ends the goroutines
// that rotate them.
func startProfile(role string) (stop func(), err error) {
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for _, r := range recorders {
		dir := os.Getenv(r.env)
		if dir == "" {
			continue
		}
		s, err := record(r, dir, role)
		if err != nil {
			stopAll()
			return nil, fmt.Errorf("%s: %w", r.env, err)
		}
		stops = append(stops, s)
	}
	return stopAll, nil
}

// record starts r into dir, rotating its file every profileSegment.
func record(r recorder, dir, role string) (stop func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &segments{r: r, prefix: filepath.Join(dir, fmt.Sprintf("%s-%d", role, os.Getpid())), quit: make(chan struct{})}
	if err := s.begin(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { defer close(done); s.rotate() }() // ends when stop closes quit
	return sync.OnceFunc(func() {
		close(s.quit)
		<-done
	}), nil
}

// segments writes one segment of a recording at a time.
type segments struct {
	r      recorder
	prefix string
	quit   chan struct{}
	n      int
	f      *os.File // the segment being written, under a temporary name
}

func (s *segments) begin() error {
	f, err := os.CreateTemp(filepath.Dir(s.prefix), filepath.Base(s.prefix)+"-*.tmp")
	if err != nil {
		return err
	}
	if err := s.r.start(f); err != nil {
		return errors.Join(err, f.Close(), os.Remove(f.Name()))
	}
	s.f = f
	return nil
}

// end finishes the current segment and gives it its final name, so a
// reader never sees half a file.
func (s *segments) end() {
	s.r.stop()
	s.f.Close()
	s.n++
	_ = os.Rename(s.f.Name(), fmt.Sprintf("%s-%03d%s", s.prefix, s.n, s.r.suffix))
}

func (s *segments) rotate() {
	t := time.NewTicker(profileSegment)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			s.end()
			return
		case <-t.C:
			s.end()
			if s.begin() != nil {
				return
			}
		}
	}
}
