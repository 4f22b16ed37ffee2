package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

const compiledRuns = 5

// compiledResult is group 10: fib(27) in a compiled cell of gokernel (%%compile): the first
// run, which builds the program, and the runs after it, which start it from the cache; and
// the same call interpreted, in the same kernel.
type compiledResult struct {
	First             stats.Ms   `json:"first_run_ms"` // a program no run built before: the build is most of it
	Cached            []stats.Ms `json:"cached_ms"`
	CachedMedian      stats.Ms   `json:"cached_median_ms"`
	Interpreted       []stats.Ms `json:"interpreted_ms"`
	InterpretedMedian stats.Ms   `json:"interpreted_median_ms"`
}

func (b *bench) measureCompiled(ctx context.Context) (*compiledResult, error) {
	s, err := b.start(ctx, b.goK, fastDial)
	if err != nil {
		return nil, err
	}
	defer s.shutdown(context.WithoutCancel(ctx))
	if _, err := s.client.MustOK(ctx, goCode.fibDecl, cellTimeout); err != nil {
		return nil, err
	}
	// A comment no earlier run had: the first run builds.
	cell := fmt.Sprintf("%%%%compile\n// kbench %d\n%s", time.Now().UnixNano(), goCode.fibCall)
	run := func(code string) (time.Duration, error) {
		r, err := s.client.MustOK(ctx, code, 5*time.Minute)
		if err != nil {
			return 0, err
		}
		if got, _ := r.Result(); got != fibWant {
			return 0, fmt.Errorf("%q: fib(27) = %q, want %s", code, got, fibWant)
		}
		return r.Reply.At.Sub(r.Sent), nil
	}
	first, err := run(cell)
	if err != nil {
		return nil, err
	}
	var cached, interpreted []time.Duration
	for i := range compiledRuns {
		d, err := run(cell)
		if err != nil {
			return nil, err
		}
		cached = append(cached, d)
		if i%2 == 0 { // fewer: each takes a second or so
			if d, err = run(goCode.fibCall); err != nil {
				return nil, err
			}
			interpreted = append(interpreted, d)
		}
	}
	return &compiledResult{
		First: stats.Ms(first), Cached: stats.MsList(cached), CachedMedian: stats.Ms(stats.Median(cached)),
		Interpreted: stats.MsList(interpreted), InterpretedMedian: stats.Ms(stats.Median(interpreted)),
	}, nil
}
