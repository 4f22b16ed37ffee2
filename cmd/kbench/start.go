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
	Go startKernel `json:"gokernel"`
	Py startKernel `json:"ipykernel"`
}

type startKernel struct {
	Connected        []stats.Ms `json:"connected_ms"` // all five sockets connected: the kernel listens
	KernelInfo       []stats.Ms `json:"kernel_info_ms"`
	FirstExecute     []stats.Ms `json:"first_execute_ms"`
	MedianKernelInfo stats.Ms   `json:"median_kernel_info_ms"`
	MedianExecute    stats.Ms   `json:"median_first_execute_ms"`
	MedianConnected  stats.Ms   `json:"median_connected_ms"`
	MedianHeartbeat  stats.Ms   `json:"median_heartbeat_ms"` // a ping's echo, after the first cell
}

func (b *bench) measureStart(ctx context.Context) (*startResult, error) {
	conn, info, exec, hb := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}
	for i := range startRuns {
		for _, k := range []kind{b.goK, b.pyK} { // alternate: A B A B ...
			t, err := b.startOnce(ctx, k)
			if err != nil {
				return nil, fmt.Errorf("start %d: %w", i+1, err)
			}
			conn[k.name] = append(conn[k.name], t.connected)
			info[k.name] = append(info[k.name], t.kernelInfo)
			exec[k.name] = append(exec[k.name], t.execute)
			hb[k.name] = append(hb[k.name], t.heartbeat)
		}
	}
	mk := func(name string) startKernel {
		return startKernel{
			Connected: stats.MsList(conn[name]), KernelInfo: stats.MsList(info[name]), FirstExecute: stats.MsList(exec[name]),
			MedianConnected:  stats.Ms(stats.Median(conn[name])),
			MedianKernelInfo: stats.Ms(stats.Median(info[name])),
			MedianExecute:    stats.Ms(stats.Median(exec[name])),
			MedianHeartbeat:  stats.Ms(stats.Median(hb[name])),
		}
	}
	return &startResult{Go: mk(goName), Py: mk(pyName)}, nil
}

// startTimes are one start's times from the spawn.
type startTimes struct {
	connected, kernelInfo, execute time.Duration
	heartbeat                      time.Duration
}

// startOnce starts a kernel, runs the trivial cell and shuts it down.
func (b *bench) startOnce(ctx context.Context, k kind) (t startTimes, err error) {
	s, err := b.start(ctx, k, fastDial)
	if err != nil {
		return t, err
	}
	defer func() {
		if serr := s.shutdown(ctx); serr != nil && err == nil {
			err = serr
		}
	}()
	r, err := s.client.MustOK(ctx, k.code.trivial, cellTimeout)
	if err != nil {
		return t, err
	}
	t = startTimes{
		connected:  s.client.Connected.Sub(s.proc.Started),
		kernelInfo: s.ready.FirstReply.At.Sub(s.proc.Started),
		execute:    r.Reply.At.Sub(s.proc.Started),
	}
	if t.heartbeat, err = s.client.Ping(5 * time.Second); err != nil {
		return t, fmt.Errorf("%s: %w", k.name, err)
	}
	return t, nil
}
