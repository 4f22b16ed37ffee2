package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

const (
	crashRuns   = 5
	restartRuns = 5
)

// crashCell panics in a goroutine while the cell still runs.
const crashCell = "import \"time\"\ngo func() { panic(1) }()\ntime.Sleep(time.Second)"

// killCell ends the interpreter process itself, the way a fatal error
// (concurrent map writes, a stack overflow) does, but at once.
const killCell = "import \"syscall\"\nsyscall.Kill(syscall.Getpid(), syscall.SIGKILL)"

// crashResult is group 6a, gokernel only: Python has no crash that keeps
// the kernel process.
type crashResult struct {
	ToReply     []stats.Ms `json:"crash_to_its_reply_ms"`
	ToNext      []stats.Ms `json:"crash_to_next_result_ms"`
	MedianReply stats.Ms   `json:"median_crash_to_its_reply_ms"`
	MedianNext  stats.Ms   `json:"median_crash_to_next_result_ms"`
	Errors      []string   `json:"crash_errors"`
	StateKept   bool       `json:"state_kept"` // names from before the crash still defined

	// The same for a cell that kills the interpreter process: the kernel
	// starts a new one, and names defined before are gone.
	Kill killResult `json:"worker_killed"`
}

type killResult struct {
	ToReply     []stats.Ms `json:"kill_to_its_reply_ms"`
	ToNext      []stats.Ms `json:"kill_to_next_result_ms"`
	MedianReply stats.Ms   `json:"median_kill_to_its_reply_ms"`
	MedianNext  stats.Ms   `json:"median_kill_to_next_result_ms"`
	Errors      []string   `json:"errors"`
}

func (b *bench) measureCrash(ctx context.Context) (*crashResult, error) {
	s, err := b.start(ctx, b.goK, fastDial)
	if err != nil {
		return nil, err
	}
	defer s.shutdown(context.WithoutCancel(ctx))
	if _, err := s.client.MustOK(ctx, "before := 7", cellTimeout); err != nil {
		return nil, err
	}
	res := &crashResult{StateKept: true}
	var toReply, toNext []time.Duration
	for i := range crashRuns {
		reply, next, ename, err := crashOnce(ctx, s, crashCell)
		if err != nil {
			return nil, fmt.Errorf("crash %d: %w", i+1, err)
		}
		toReply, toNext = append(toReply, reply), append(toNext, next)
		res.Errors = append(res.Errors, ename)
		if got, err := s.result(ctx, "before"); err != nil || got != "7" {
			res.StateKept = false
		}
	}
	res.ToReply, res.ToNext = stats.MsList(toReply), stats.MsList(toNext)
	res.MedianReply, res.MedianNext = stats.Ms(stats.Median(toReply)), stats.Ms(stats.Median(toNext))

	toReply, toNext = nil, nil // the same with the process killed
	for i := range crashRuns {
		reply, next, ename, err := crashOnce(ctx, s, killCell)
		if err != nil {
			return nil, fmt.Errorf("kill %d: %w", i+1, err)
		}
		toReply, toNext = append(toReply, reply), append(toNext, next)
		res.Kill.Errors = append(res.Kill.Errors, ename)
	}
	res.Kill.ToReply, res.Kill.ToNext = stats.MsList(toReply), stats.MsList(toNext)
	res.Kill.MedianReply, res.Kill.MedianNext = stats.Ms(stats.Median(toReply)), stats.Ms(stats.Median(toNext))
	return res, nil
}

// crashOnce runs a crashing cell, then 1+1, and returns the times from
// sending the crashing cell to its reply and to the next cell's result.
func crashOnce(ctx context.Context, s *session, cell string) (toReply, toNext time.Duration, ename string, err error) {
	r, err := s.client.Execute(ctx, cell, cellTimeout)
	if err != nil {
		return 0, 0, "", err
	}
	if r.Status() != "error" {
		return 0, 0, "", fmt.Errorf("status %q, want error", r.Status())
	}
	// The next cell is sent again if the kernel aborted it (see session.result).
	for range 10 {
		next, err := s.client.Execute(ctx, s.kind.code.expr, cellTimeout)
		if err != nil {
			return 0, 0, "", fmt.Errorf("next cell: %w", err)
		}
		if next.Status() == "aborted" {
			continue
		}
		text, at := next.Result()
		if text != "2" {
			return 0, 0, "", fmt.Errorf("next cell: 1+1 = %q (%s)", text, next.Error())
		}
		return r.Reply.At.Sub(r.Sent), at.Sub(r.Sent), r.Error(), nil
	}
	return 0, 0, "", errors.New("next cell: aborted 10 times")
}

// restartResult is group 6b: a restart as jupyter_client does it.
type restartResult struct {
	Go restartKernel `json:"gokernel"`
	Py restartKernel `json:"ipykernel"`
}

type restartKernel struct {
	ToNext []stats.Ms `json:"shutdown_to_next_result_ms"`
	Median stats.Ms   `json:"median_ms"`
}

func (b *bench) measureRestart(ctx context.Context) (*restartResult, error) {
	sessions, stop, err := b.startEach(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	samples := map[string][]time.Duration{}
	for i := range restartRuns {
		for j, s := range sessions { // alternate
			next, d, err := b.restartOnce(ctx, s)
			sessions[j] = next // the one to shut down at the end
			if err != nil {
				return nil, fmt.Errorf("%s restart %d: %w", s.kind.name, i+1, err)
			}
			samples[s.kind.name] = append(samples[s.kind.name], d)
		}
	}
	mk := func(d []time.Duration) restartKernel {
		return restartKernel{ToNext: stats.MsList(d), Median: stats.Ms(stats.Median(d))}
	}
	return &restartResult{Go: mk(samples[goName]), Py: mk(samples[pyName])}, nil
}

// restartOnce sends shutdown_request{restart: true}, waits for the process
// to exit, starts a new one on the same connection file, and returns the new
// session and the time from the request to the next cell's result.
func (b *bench) restartOnce(ctx context.Context, s *session) (*session, time.Duration, error) {
	at, err := s.client.Shutdown(ctx, true, shutdownTimeout)
	if err != nil {
		return s, 0, err
	}
	if err := s.proc.Wait(ctx, shutdownTimeout); err != nil {
		return s, 0, err
	}
	s.client.Close()
	p, err := b.launcher.Restart(s.proc)
	if err != nil {
		return s, 0, err
	}
	next, err := b.connect(ctx, s.kind, p, fastDial)
	if err != nil {
		return s, 0, err
	}
	r, err := next.client.MustOK(ctx, s.kind.code.expr, cellTimeout)
	if err != nil {
		return next, 0, err
	}
	text, resultAt := r.Result()
	if text != "2" {
		return next, 0, fmt.Errorf("1+1 after restart gave %q", text)
	}
	return next, resultAt.Sub(at), nil
}
