package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/stats"
)

// report is everything one run measured; it is also the JSON file.
type report struct {
	Machine   machine           `json:"machine"`
	Began     time.Time         `json:"began"`
	Elapsed   string            `json:"elapsed"`
	Floor     *floorResult      `json:"floor,omitempty"`
	Start     *startResult      `json:"start,omitempty"`
	RoundTrip *roundTripResult  `json:"round_trip_and_memory,omitempty"`
	Output    *outputResult     `json:"output,omitempty"`
	Interrupt *interruptResult  `json:"interrupt,omitempty"`
	Crash     *crashResult      `json:"crash,omitempty"`
	Restart   *restartResult    `json:"restart,omitempty"`
	Fib       *fibResult        `json:"fib,omitempty"`
	Compiled  *compiledResult   `json:"compiled,omitempty"`
	Workshop  *workshopResult   `json:"workshop,omitempty"`
	Client    string            `json:"client"` // clientBuffered or clientPlain
	Rows      []row             `json:"table"`
	Errors    map[string]string `json:"errors,omitempty"`
	Leaked    int               `json:"leaked_processes"` // kernels still running after their group
}

// How kbench's client connects to the kernels (-plain), and thus which floor
// the kernels are compared with.
const (
	clientBuffered = "the kernel's transport"
	clientPlain    = "zmq4's own tcp"
)

// row is one line of the table.
type row struct {
	Measure string `json:"measure"`
	Go      string `json:"gokernel"`
	Py      string `json:"ipykernel"`
	Ratio   string `json:"ratio"`    // gokernel / ipykernel: below 1 is better for times and memory
	Floor   string `json:"vs_floor"` // gokernel / floor, where there is one
	Target  string `json:"target"`
	Verdict string `json:"verdict"` // pass, miss or empty
}

// Targets for gokernel.
const (
	targetStart      = 15 * time.Millisecond
	targetRTTP50     = 500 * time.Microsecond
	targetRTTP99     = 2 * time.Millisecond
	targetRTTFloor   = 4.0
	targetOutputMsgs = 100
	targetIdleRSS    = 40 << 20
	targetRSSGrowth  = 0.10 // "flat": less than 10% growth
	targetInterrupt  = 50 * time.Millisecond
	targetRecover    = 300 * time.Millisecond
	targetWorkshop   = 5 * time.Second
	targetFibPct     = 5.0
	targetCached     = time.Second
)

