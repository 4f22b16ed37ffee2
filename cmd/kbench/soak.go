package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
	"github.com/gokernel/gokernel/jupyter/client"
)

const (
	soakWarmup   = 100
	soakDeadline = 170 * time.Second // the soak stops early rather than run past three minutes
	soakEvery    = 1000              // cells between two samples
)

// soakResult is the soak test: many cells in a row against one gokernel,
// watching its memory and threads from outside.
type soakResult struct {
	Machine    machine      `json:"machine"`
	Cells      int          `json:"cells_asked"`
	Done       int          `json:"cells_done"`
	Errors     int          `json:"error_replies"`
	FirstError string       `json:"first_error,omitempty"`
	FirstErrAt int          `json:"first_error_at_cell,omitempty"` // counting every cell the kernel ran, from 1
	Elapsed    stats.Ms     `json:"elapsed_ms"`
	Stopped    string       `json:"stopped_early,omitempty"`
	Samples    []soakSample `json:"samples"` // the first after the warm-up, the last at the end
}

type soakSample struct {
	Cells         int   `json:"cells"`
	KernelRSS     int64 `json:"kernel_rss_bytes"`
	TotalRSS      int64 `json:"kernel_and_worker_rss_bytes"`
	KernelThreads int   `json:"kernel_threads"`
	// KernelGoroutines and KernelHeap are the kernel's own account, from the
	// "gokernel" field of its kernel_info_reply.
	KernelGoroutines int   `json:"kernel_goroutines"`
	KernelHeap       int64 `json:"kernel_heap"`
	WorkerThreads    int   `json:"worker_threads"` // summed over the kernel's descendants
}

// soakCell is cell i of the mix: a definition, a print, three goroutines
// joined by a WaitGroup, a plain expression.
func soakCell(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf("var v%d = %d", i, i)
	case 1:
		return fmt.Sprintf("fmt.Println(%d)", i)
	case 2:
		return "for j := 0; j < 3; j++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done() }()\n}\nwg.Wait()"
	default:
		return fmt.Sprintf("%d * 2", i)
	}
}

func (b *bench) soak(ctx context.Context, n int) (*soakResult, error) {
	s, err := b.start(ctx, b.goK, fastDial)
	if err != nil {
		return nil, err
	}
	defer s.shutdown(context.WithoutCancel(ctx))
	for _, c := range []string{`import ("fmt"; "sync")`, "var wg sync.WaitGroup"} {
		if _, err := s.client.MustOK(ctx, c, cellTimeout); err != nil {
			return nil, err
		}
	}
	res := &soakResult{Cells: n}
	setup := 2 // the cells above
	run := func(i int) error {
		r, err := s.client.Execute(ctx, soakCell(i), cellTimeout)
		if err != nil {
			return err
		}
		if r.Status() != "ok" {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = fmt.Sprintf("cell %q: %s", soakCell(i), r.Error())
				res.FirstErrAt = setup + i + 1
			}
		}
		return nil
	}
	for i := range soakWarmup {
		if err := run(i); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	sample := func(cells int) error {
		t, err := procfs.ReadTree(s.proc.PID())
		if err != nil {
			return err
		}
		sm := soakSample{Cells: cells, KernelRSS: t.Root.RSS, TotalRSS: t.Total, KernelThreads: t.Root.Threads}
		if g, h, err := kernelStats(ctx, s.client); err == nil {
			sm.KernelGoroutines, sm.KernelHeap = g, h
		}
		for _, pid := range procfs.Descendants(s.proc.PID()) {
			if st, err := procfs.ReadStatus(pid); err == nil {
				sm.WorkerThreads += st.Threads
			}
		}
		res.Samples = append(res.Samples, sm)
		b.log.Info("soak", "cells", cells, "kernel_rss", mib(sm.KernelRSS), "total_rss", mib(sm.TotalRSS),
			"kernel_threads", sm.KernelThreads, "worker_threads", sm.WorkerThreads,
			"kernel_goroutines", sm.KernelGoroutines, "kernel_heap", mib(sm.KernelHeap))
		return nil
	}
	if err := sample(0); err != nil {
		return nil, err
	}
	began := time.Now()
	deadline := began.Add(soakDeadline)
	for i := range n {
		if time.Now().After(deadline) {
			res.Stopped = fmt.Sprintf("stopped after %d cells at the %v deadline", i, soakDeadline)
			break
		}
		if err := run(soakWarmup + i); err != nil {
			return nil, fmt.Errorf("cell %d: %w", i+1, err)
		}
		res.Done = i + 1
		if res.Done%soakEvery == 0 && res.Done != n {
			if err := sample(res.Done); err != nil {
				return nil, err
			}
		}
	}
	res.Elapsed = stats.Ms(time.Since(began))
	if err := sample(res.Done); err != nil {
		return nil, err
	}
	return res, nil
}

func (r *soakResult) print(w io.Writer) {
	first, last := r.Samples[0], r.Samples[len(r.Samples)-1]
	secs := r.Elapsed.D().Seconds()
	fmt.Fprintf(w, "\nsoak: %d cells in %.1f s (%.0f cells/s) against one gokernel, %d error replies\n",
		r.Done, secs, float64(r.Done)/secs, r.Errors)
	if r.Stopped != "" {
		fmt.Fprintln(w, r.Stopped)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error, at the kernel's cell %d: %s\n", r.FirstErrAt, r.FirstError)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tstart (after %d warm-up cells)\tend (after %d more)\tgrowth\t\n", soakWarmup, last.Cells)
	line := func(name string, a, b int64, f func(int64) string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\t\n", name, f(a), f(b), f(b-a), pct(growth(a, b)))
	}
	n := func(x int64) string { return fmt.Sprint(x) }
	line("kernel RSS", first.KernelRSS, last.KernelRSS, mib)
	line("kernel + worker RSS", first.TotalRSS, last.TotalRSS, mib)
	line("kernel threads", int64(first.KernelThreads), int64(last.KernelThreads), n)
	line("kernel goroutines", int64(first.KernelGoroutines), int64(last.KernelGoroutines), n)
	line("kernel Go heap", first.KernelHeap, last.KernelHeap, mib)
	line("worker threads", int64(first.WorkerThreads), int64(last.WorkerThreads), n)
	tw.Flush()
}

// kernelStats reads the kernel's goroutine count and heap from the "gokernel"
// field of a kernel_info_reply.
func kernelStats(ctx context.Context, c *client.Client) (goroutines int, heap int64, err error) {
	id, _, err := c.Send(client.Shell, "kernel_info_request", map[string]any{})
	if err != nil {
		return 0, 0, err
	}
	r, err := c.Reply(ctx, client.Shell, id, 5*time.Second)
	if err != nil {
		return 0, 0, err
	}
	var content struct {
		Stats struct {
			Goroutines int   `json:"goroutines"`
			Heap       int64 `json:"heap_bytes"`
		} `json:"gokernel"`
	}
	if err := json.Unmarshal(r.Msg.Content, &content); err != nil {
		return 0, 0, err
	}
	return content.Stats.Goroutines, content.Stats.Heap, nil
}
