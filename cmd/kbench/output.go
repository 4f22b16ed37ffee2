package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

// Output: a cell printing lines, run a few times per kernel.
const (
	outputLines = 100000
	outputRuns  = 3
)

// outputResult is group 3: a cell printing 100,000 short lines.
type outputResult struct {
	Go outputKernel `json:"gokernel"`
	Py outputKernel `json:"ipykernel"`
}

type outputKernel struct {
	Runs         []outputRun `json:"runs"`
	MedianToIdle stats.Ms    `json:"median_to_idle_ms"`
	InOrder      bool        `json:"all_in_order"`
}

type outputRun struct {
	ToIdle    stats.Ms `json:"to_idle_ms"`
	ToReply   stats.Ms `json:"to_reply_ms"`
	Streams   int      `json:"stream_messages"`
	TextBytes int      `json:"text_bytes"` // the stdout text
	WireBytes int      `json:"wire_bytes"` // all frames of the stream messages
	InOrder   bool     `json:"in_order"`
	Problem   string   `json:"problem,omitempty"`
}

func (b *bench) measureOutput(ctx context.Context) (*outputResult, error) {
	var want strings.Builder
	for i := range outputLines {
		want.WriteString(strconv.Itoa(i))
		want.WriteByte('\n')
	}
	sessions, stop, err := b.startEach(ctx)
	defer stop()
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		k := s.kind
		if k.code.setup != "" {
			if _, err := s.client.MustOK(ctx, k.code.setup, cellTimeout); err != nil {
				return nil, err
			}
		}
	}
	res := &outputResult{}
	out := map[string]*outputKernel{goName: &res.Go, pyName: &res.Py}
	for range outputRuns {
		for _, s := range sessions {
			r, err := s.client.MustOK(ctx, s.kind.code.print, 2*time.Minute)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.kind.name, err)
			}
			run := outputRun{ToIdle: stats.Ms(r.Idle.Sub(r.Sent)), ToReply: stats.Ms(r.Reply.At.Sub(r.Sent))}
			var got strings.Builder
			for _, m := range r.IOPub {
				if m.Msg.Header.MsgType != "stream" {
					continue
				}
				var c struct {
					Name string `json:"name"`
					Text string `json:"text"`
				}
				if err := json.Unmarshal(m.Msg.Content, &c); err != nil || c.Name != "stdout" {
					continue
				}
				run.Streams++
				run.WireBytes += m.Size
				got.WriteString(c.Text)
			}
			run.TextBytes = got.Len()
			run.InOrder, run.Problem = compareLines(got.String(), want.String())
			o := out[s.kind.name]
			o.Runs = append(o.Runs, run)
		}
	}
	for _, o := range out {
		var idle []time.Duration
		o.InOrder = true
		for _, r := range o.Runs {
			idle = append(idle, r.ToIdle.D())
			o.InOrder = o.InOrder && r.InOrder
		}
		o.MedianToIdle = stats.Ms(stats.Median(idle))
	}
	return res, nil
}

// compareLines reports whether got is want, and if not where they part.
func compareLines(got, want string) (bool, string) {
	if got == want {
		return true, ""
	}
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return false, fmt.Sprintf("line %d is %q, want %q", i+1, g[i], w[i])
		}
	}
	return false, fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}
