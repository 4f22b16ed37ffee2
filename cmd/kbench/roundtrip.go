package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

// Round trips: warm-up cells first, then measured ones (-cells).
const (
	rttWarmup = 50
	rttRuns   = 1000
)

// settle is how long a kernel is left idle before its memory is read.
const settle = time.Second

// roundTripResult is groups 2 and 4: the trivial cell's round trip, and the
// memory of the same kernels idle after start and after all those cells.
type roundTripResult struct {
	Go roundTripKernel `json:"gokernel"`
	Py roundTripKernel `json:"ipykernel"`
}

type roundTripKernel struct {
	Reply stats.Summary `json:"send_to_execute_reply"`
	Idle  stats.Summary `json:"send_to_iopub_idle"`

	Split split `json:"p50_split"`

	// CPUPerCell is the CPU time the kernel and its children used per
	// measured cell: what the round trip costs besides waiting.
	CPUPerCell       stats.Ms `json:"cpu_per_cell_ms"`
	KernelCPUPerCell stats.Ms `json:"kernel_process_cpu_per_cell_ms"`

	IdleRSS      memory `json:"idle_after_start"`
	AfterRSS     memory `json:"after_cells"`
	CellsBetween int    `json:"cells_between"`
}

// split divides the median round trip where the kernel's iopub messages
// say: before busy (transport, decoding), busy to reply (the work), reply to
// idle.
type split struct {
	ToBusy      stats.Ms `json:"send_to_busy_ms"`
	BusyToReply stats.Ms `json:"busy_to_reply_ms"`
	ReplyToIdle stats.Ms `json:"reply_to_idle_ms"`
}

// memory is a kernel's resident memory.
type memory struct {
	Kernel    int64 `json:"kernel_bytes"` // the kernel process alone
	Total     int64 `json:"total_bytes"`  // with all its descendants (gokernel's worker)
	PSS       int64 `json:"total_pss_bytes"`
	Processes int   `json:"processes"`
	Threads   int   `json:"kernel_threads"`
}

func memoryOf(t procfs.Tree) memory {
	return memory{Kernel: t.Root.RSS, Total: t.Total, PSS: t.PSS, Processes: t.Processes, Threads: t.Root.Threads}
}

func (b *bench) measureRoundTrip(ctx context.Context) (*roundTripResult, error) {
	sessions, stop, err := b.startEach(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	res := &roundTripResult{}
	out := map[string]*roundTripKernel{goName: &res.Go, pyName: &res.Py}

	// Idle memory: a second after the first reply.
	for _, s := range sessions {
		if err := sleepUntil(ctx, s.ready.FirstReply.At.Add(settle)); err != nil {
			return nil, err
		}
		t, err := s.memory()
		if err != nil {
			return nil, err
		}
		out[s.kind.name].IdleRSS = memoryOf(t)
	}

	reply := map[string][]time.Duration{}
	idle := map[string][]time.Duration{}
	toBusy := map[string][]time.Duration{}
	busyToReply := map[string][]time.Duration{}
	replyToIdle := map[string][]time.Duration{}
	cpu := map[string]time.Duration{}
	kcpu := map[string]time.Duration{}
	runs := b.cells
	for i := range rttWarmup + runs {
		if i == rttWarmup {
			for _, s := range sessions {
				c, err := procfs.TreeCPU(s.proc.PID())
				if err != nil {
					return nil, err
				}
				cpu[s.kind.name] = c
				kcpu[s.kind.name], _ = procfs.CPU(s.proc.PID())
			}
		}
		for _, s := range sessions { // alternate: A B A B ...
			r, err := s.client.MustOK(ctx, s.kind.code.trivial, cellTimeout)
			if err != nil {
				return nil, fmt.Errorf("%s cell %d: %w", s.kind.name, i+1, err)
			}
			if i >= rttWarmup {
				reply[s.kind.name] = append(reply[s.kind.name], r.Reply.At.Sub(r.Sent))
				idle[s.kind.name] = append(idle[s.kind.name], r.Idle.Sub(r.Sent))
				toBusy[s.kind.name] = append(toBusy[s.kind.name], r.Busy.Sub(r.Sent))
				busyToReply[s.kind.name] = append(busyToReply[s.kind.name], r.Reply.At.Sub(r.Busy))
				replyToIdle[s.kind.name] = append(replyToIdle[s.kind.name], r.Idle.Sub(r.Reply.At))
			}
		}
	}

	for _, s := range sessions {
		c, err := procfs.TreeCPU(s.proc.PID())
		if err != nil {
			return nil, err
		}
		out[s.kind.name].CPUPerCell = stats.Ms((c - cpu[s.kind.name]) / time.Duration(runs))
		k, _ := procfs.CPU(s.proc.PID())
		out[s.kind.name].KernelCPUPerCell = stats.Ms((k - kcpu[s.kind.name]) / time.Duration(runs))
	}

	if err := sleepUntil(ctx, time.Now().Add(settle)); err != nil {
		return nil, err
	}
	for _, s := range sessions {
		t, err := s.memory()
		if err != nil {
			return nil, err
		}
		o := out[s.kind.name]
		o.AfterRSS = memoryOf(t)
		o.CellsBetween = rttWarmup + runs
		o.Reply = stats.Summarize(reply[s.kind.name])
		o.Idle = stats.Summarize(idle[s.kind.name])
		o.Split = split{
			ToBusy:      stats.Ms(stats.Median(toBusy[s.kind.name])),
			BusyToReply: stats.Ms(stats.Median(busyToReply[s.kind.name])),
			ReplyToIdle: stats.Ms(stats.Median(replyToIdle[s.kind.name])),
		}
	}
	return res, nil
}

// sleepUntil waits until t, for measurements defined by elapsed time (not
// to wait for an event).
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
