// Package progress shows a progress bar for long cells, updated in place.
//
// Notebook code imports it as "gokernel/progress":
//
//	bar := progress.New(100)
//	for i := 0; i < 100; i++ { work(i); bar.Add(1) }
//	bar.Done()
//
//	progress.Each(100, func(i int) { work(i) })
//
//	for i := range progress.Range(100) { work(i) }
//
// The bar is an HTML <progress> element (JupyterLab's sanitizer keeps it,
// so it shows in a notebook JupyterLab doesn't trust), a PNG of the same
// bar for front ends that show no HTML, and a text fallback such as
// "[##########          ] 50/100". Updates are throttled to about ten a
// second, plus the final one, so a loop of a million steps sends a handful
// of messages, not a million.
package progress

import (
	"encoding/base64"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/lib/display"
)

// minInterval is the least time between two updates sent for a bar, but for
// the final ones.
const minInterval = 100 * time.Millisecond

// textWidth is the number of characters inside the text bar's brackets.
const textWidth = 20

// Bar is a progress bar in its own display. Its methods are safe for
// concurrent use, so several goroutines may Add to one bar.
type Bar struct {
	h     *display.Handle
	total int
	start time.Time

	mu     sync.Mutex // held while sending, so updates arrive in order
	n      int
	sentN  int
	sentAt time.Time
	done   bool
}

func newBar(sink display.Sink, total int) *Bar {
	b := &Bar{h: display.NewHandle(sink), total: max(total, 0), start: time.Now()}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.send(b.start)
	return b
}

// Add adds n steps to the bar.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.set(b.n + n)
}

// Set sets the number of steps done.
func (b *Bar) Set(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.set(n)
}

// Done shows the bar's final state with the time it took. After Done the
// bar no longer changes.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	b.send(time.Now())
}

// set records n steps done and sends an update when one is due: when the
// bar first reaches its total, or when the last update is minInterval old.
// b.mu must be held.
func (b *Bar) set(n int) {
	if b.done {
		return
	}
	b.n = max(n, 0)
	now := time.Now()
	reached := b.n >= b.total && b.sentN < b.total
	due := b.n != b.sentN && now.Sub(b.sentAt) >= minInterval
	if reached || due {
		b.send(now)
	}
}

// send shows the bar as it is now. b.mu must be held.
func (b *Bar) send(now time.Time) {
	b.sentN, b.sentAt = b.n, now
	elapsed := now.Sub(b.start)
	b.h.Display(display.Bundle{
		display.MIMEHTML: barHTML(b.n, b.total, elapsed, b.done),
		display.MIMEPNG:  base64.StdEncoding.EncodeToString(barPicture(b.n, b.total, elapsed, b.done).PNG(pngScale)),
		display.MIMEText: barText(b.n, b.total),
	})
}

// fraction returns how much of the bar is filled, from 0 to 1.
func fraction(n, total int) float64 {
	if total <= 0 {
		return 1
	}
	return min(float64(n)/float64(total), 1)
}

// barText returns the text form, e.g. "[##########          ] 50/100".
func barText(n, total int) string {
	filled := int(fraction(n, total) * textWidth)
	return fmt.Sprintf("[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", textWidth-filled), n, total)
}

// barHTML returns the HTML form: a <progress> element and a line of text.
// It sets no colours, so it follows the notebook's theme.
func barHTML(n, total int, elapsed time.Duration, done bool) string {
	return fmt.Sprintf(`<div class="gokernel-progress" style="display:flex;align-items:center;gap:0.6em;font-family:sans-serif;font-size:13px">`+
		`<progress value="%d" max="%d" style="width:24em;height:1em"></progress>`+
		`<span>%s</span></div>`,
		min(n, total), max(total, 1), html.EscapeString(status(n, total, elapsed, done)))
}

// status is the line beside the bar, e.g. "50/100 (50%) · 1.2s".
func status(n, total int, elapsed time.Duration, done bool) string {
	t := formatElapsed(elapsed)
	if done {
		t = "done in " + t
	}
	return fmt.Sprintf("%d/%d (%.0f%%) · %s", n, total, 100*fraction(n, total), t)
}

// formatElapsed rounds d for showing: to milliseconds under a second, to
// tenths of a second above.
func formatElapsed(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// bars holds the functions notebook code calls, bound to one session's
// sink. Its exported methods are the package-level functions of
// "gokernel/progress" as notebook code sees them.
type bars struct {
	sink display.Sink
}

// New shows a bar for total steps and returns it.
func (p bars) New(total int) *Bar { return newBar(p.sink, total) }

// Each calls fn for i from 0 to n-1, advancing a bar after each call.
func (p bars) Each(n int, fn func(i int)) {
	bar := newBar(p.sink, n)
	defer bar.Done()
	for i := 0; i < n; i++ {
		fn(i)
		bar.Add(1)
	}
}

// Range returns a channel of 0 to n-1 for a range loop, and a bar that
// advances as the loop takes values: it counts a value once the loop has
// taken it, so it shows done when the last iteration starts.
//
// A goroutine feeds the channel and closes it after the last value. If the
// loop stops early (break, return, panic) that goroutine stays blocked until
// the session ends; use Each, or New and Add, for loops that may stop early.
func (p bars) Range(n int) <-chan int {
	bar := newBar(p.sink, n)
	ch := make(chan int)
	// Exits once the loop has taken all n values; see above.
	go func() {
		defer close(ch)
		defer bar.Done()
		for i := 0; i < n; i++ {
			ch <- i
			bar.Set(i + 1)
		}
	}()
	return ch
}
