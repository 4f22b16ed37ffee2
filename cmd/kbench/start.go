package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

// startRuns is how many fresh starts each kernel gets.
const startRuns = 10

// startResult is group 1: from spawning a kernel process to its first
// kernel_info_reply, and to the execute_reply of its first cell.
type startResult struct {
	Go, Py startKernel
}

type startKernel struct {
	KernelInfo       []stats.Ms `json:"kernel_info_ms"`
	FirstExecute     []stats.Ms `json:"first_execute_ms"`
	MedianKernelInfo stats.Ms   `json:"median_kernel_info_ms"`
	MedianExecute    stats.Ms   `json:"median_first_execute_ms"`
}

func (b *bench) measureStart(ctx context.Context) (*startResult, error) {
	var goInfo, goExec, pyInfo, pyExec []time.Duration
	for i := range startRuns {
		for _, k := range []kind{b.goK, b.pyK} { // alternate: A B A B ...
			info, exec, err := b.startOnce(ctx, k)
			if err != nil {
				return nil, fmt.Errorf("start %d: %w", i+1, err)
			}
			if k.name == goName {
				goInfo, goExec = append(goInfo, info), append(goExec, exec)
			} else {
				pyInfo, pyExec = append(pyInfo, info), append(pyExec, exec)
			}
		}
	}
	mk := func(info, exec []time.Duration) startKernel {
		return startKernel{
			KernelInfo: stats.MsList(info), FirstExecute: stats.MsList(exec),
			MedianKernelInfo: stats.Ms(stats.Median(info)), MedianExecute: stats.Ms(stats.Median(exec)),
		}
	}
	return &startResult{Go: mk(goInfo, goExec), Py: mk(pyInfo, pyExec)}, nil
}

// startOnce starts a kernel, runs the trivial cell and shuts it down.
func (b *bench) startOnce(ctx context.Context, k kind) (info, exec time.Duration, err error) {
	s, err := b.start(ctx, k, fastDial)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if serr := s.shutdown(ctx); serr != nil && err == nil {
			err = serr
		}
	}()
	r, err := s.client.MustOK(ctx, k.code.trivial, cellTimeout)
	if err != nil {
		return 0, 0, err
	}
	return s.ready.FirstReply.At.Sub(s.proc.Started), r.Reply.At.Sub(s.proc.Started), nil
}
