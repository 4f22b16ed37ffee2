// Package timeline records what goroutines do over time (running, waiting,
// sleeping) and draws it as a picture, to show concurrency and parallelism.
//
// Notebook code imports it as "gokernel/timeline":
//
//	tl := timeline.New()
//	w := tl.Lane("worker 1")
//	w.Run(func() { work() })   // a "running" span around work
//	w.Wait(func() { <-ch })    // a "waiting" span: blocked on a channel or lock
//	w.Sleep(10 * time.Millisecond)
//	w.Mark("got 3")            // an instant event
//	tl                         // the cell's result: a picture
//
// Values passed between goroutines on a [Chan] are drawn as arrows from
// the sender's lane to the receiver's:
//
//	c := tl.Chan(0)            // an unbuffered channel of any values
//	go func() { c.Send(w, 42) }()
//	v := c.Recv(tl.Lane("main")).(int)
//
// [Compare] draws several timelines on one time axis, so that "half the
// time" is seen, not read.
//
// Recording takes a mutex and an append, so any goroutine may record at any
// time. A [Timeline] is a [display.Renderer]: as a cell's result, or passed
// to display.Show, it is sent as SVG, as PNG for front ends that show no SVG
// (JupyterLab, for a notebook it does not trust), and as a text summary.
package timeline

import (
	"cmp"
	"crypto/rand"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/internal/picture"
)

// Kind is what a goroutine was doing during a span.
type Kind int

// Kinds of span.
const (
	Running  Kind = iota // on a CPU, or wanting one
	Waiting              // blocked on a channel, lock or other goroutine
	Sleeping             // in time.Sleep
)

// String returns "running", "waiting" or "sleeping".
func (k Kind) String() string {
	switch k {
	case Running:
		return "running"
	case Waiting:
		return "waiting"
	case Sleeping:
		return "sleeping"
	}
	return "unknown"
}

// Span is one recorded stretch of a lane's time. Start and End count from
// the timeline's [New].
type Span struct {
	Lane       string
	Kind       Kind
	Start, End time.Duration
	Label      string
}

// Mark is an instant event on a lane.
type Mark struct {
	Lane  string
	At    time.Duration
	Label string
}

// open is the End of a span that has not ended yet.
const open time.Duration = -1

// Timeline records spans and marks on lanes, from any goroutine. Create it
// with [New].
type Timeline struct {
	id    string // prefix of the SVG's element IDs, unique on a page
	start time.Time
	// interrupted returns a channel closed at the session's next interrupt,
	// which ends a Chan operation that blocks; nil outside a session.
	interrupted func() <-chan struct{}

	mu      sync.Mutex
	title   string
	lanes   []*Lane
	byName  map[string]*Lane
	spans   []Span // End is open until the span ends
	marks   []Mark
	msgs    []message
	stopped bool
	end     time.Duration // when stopped
	// The GOMAXPROCS values seen when spans and marks began (or at Stop,
	// if none did): what the recorded work ran with, even when the cell
	// restores GOMAXPROCS before the picture is drawn.
	procsLo, procsHi int
}

// New returns a timeline whose clock starts now.
func New() *Timeline {
	return &Timeline{
		id:     "tl" + rand.Text()[:10],
		start:  time.Now(),
		byName: map[string]*Lane{},
	}
}

// SetTitle sets the title drawn above the timeline's lanes, and above its
// panel in a [Compare].
func (tl *Timeline) SetTitle(title string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.title = title
}

// Lane returns the lane called name, creating it on first use. Lanes are
// drawn in the order they were created. It is safe to call concurrently.
func (tl *Timeline) Lane(name string) *Lane {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if l, ok := tl.byName[name]; ok {
		return l
	}
	l := &Lane{tl: tl, name: name}
	tl.lanes = append(tl.lanes, l)
	tl.byName[name] = l
	return l
}

// Stop freezes the timeline: spans still open end now, and later recording
// is ignored. If no span is open, the timeline ends at its last recorded
// event, so time spent before Stop (or before the picture is drawn, which
// stops it too) without recording anything is not drawn. The caption gives
// the GOMAXPROCS the spans began with (or, if none did, Stop's). Calling it
// again does nothing.
func (tl *Timeline) Stop() {
	now := tl.since()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.stopped {
		return
	}
	tl.stopped = true
	if tl.procsLo == 0 {
		tl.sawProcs(runtime.GOMAXPROCS(0))
	}

	var last time.Duration
	anyOpen := false
	for i := range tl.spans {
		if tl.spans[i].End == open {
			tl.spans[i].End = now
			anyOpen = true
		}
		last = max(last, tl.spans[i].End)
	}
	for _, m := range tl.marks {
		last = max(last, m.At)
	}
	tl.end = last
	if anyOpen || len(tl.spans)+len(tl.marks) == 0 {
		tl.end = now
	}
}

// Spans returns the spans recorded so far, in the order they began. A span
// still open ends at the current time in the copy.
func (tl *Timeline) Spans() []Span {
	now := tl.since()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	spans := append([]Span(nil), tl.spans...)
	for i := range spans {
		if spans[i].End == open {
			spans[i].End = now
		}
	}
	return spans
}

// Overlap is the share, in percent, of the time when some lane was running
// during which two or more lanes were running at once: about 0 when the
// goroutines took turns (concurrency on one CPU), up to 100 when they ran
// side by side (parallelism). A goroutine preempted in the middle of a Run
// span still counts as running, so a busy machine shows a few percent even
// with GOMAXPROCS(1).
func (tl *Timeline) Overlap() float64 { return overlap(tl.Spans()) }

