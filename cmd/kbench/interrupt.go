package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/launch"
	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
	"github.com/gokernel/gokernel/jupyter/client"
)

const (
	interruptRuns  = 5
	interruptAfter = 200 * time.Millisecond // the loop runs this long before the interrupt
)

// interruptResult is group 5: interrupting a busy loop.
type interruptResult struct {
	Go interruptKernel `json:"gokernel"`
	Py interruptKernel `json:"ipykernel"`
}

type interruptKernel struct {
	Mode      string     `json:"interrupt_mode"`
	ToReply   []stats.Ms `json:"interrupt_to_execute_reply_ms"`
	Median    stats.Ms   `json:"median_ms"`
	Errors    []string   `json:"reply_errors"` // what the interrupted cell's reply said
	StateKept bool       `json:"state_kept"`   // the loop's variable survived every interrupt
}

func (b *bench) measureInterrupt(ctx context.Context) (*interruptResult, error) {
	sessions, stop, err := b.startEach(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		k := s.kind
		if _, err := s.client.MustOK(ctx, k.code.loopInit, cellTimeout); err != nil {
			return nil, err
		}
	}
	res := &interruptResult{}
	out := map[string]*interruptKernel{goName: &res.Go, pyName: &res.Py}
	samples := map[string][]time.Duration{}
	for _, s := range sessions {
		out[s.kind.name].Mode = s.kind.spec.InterruptMode
		out[s.kind.name].StateKept = true
	}
	for i := range interruptRuns {
		for _, s := range sessions { // alternate
			o := out[s.kind.name]
			d, ename, err := interruptOnce(ctx, s)
			if err != nil {
				return nil, fmt.Errorf("%s interrupt %d: %w", s.kind.name, i+1, err)
			}
			samples[s.kind.name] = append(samples[s.kind.name], d)
			o.Errors = append(o.Errors, ename)
			got, err := s.result(ctx, s.kind.code.loopCheck)
			if err != nil {
				return nil, fmt.Errorf("%s after interrupt %d: %w", s.kind.name, i+1, err)
			}
			if !strings.EqualFold(got, "true") {
				o.StateKept = false
			}
		}
	}
	for name, o := range out {
		o.ToReply = stats.MsList(samples[name])
		o.Median = stats.Ms(stats.Median(samples[name]))
	}
	return res, nil
}

// interruptOnce starts the endless loop, interrupts it after
// interruptAfter the way Jupyter would for this kernel, and returns the time
// from the interrupt to the cell's execute_reply.
func interruptOnce(ctx context.Context, s *session) (time.Duration, string, error) {
	c := s.client
	r, err := c.Start(s.kind.code.loop)
	if err != nil {
		return 0, "", err
	}
	busy := func(r *client.Run) bool { return !r.Busy.IsZero() }
	if err := c.Await(ctx, r, busy, cellTimeout); err != nil {
		return 0, "", err
	}
	if err := sleepUntil(ctx, time.Now().Add(interruptAfter)); err != nil {
		return 0, "", err
	}
	var at time.Time
	var ctlID string
	if s.kind.spec.InterruptMode == launch.InterruptMessage {
		ctlID, at, err = c.Send(client.Control, "interrupt_request", map[string]any{})
	} else {
		at = time.Now()
		err = s.proc.Signal(syscall.SIGINT)
	}
	if err != nil {
		return 0, "", err
	}
	if err := c.Await(ctx, r, (*client.Run).Done, 10*time.Second); err != nil {
		return 0, "", err
	}
	if ctlID != "" {
		if _, err := c.Reply(ctx, client.Control, ctlID, 5*time.Second); err != nil {
			return 0, "", fmt.Errorf("interrupt_reply: %w", err)
		}
	}
	if r.Status() != "error" {
		return 0, "", fmt.Errorf("the interrupted cell's status is %q, want error", r.Status())
	}
	return r.Reply.At.Sub(at), r.Error(), nil
}
