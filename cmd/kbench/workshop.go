package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/launch"
	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
	"github.com/gokernel/gokernel/jupyter/client"
)

// workshopDial polls less often than fastDial: forty kernels' worth of
// clients retrying every millisecond would steal the CPU the kernels start
// with.
var workshopDial = client.DialOptions{Retry: 10 * time.Millisecond, Timeout: 2 * time.Minute}

// workshopTimeout bounds a whole workshop start for one kind of kernel.
const workshopTimeout = 3 * time.Minute

// workshopResult is group 7: a class of N starting kernels at once.
type workshopResult struct {
	Kernels int            `json:"kernels"`
	Go      workshopKernel `json:"gokernel"`
	Py      workshopKernel `json:"ipykernel"`
}

type workshopKernel struct {
	AllAnswered stats.Ms   `json:"all_answered_ms"` // first spawn → last kernel's first execute_reply
	PerKernel   []stats.Ms `json:"per_kernel_ms"`   // its own spawn → its first execute_reply
	Median      stats.Ms   `json:"median_ms"`
	TotalRSS    int64      `json:"total_rss_bytes"` // all kernels and their descendants, a second after the last answered
	TotalPSS    int64      `json:"total_pss_bytes"`
	Failed      int        `json:"failed"`
	Errors      []string   `json:"errors,omitempty"`
	ShutdownMs  stats.Ms   `json:"shutdown_ms"` // shutdown_request to every process reaped
	Killed      int        `json:"killed"`      // processes that had to be killed
}

func (b *bench) measureWorkshop(ctx context.Context) (*workshopResult, error) {
	res := &workshopResult{Kernels: b.workshop}
	for _, k := range []kind{b.goK, b.pyK} { // separately: one class, then the other
		w, err := b.workshopOnce(ctx, k, b.workshop)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k.name, err)
		}
		if k.name == goName {
			res.Go = w
		} else {
			res.Py = w
		}
	}
	return res, nil
}

func (b *bench) workshopOnce(parent context.Context, k kind, n int) (workshopKernel, error) {
	var w workshopKernel
	ctx, cancel := context.WithTimeout(parent, workshopTimeout)
	defer cancel()
	conns, files, err := b.launcher.NewConnections(k.name, n)
	if err != nil {
		return w, err
	}
	procs := make([]*launch.Process, 0, n)
	defer func() { // nothing outlives the group, whatever happened
		for _, p := range procs {
			p.Kill()
		}
		for _, p := range procs {
			_ = p.Wait(context.WithoutCancel(ctx), 5*time.Second)
		}
	}()
	first := time.Now()
	for i := range n {
		p, err := b.launcher.Start(k.spec, conns[i], files[i])
		if err != nil {
			return w, err
		}
		procs = append(procs, p)
	}

	sessions := make([]*session, n)
	answered := make([]time.Time, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() { // ends when the kernel answered, failed or ctx ended
			defer wg.Done()
			s, err := b.connect(ctx, k, p, workshopDial)
			if err != nil {
				errs[i] = err
				return
			}
			sessions[i] = s
			r, err := s.client.MustOK(ctx, k.code.trivial, workshopTimeout)
			if err != nil {
				errs[i] = err
				return
			}
			answered[i] = r.Reply.At
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return w, err // interrupted: the deferred kill cleans up
	}

	var per []time.Duration
	last := first
	for i, at := range answered {
		if errs[i] != nil {
			w.Failed++
			if len(w.Errors) < 3 {
				w.Errors = append(w.Errors, errs[i].Error())
			}
			continue
		}
		per = append(per, at.Sub(procs[i].Started))
		if at.After(last) {
			last = at
		}
	}
	w.AllAnswered = stats.Ms(last.Sub(first))
	w.PerKernel = stats.MsList(per)
	w.Median = stats.Ms(stats.Median(per))

	if err := sleepUntil(ctx, last.Add(settle)); err != nil {
		return w, err
	}
	for _, p := range procs {
		if t, err := procfs.ReadTree(p.PID()); err == nil {
			w.TotalRSS += t.Total
			w.TotalPSS += t.PSS
		}
	}

	// Shut all down at once, as the end of a class would.
	stop := time.Now()
	var killed sync.Map
	for i, s := range sessions {
		wg.Add(1)
		go func() { // ends when the kernel has exited (or was killed)
			defer wg.Done()
			if s == nil {
				procs[i].Kill()
				return
			}
			if err := s.shutdown(ctx); err != nil {
				killed.Store(i, true)
			}
		}()
	}
	wg.Wait()
	w.ShutdownMs = stats.Ms(time.Since(stop))
	killed.Range(func(any, any) bool { w.Killed++; return true })
	return w, nil
}