func overlap(spans []Span) float64 {
	type edge struct {
		at    time.Duration
		delta int
	}
	var edges []edge
	for _, s := range spans {
		if s.Kind == Running {
			edges = append(edges, edge{s.Start, 1}, edge{s.End, -1})
		}
	}
	// Ends before starts at the same instant: touching spans don't overlap.
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return a.delta - b.delta
	})
	var busy, several time.Duration
	running := 0
	for i, e := range edges {
		if i > 0 {
			gap := e.at - edges[i-1].at
			if running >= 1 {
				busy += gap
			}
			if running >= 2 {
				several += gap
			}
		}
		running += e.delta
	}
	if busy == 0 {
		return 0
	}
	return 100 * float64(several) / float64(busy)
}

// Marks returns the marks recorded so far, in the order they were made.
func (tl *Timeline) Marks() []Mark {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return append([]Mark(nil), tl.marks...)
}

// MIMEBundle stops the timeline and returns its picture as SVG and as PNG,
// with the text summary of [Timeline.String] as text/plain.
func (tl *Timeline) MIMEBundle() display.Bundle {
	return bundle(tl.render(picture.DefaultFonts()))
}

// SVG stops the timeline and returns its picture: one row per lane, time
// across in milliseconds.
func (tl *Timeline) SVG() string { return tl.render(picture.DefaultFonts()).pic.SVG() }

// PNG stops the timeline and returns its picture as PNG data, at twice the
// SVG's size in pixels (once, for a picture over 2,000 px tall; nil for one
// over 16,000).
func (tl *Timeline) PNG() []byte { return tl.render(picture.DefaultFonts()).png() }

// String stops the timeline and returns a text summary: what the picture
// shows, then per lane the time spent running, waiting and sleeping.
func (tl *Timeline) String() string { return tl.render(picture.DefaultFonts()).text }

// render stops the timeline and draws it.
func (tl *Timeline) render(fonts *picture.Fonts) rendered {
	s := tl.snapshot()
	pic, l := drawTimelines(fonts, []snapshot{s}, s.pictureTitle(), s.caption()+s.messageCaption())
	return rendered{pic: pic, text: s.summary(l.missing)}
}

func (tl *Timeline) since() time.Duration { return time.Since(tl.start) }

// begin records the start of a span on lane and returns the func that ends
// it. After Stop it records nothing.
func (tl *Timeline) begin(lane string, kind Kind, label string) (end func()) {
	start := tl.since()
	procs := runtime.GOMAXPROCS(0)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.stopped {
		return func() {}
	}
	tl.sawProcs(procs)
	i := len(tl.spans)
	tl.spans = append(tl.spans, Span{Lane: lane, Kind: kind, Start: start, End: open, Label: label})
	return func() {
		now := tl.since()
		tl.mu.Lock()
		defer tl.mu.Unlock()
		if tl.spans[i].End == open { // not ended before, nor closed by Stop
			tl.spans[i].End = now
		}
	}
}

func (tl *Timeline) mark(lane, label string) {
	at := tl.since()
	procs := runtime.GOMAXPROCS(0)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if !tl.stopped {
		tl.marks = append(tl.marks, Mark{Lane: lane, At: at, Label: label})
		tl.sawProcs(procs)
	}
}

// sawProcs notes a GOMAXPROCS value work was recorded with. tl.mu must be
// held.
func (tl *Timeline) sawProcs(n int) {
	if tl.procsLo == 0 {
		tl.procsLo, tl.procsHi = n, n
	}
	tl.procsLo, tl.procsHi = min(tl.procsLo, n), max(tl.procsHi, n)
}

// snapshot stops the timeline and copies what rendering needs.
func (tl *Timeline) snapshot() snapshot {
	tl.Stop()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	s := snapshot{
		id:    tl.id,
		spans: append([]Span(nil), tl.spans...),
		marks: append([]Mark(nil), tl.marks...),
		msgs:  tl.messagesLocked(),
		title: tl.title,
		end:   tl.end,
		cpus:  runtime.NumCPU(),
		procs: procs{tl.procsLo, tl.procsHi},
	}
	for _, l := range tl.lanes {
		s.lanes = append(s.lanes, l.name)
	}
	return s
}

// Lane is one row of a timeline, usually one goroutine or worker. Its
// methods are safe for concurrent use, though a lane reads best when one
// goroutine records on it.
type Lane struct {
	tl   *Timeline
	name string
}

// Name returns the lane's name.
func (l *Lane) Name() string { return l.name }

// Run calls fn and records a running span around it.
func (l *Lane) Run(fn func()) { l.Do(Running, "", fn) }

// Wait calls fn and records a waiting span around it: use it around a
// channel operation, a lock or a WaitGroup.Wait.
func (l *Lane) Wait(fn func()) { l.Do(Waiting, "", fn) }

// Sleep sleeps for d and records a sleeping span.
func (l *Lane) Sleep(d time.Duration) { l.Do(Sleeping, "", func() { time.Sleep(d) }) }

// Do calls fn and records a span of the given kind around it, with a label
// drawn inside the span when it fits.
func (l *Lane) Do(kind Kind, label string, fn func()) {
	end := l.tl.begin(l.name, kind, label)
	defer end()
	fn()
}

// Begin starts a span of the given kind and returns the func that ends it.
// A span not ended when the timeline stops ends then.
func (l *Lane) Begin(kind Kind) (end func()) { return l.tl.begin(l.name, kind, "") }

// Mark records an instant event, drawn as a tick with its label.
func (l *Lane) Mark(label string) { l.tl.mark(l.name, label) }