func (r *report) table() []row {
	var rows []row
	add := func(x row) { rows = append(rows, x) }
	if s := r.Start; s != nil {
		g, p := s.Go.MedianConnected.D(), s.Py.MedianConnected.D()
		add(row{Measure: "start → its five sockets accept connections", Go: ms(g), Py: ms(p), Ratio: ratio(g, p)})
		g, p = s.Go.MedianKernelInfo.D(), s.Py.MedianKernelInfo.D()
		add(row{Measure: fmt.Sprintf("start → kernel_info_reply (median of %d)", startRuns),
			Go: ms(g), Py: ms(p), Ratio: ratio(g, p), Target: "< 15 ms", Verdict: verdict(g < targetStart)})
		g, p = s.Go.MedianExecute.D(), s.Py.MedianExecute.D()
		add(row{Measure: "start → first execute_reply", Go: ms(g), Py: ms(p), Ratio: ratio(g, p)})
	}
	if t := r.RoundTrip; t != nil {
		var floor *stats.Summary
		if r.Floor != nil {
			floor = &r.Floor.RoundTrip
			if r.Client == clientPlain {
				floor = &r.Floor.Plain
			}
		}
		vsFloor := func(d stats.Ms, f func(stats.Summary) stats.Ms) string {
			if floor == nil || f(*floor) == 0 {
				return ""
			}
			return fmt.Sprintf("%.1f×", float64(d)/float64(f(*floor)))
		}
		p50 := func(s stats.Summary) stats.Ms { return s.P50 }
		p90 := func(s stats.Summary) stats.Ms { return s.P90 }
		p99 := func(s stats.Summary) stats.Ms { return s.P99 }
		g, p := t.Go.Reply, t.Py.Reply
		ok50 := g.P50.D() < targetRTTP50
		if floor != nil {
			ok50 = ok50 && float64(g.P50) <= targetRTTFloor*float64(floor.P50)
		}
		add(row{Measure: fmt.Sprintf("trivial cell → execute_reply p50 (%d runs)", g.N), Go: ms(g.P50.D()), Py: ms(p.P50.D()),
			Ratio: ratio(g.P50.D(), p.P50.D()), Floor: vsFloor(g.P50, p50), Target: "< 0.5 ms, ≤ 4× floor", Verdict: verdict(ok50)})
		add(row{Measure: "trivial cell → execute_reply p90", Go: ms(g.P90.D()), Py: ms(p.P90.D()),
			Ratio: ratio(g.P90.D(), p.P90.D()), Floor: vsFloor(g.P90, p90)})
		add(row{Measure: "trivial cell → execute_reply p99", Go: ms(g.P99.D()), Py: ms(p.P99.D()),
			Ratio: ratio(g.P99.D(), p.P99.D()), Floor: vsFloor(g.P99, p99), Target: "< 2 ms", Verdict: verdict(g.P99.D() < targetRTTP99)})
		g, p = t.Go.Idle, t.Py.Idle
		for _, q := range []struct {
			name string
			f    func(stats.Summary) stats.Ms
		}{{"p50", p50}, {"p90", p90}, {"p99", p99}} {
			add(row{Measure: "trivial cell → iopub idle " + q.name, Go: ms(q.f(g).D()), Py: ms(q.f(p).D()),
				Ratio: ratio(q.f(g).D(), q.f(p).D()), Floor: vsFloor(q.f(g), q.f)})
		}
	}
	if t := r.RoundTrip; t != nil {
		split := func(b split) string {
			return fmt.Sprintf("%s / %s / %s", ms(b.ToBusy.D()), ms(b.BusyToReply.D()), ms(b.ReplyToIdle.D()))
		}
		add(row{Measure: "trivial cell p50 split: send→busy / busy→reply / reply→idle", Go: split(t.Go.Split), Py: split(t.Py.Split)})
		add(row{Measure: "trivial cell: CPU per cell, kernel + children (kernel alone)",
			Go:    fmt.Sprintf("%s (%s)", ms(t.Go.CPUPerCell.D()), ms(t.Go.KernelCPUPerCell.D())),
			Py:    fmt.Sprintf("%s (%s)", ms(t.Py.CPUPerCell.D()), ms(t.Py.KernelCPUPerCell.D())),
			Ratio: ratio(t.Go.CPUPerCell.D(), t.Py.CPUPerCell.D())})
	}
	if f := r.Floor; f != nil {
		s := f.RoundTrip
		add(row{Measure: fmt.Sprintf("floor: zmq4 ROUTER/DEALER echo, %d B, the kernel's transport (p50/p90/p99)", f.MessageBytes),
			Go: fmt.Sprintf("%s / %s / %s", ms(s.P50.D()), ms(s.P90.D()), ms(s.P99.D()))})
		s = f.Plain
		add(row{Measure: "floor: the same echo on zmq4's own tcp (p50/p90/p99)",
			Go: fmt.Sprintf("%s / %s / %s", ms(s.P50.D()), ms(s.P90.D()), ms(s.P99.D()))})
	}
	if o := r.Output; o != nil {
		g, p := o.Go.MedianToIdle.D(), o.Py.MedianToIdle.D()
		gm, pm := maxStreams(o.Go.Runs), maxStreams(o.Py.Runs)
		add(row{Measure: fmt.Sprintf("100,000 lines → idle (median of %d)", outputRuns), Go: ms(g), Py: ms(p), Ratio: ratio(g, p),
			Target: "≤ ipykernel, ≤ 100 msgs, in order", Verdict: verdict(g <= p && gm <= targetOutputMsgs && o.Go.InOrder)})
		add(row{Measure: "100,000 lines: stream messages (most in a run)", Go: fmt.Sprint(gm), Py: fmt.Sprint(pm),
			Ratio: ratioF(float64(gm), float64(pm))})
		if len(o.Go.Runs) > 0 && len(o.Py.Runs) > 0 {
			gr, pr := o.Go.Runs[0], o.Py.Runs[0]
			add(row{Measure: "100,000 lines: text bytes / wire bytes", Go: fmt.Sprintf("%d / %d", gr.TextBytes, gr.WireBytes),
				Py: fmt.Sprintf("%d / %d", pr.TextBytes, pr.WireBytes), Ratio: ratioF(float64(gr.WireBytes), float64(pr.WireBytes))})
		}
		add(row{Measure: "100,000 lines: all arrived, in order", Go: okFail(o.Go.InOrder), Py: okFail(o.Py.InOrder)})
	}
	if t := r.RoundTrip; t != nil {
		g, p := t.Go.IdleRSS, t.Py.IdleRSS
		add(row{Measure: "RSS idle after start (kernel + children)", Go: mib(g.Total), Py: mib(p.Total),
			Ratio: ratioF(float64(g.Total), float64(p.Total)), Target: "≤ 40 MiB", Verdict: verdict(g.Total <= targetIdleRSS)})
		add(row{Measure: "RSS idle after start (kernel process only)", Go: mib(g.Kernel), Py: mib(p.Kernel),
			Ratio: ratioF(float64(g.Kernel), float64(p.Kernel))})
		add(row{Measure: "PSS idle after start (kernel + children; shared pages split)", Go: mib(g.PSS), Py: mib(p.PSS),
			Ratio: ratioF(float64(g.PSS), float64(p.PSS))})
		ga, pa := t.Go.AfterRSS, t.Py.AfterRSS
		add(row{Measure: fmt.Sprintf("RSS after %d cells (kernel + children)", t.Go.CellsBetween), Go: mib(ga.Total), Py: mib(pa.Total),
			Ratio: ratioF(float64(ga.Total), float64(pa.Total))})
		gg, pg := growth(g.Total, ga.Total), growth(p.Total, pa.Total)
		add(row{Measure: "RSS growth over those cells", Go: pct(gg), Py: pct(pg),
			Target: "flat (< 10%)", Verdict: verdict(gg < targetRSSGrowth)})
		add(row{Measure: "RSS growth: kernel process / its children", Go: fmt.Sprintf("%s / %s",
			mibDelta(g.Kernel, ga.Kernel), mibDelta(g.Total-g.Kernel, ga.Total-ga.Kernel)),
			Py: fmt.Sprintf("%s / %s", mibDelta(p.Kernel, pa.Kernel), mibDelta(p.Total-p.Kernel, pa.Total-pa.Kernel))})
	}
	if in := r.Interrupt; in != nil {
		g, p := in.Go.Median.D(), in.Py.Median.D()
		add(row{Measure: fmt.Sprintf("interrupt → execute_reply (median of %d)", interruptRuns), Go: ms(g), Py: ms(p), Ratio: ratio(g, p),
			Target: "< 50 ms, state kept", Verdict: verdict(g < targetInterrupt && in.Go.StateKept)})
		add(row{Measure: "state kept after interrupt", Go: yesNo(in.Go.StateKept), Py: yesNo(in.Py.StateKept)})
	}
	if c := r.Crash; c != nil {
		add(row{Measure: fmt.Sprintf("crash (panic in a goroutine) → its reply (median of %d)", crashRuns), Go: ms(c.MedianReply.D()), Py: "n/a"})
		add(row{Measure: "crash → next cell's result", Go: ms(c.MedianNext.D()), Py: "n/a",
			Target: "< 300 ms", Verdict: verdict(c.MedianNext.D() < targetRecover)})
		add(row{Measure: "state kept after crash", Go: yesNo(c.StateKept), Py: "n/a"})
		add(row{Measure: "worker killed (SIGKILL) → next cell's result", Go: ms(c.Kill.MedianNext.D()), Py: "n/a"})
	}
	if rs := r.Restart; rs != nil {
		g, p := rs.Go.Median.D(), rs.Py.Median.D()
		add(row{Measure: fmt.Sprintf("restart → next cell's result (median of %d)", restartRuns), Go: ms(g), Py: ms(p), Ratio: ratio(g, p),
			Target: "< 300 ms", Verdict: verdict(g < targetRecover)})
	}
	if w := r.Workshop; w != nil {
		g, p := w.Go.AllAnswered.D(), w.Py.AllAnswered.D()
		add(row{Measure: fmt.Sprintf("%d kernels at once → all answered an execute", w.Kernels), Go: answered(w.Go, w.Kernels),
			Py: answered(w.Py, w.Kernels), Ratio: ratio(g, p), Target: "< 5 s, all answer",
			Verdict: verdict(g < targetWorkshop && w.Go.Failed == 0)})
		add(row{Measure: fmt.Sprintf("%d kernels: median own start → execute", w.Kernels), Go: ms(w.Go.Median.D()), Py: ms(w.Py.Median.D()),
			Ratio: ratio(w.Go.Median.D(), w.Py.Median.D())})
		add(row{Measure: fmt.Sprintf("%d kernels: total RSS (PSS)", w.Kernels),
			Go:    fmt.Sprintf("%s (%s)", mib(w.Go.TotalRSS), mib(w.Go.TotalPSS)),
			Py:    fmt.Sprintf("%s (%s)", mib(w.Py.TotalRSS), mib(w.Py.TotalPSS)),
			Ratio: ratioF(float64(w.Go.TotalRSS), float64(w.Py.TotalRSS))})
		add(row{Measure: fmt.Sprintf("%d kernels: shutdown → all reaped", w.Kernels), Go: ms(w.Go.ShutdownMs.D()), Py: ms(w.Py.ShutdownMs.D()),
			Ratio: ratio(w.Go.ShutdownMs.D(), w.Py.ShutdownMs.D())})
	}
	if f := r.Fib; f != nil {
		g, p, y := f.GoMedian.D(), f.PyMedian.D(), f.YaegiMedian.D()
		add(row{Measure: fmt.Sprintf("fib(27) → execute_reply (median of %d)", fibRuns), Go: ms(g), Py: ms(p), Ratio: ratio(g, p),
			Floor:   fmt.Sprintf("%+.1f%% vs bare yaegi %s (fastest runs: %+.1f%%)", f.OverheadPct, ms(y), f.MinOverheadPct),
			Target:  "within 5% of bare yaegi",
			Verdict: verdict(f.OverheadPct <= targetFibPct)})
	}
	if c := r.Compiled; c != nil {
		add(row{Measure: "compiled cell, fib(27): first run, with the build → execute_reply", Go: ms(c.First.D()), Py: "—"})
		add(row{Measure: fmt.Sprintf("compiled cell, fib(27): unchanged, from the cache → execute_reply (median of %d)", compiledRuns),
			Go: ms(c.CachedMedian.D()), Py: "—", Floor: "interpreted: " + ms(c.InterpretedMedian.D()),
			Target: "well under 1 s", Verdict: verdict(c.CachedMedian.D() < targetCached)})
	}
	return rows
}

