package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"
)

// profileEnv names a folder: when it is set, the kernel and every worker
// write CPU profiles of themselves there, for `go tool pprof` (see
// docs/benchmarks.md). The worker inherits it from the kernel.
const profileEnv = "GOKERNEL_CPUPROFILE"

// profileSegment is how much of a process's life one profile file covers.
// The kernel kills its workers with SIGKILL, which no process can act on:
// a worker's profile is therefore written in segments, and a killed worker
// loses at most its last one. pprof merges the files it is given.
const profileSegment = 500 * time.Millisecond

// startProfile starts writing role's CPU profile into the folder that
// profileEnv names, as role-PID-NNN.pprof files, if it is set. stop writes
// the last segment and ends the goroutine that rotates them.
func startProfile(role string) (stop func(), err error) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	p := &profiler{prefix: filepath.Join(dir, fmt.Sprintf("%s-%d", role, os.Getpid())), quit: make(chan struct{})}
	if err := p.begin(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { defer close(done); p.rotate() }() // ends when stop closes quit
	return sync.OnceFunc(func() {
		close(p.quit)
		<-done
	}), nil
}

// profiler writes one segment of a CPU profile at a time.
type profiler struct {
	prefix string
	quit   chan struct{}
	n      int
	f      *os.File // the segment being written, under a temporary name
}

func (p *profiler) begin() error {
	f, err := os.CreateTemp(filepath.Dir(p.prefix), filepath.Base(p.prefix)+"-*.tmp")
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	p.f = f
	return nil
}

// end finishes the current segment and gives it its final name, so a
// reader never sees half a profile.
func (p *profiler) end() {
	pprof.StopCPUProfile()
	p.f.Close()
	p.n++
	_ = os.Rename(p.f.Name(), fmt.Sprintf("%s-%03d.pprof", p.prefix, p.n))
}

func (p *profiler) rotate() {
	t := time.NewTicker(profileSegment)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			p.end()
			return
		case <-t.C:
			p.end()
			if p.begin() != nil {
				return
			}
		}
	}
}
