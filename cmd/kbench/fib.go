package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	// The benchmark is the one place outside eval that imports yaegi: it
	// measures bare yaegi as the floor of interpreted CPU work.
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

const (
	fibRuns = 3
	fibWant = "196418" // fib(27)
)

// fibResult is group 9: recursive fib(27) in a gokernel cell, in an
// ipykernel cell, and in bare yaegi inside this process.
type fibResult struct {
	Go          []stats.Ms `json:"gokernel_ms"`
	Py          []stats.Ms `json:"ipykernel_ms"`
	Yaegi       []stats.Ms `json:"bare_yaegi_ms"`
	GoMedian    stats.Ms   `json:"go_median_ms"`
	PyMedian    stats.Ms   `json:"py_median_ms"`
	YaegiMedian stats.Ms   `json:"yaegi_median_ms"`
	OverheadPct float64    `json:"gokernel_over_yaegi_pct"` // of the medians
	// MinOverheadPct compares the fastest runs: on a busy machine the
	// minimum is the better estimate of what the work itself costs.
	MinOverheadPct float64 `json:"gokernel_over_yaegi_min_pct"`
}

func (b *bench) measureFib(ctx context.Context) (*fibResult, error) {
	sessions, stop, err := b.startEach(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		if _, err := s.client.MustOK(ctx, s.kind.code.fibDecl, cellTimeout); err != nil {
			return nil, err
		}
	}
	yi := interp.New(interp.Options{})
	if err := yi.Use(stdlib.Symbols); err != nil {
		return nil, err
	}
	if _, err := yi.Eval(goCode.fibDecl); err != nil {
		return nil, fmt.Errorf("yaegi: %w", err)
	}

	samples := map[string][]time.Duration{}
	for range fibRuns {
		for _, s := range sessions { // alternate: gokernel, ipykernel, bare yaegi
			r, err := s.client.MustOK(ctx, s.kind.code.fibCall, 2*time.Minute)
			if err != nil {
				return nil, err
			}
			if got, _ := r.Result(); got != fibWant {
				return nil, fmt.Errorf("%s: fib(27) = %q, want %s", s.kind.name, got, fibWant)
			}
			samples[s.kind.name] = append(samples[s.kind.name], r.Reply.At.Sub(r.Sent))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		start := time.Now()
		v, err := yi.Eval(goCode.fibCall)
		d := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("yaegi: %w", err)
		}
		if got := fmt.Sprint(v.Interface()); got != fibWant {
			return nil, fmt.Errorf("yaegi: fib(27) = %s, want %s", got, fibWant)
		}
		samples["yaegi"] = append(samples["yaegi"], d)
	}
	res := &fibResult{
		Go: stats.MsList(samples[goName]), Py: stats.MsList(samples[pyName]), Yaegi: stats.MsList(samples["yaegi"]),
		GoMedian:    stats.Ms(stats.Median(samples[goName])),
		PyMedian:    stats.Ms(stats.Median(samples[pyName])),
		YaegiMedian: stats.Ms(stats.Median(samples["yaegi"])),
	}
	if res.YaegiMedian > 0 {
		res.OverheadPct = 100 * (float64(res.GoMedian)/float64(res.YaegiMedian) - 1)
		res.MinOverheadPct = 100 * (float64(slices.Min(samples[goName]))/float64(slices.Min(samples["yaegi"])) - 1)
	}
	return res, nil
}