func printTable(w io.Writer, r *report) {
	m := r.Machine
	fmt.Fprintf(w, "\nkbench: %s, %d cores, %s RAM, %s; load %s at start; %s\n", m.CPU, m.Cores, mib(m.MemTotal), m.OS, m.LoadAvg, m.GoVersion)
	fmt.Fprintf(w, "%s; %s, Python %s; the client and the floor on %s\n\n", m.Gokernel, m.IPyKernel, m.Python, r.Client)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tgokernel\tipykernel\tratio\tgokernel/floor\ttarget\t")
	fmt.Fprintln(tw, "-------\t--------\t---------\t-----\t--------------\t------\t")
	for _, x := range r.Rows {
		target := x.Target
		if x.Verdict != "" {
			target += ": " + x.Verdict
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", x.Measure, x.Go, x.Py, x.Ratio, x.Floor, target)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nratio = gokernel/ipykernel (below 1 is better for times and memory). Took %s.\n", r.Elapsed)
	for g, e := range r.Errors {
		fmt.Fprintf(w, "group %s failed: %s\n", g, firstLine(e))
	}
	if r.Leaked > 0 {
		fmt.Fprintf(w, "%d kernel process(es) outlived their group and were killed\n", r.Leaked)
	}
}

// ms formats a duration in milliseconds, or seconds from 10 s up.
func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.3f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func mibDelta(a, b int64) string { return fmt.Sprintf("%+.1f MiB", float64(b-a)/(1<<20)) }

func ratio(a, b time.Duration) string { return ratioF(float64(a), float64(b)) }

func ratioF(a, b float64) string {
	if a == 0 || b == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", a/b)
}

func growth(before, after int64) float64 {
	if before == 0 {
		return 0
	}
	return float64(after-before) / float64(before)
}

func pct(f float64) string { return fmt.Sprintf("%+.1f%%", 100*f) }

func verdict(ok bool) string {
	if ok {
		return "pass"
	}
	return "miss"
}

func okFail(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func maxStreams(runs []outputRun) int {
	n := 0
	for _, r := range runs {
		n = max(n, r.Streams)
	}
	return n
}

func answered(w workshopKernel, n int) string {
	s := ms(w.AllAnswered.D())
	if w.Failed > 0 {
		s += fmt.Sprintf(" (%d/%d failed)", w.Failed, n)
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
