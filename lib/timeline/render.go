package timeline

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// snapshot is a stopped timeline's data, copied out for drawing.
type snapshot struct {
	id    string
	lanes []string
	spans []Span
	marks []Mark
	end   time.Duration
	cpus  int
	procs int
}

// Colours: the "Dark2" set, safe for colour-blind readers; kinds also
// differ by texture (solid, stripes, dots) so they read without colour. The
// picture has its own light background, so it reads the same in light and
// dark notebook themes.
const (
	colorRunning  = "#1b9e77"
	colorWaiting  = "#d95f02"
	colorSleeping = "#7570b3"
	colorText     = "#222222"
	colorMuted    = "#555555"
	colorGrid     = "#e2e2e2"
)

// Layout, in pixels.
const (
	svgWidth  = 720
	pad       = 16  // around everything
	legendH   = 30  // legend row at the top
	axisH     = 30  // axis line and tick labels under the lanes
	captionH  = 22  // caption line at the bottom
	charWidth = 6.8 // rough width of a 12px sans-serif character
	minNameW  = 60
	maxNameW  = 180
	gap       = 10 // between lane names and the plot
)

// layout places a snapshot's parts in the picture.
type layout struct {
	nameW         float64 // lane name column
	x0, x1        float64 // plot area, left and right
	top           float64 // y of the first lane
	rowH, barH    float64
	barTop        float64 // bar's offset in its row; mark labels sit above it
	axisY, height float64
	axisMax, step float64 // in ms
	tickDecimals  int
	laneCount     int
	nameFits      int // runes of a lane name that fit its column
	fontSize      int
	smallFontSize int
}

func newLayout(s snapshot) layout {
	n := max(len(s.lanes), 1) // an empty timeline still gets a row, for its note
	var l layout
	l.laneCount = n
	switch {
	case n <= 16:
		l.rowH, l.fontSize = 28, 12
	case n <= 40:
		l.rowH, l.fontSize = 20, 11
	default:
		l.rowH, l.fontSize = 14, 9
	}
	l.barH = math.Round(l.rowH * 0.64)
	l.barTop = (l.rowH - l.barH) / 2
	l.smallFontSize = min(l.fontSize-2, 10)
	if len(s.marks) > 0 {
		// A band at the top of each row for mark labels, so they don't
		// cover the bars or the labels inside them.
		band := float64(l.smallFontSize) + 2
		l.rowH += band
		l.barTop += band
	}

	longest := 0
	for _, name := range s.lanes {
		longest = max(longest, utf8.RuneCountInString(name))
	}
	l.nameW = min(max(float64(longest)*charWidth+4, minNameW), maxNameW)
	l.nameFits = int((l.nameW-4)/charWidth + 1e-6)

	l.x0 = pad + l.nameW + gap
	l.x1 = svgWidth - pad - 12 // room for the last tick label
	l.top = pad + legendH
	l.axisY = l.top + float64(n)*l.rowH + 4
	l.height = l.axisY + axisH + captionH + pad

	l.step, l.axisMax, l.tickDecimals = ticks(ms(s.end))
	return l
}

// x returns the x coordinate of time d.
func (l layout) x(d time.Duration) float64 {
	return l.x0 + ms(d)/l.axisMax*(l.x1-l.x0)
}

func (l layout) laneY(i int) float64 { return l.top + float64(i)*l.rowH }

// textWidth estimates the width of s in the small font of labels.
func (l layout) textWidth(s string) float64 {
	return float64(utf8.RuneCountInString(s)) * charWidth * float64(l.smallFontSize) / 12
}

// ticks returns a "nice" tick step (1, 2, 2.5 or 5 times a power of ten):
// the smallest that cuts [0, endMS] into at most maxTicks steps. It also
// returns the axis end (the first multiple of step at or after endMS) and
// the decimals tick labels need.
func ticks(endMS float64) (step, axisMax float64, decimals int) {
	const maxTicks = 10
	endMS = max(endMS, 0.001) // a microsecond: an empty timeline still has an axis
	exp := math.Floor(math.Log10(endMS / maxTicks))
	for {
		pow := math.Pow(10, exp)
		for _, m := range []float64{1, 2, 2.5, 5} {
			step = m * pow
			if n := math.Ceil(endMS/step - 1e-9); n <= maxTicks {
				decimals = int(-exp)
				if m == 2.5 {
					decimals++ // 2.5, 25, 0.25: one digit more than 2 or 5
				}
				return step, n * step, max(decimals, 0)
			}
		}
		exp++
	}
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// formatMS formats d in milliseconds with precision fitting its size.
func formatMS(d time.Duration) string {
	v := ms(d)
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// num formats a coordinate.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder never fail
	return b.String()
}

// truncate shortens s to n runes, ending it with an ellipsis if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

func (s snapshot) caption() string {
	return fmt.Sprintf("%d CPUs · GOMAXPROCS %d · wall time %s ms", s.cpus, s.procs, formatMS(s.end))
}

// svg draws the snapshot.
func (s snapshot) svg() string {
	l := newLayout(s)
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%s" viewBox="0 0 %d %s" font-family="sans-serif" font-size="%d" role="img">`,
		svgWidth, num(l.height), svgWidth, num(l.height), l.fontSize)
	p("\n<title>goroutine timeline: %d lanes, %s</title>\n", len(s.lanes), esc(s.caption()))
	s.defs(&b)
	p(`<rect class="background" x="0.5" y="0.5" width="%d" height="%s" rx="8" fill="#fcfcfc" stroke="#d0d0d0"/>`+"\n",
		svgWidth-1, num(l.height-1))
	s.legend(&b)

	// Row stripes and grid lines sit behind the lanes.
	p(`<g class="rows" fill="#f2f2f2">`)
	for i := 0; i < l.laneCount; i += 2 {
		p(`<rect x="%s" y="%s" width="%s" height="%s"/>`, num(pad), num(l.laneY(i)), num(svgWidth-2*pad), num(l.rowH))
	}
	p("</g>\n")
	s.axis(&b, l)

	spans, marks := s.byLane()
	for i, name := range s.lanes {
		s.lane(&b, l, i, name, coalesce(spans[name], l), marks[name])
	}
	if len(s.lanes) == 0 {
		p(`<text x="%s" y="%s" fill="%s" font-style="italic">nothing recorded</text>`+"\n",
			num(l.x0+8), num(l.laneY(0)+l.rowH/2+4), colorMuted)
	}

	// Where the timeline stopped, when the axis runs on past it.
	if xe := l.x(s.end); xe < l.x1-0.5 {
		p(`<line class="end" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#999999" stroke-dasharray="3 3"/>`+"\n",
			num(xe), num(xe), num(l.top), num(l.axisY))
	}

	p(`<text class="caption" x="%s" y="%s" fill="%s">%s</text>`+"\n",
		num(pad), num(l.axisY+axisH+captionH-6), colorMuted, esc(s.caption()))
	p("</svg>\n")
	return b.String()
}

func (s snapshot) defs(b *strings.Builder) {
	fmt.Fprintf(b, `<defs>
<pattern id="%[1]s-waiting" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe0cc"/><rect width="3" height="6" fill="%[2]s"/></pattern>
<pattern id="%[1]s-sleeping" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#e4e3f1"/><circle cx="3" cy="3" r="1.4" fill="%[3]s"/></pattern>
</defs>
`, s.id, colorWaiting, colorSleeping)
}

// fill returns the fill and stroke attributes of a span of kind k.
func (s snapshot) fill(k Kind) string {
	switch k {
	case Waiting:
		return fmt.Sprintf(`fill="url(#%s-waiting)" stroke="%s"`, s.id, colorWaiting)
	case Sleeping:
		return fmt.Sprintf(`fill="url(#%s-sleeping)" stroke="%s"`, s.id, colorSleeping)
	}
	return fmt.Sprintf(`fill="%s" stroke="%s"`, colorRunning, colorRunning)
}

func (s snapshot) legend(b *strings.Builder) {
	fmt.Fprintf(b, `<g class="legend" fill="%s">`, colorText)
	x := float64(pad)
	y := float64(pad) + 4
	for _, k := range []Kind{Running, Waiting, Sleeping} {
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="22" height="12" %s/>`, num(x), num(y), s.fill(k))
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(x+28), num(y+10), k)
		x += 28 + float64(len(k.String()))*charWidth + 20
	}
	if len(s.marks) > 0 {
		fmt.Fprintf(b, `<line x1="%[1]s" x2="%[1]s" y1="%[2]s" y2="%[3]s" stroke="%[4]s" stroke-width="2"/>`,
			num(x+4), num(y-1), num(y+13), colorText)
		fmt.Fprintf(b, `<text x="%s" y="%s">mark</text>`, num(x+12), num(y+10))
	}
	b.WriteString("</g>\n")
}

func (s snapshot) axis(b *strings.Builder, l layout) {
	fmt.Fprintf(b, `<g class="axis" fill="%s" font-size="%d">`, colorMuted, l.smallFontSize+1)
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">time (ms)</text>`, num(l.x0-gap), num(l.axisY+16))
	fmt.Fprintf(b, `<line x1="%s" x2="%s" y1="%[3]s" y2="%[3]s" stroke="%s"/>`, num(l.x0), num(l.x1), num(l.axisY), colorMuted)
	steps := int(math.Round(l.axisMax / l.step))
	for i := 0; i <= steps; i++ {
		v := float64(i) * l.step
		x := l.x0 + v/l.axisMax*(l.x1-l.x0)
		fmt.Fprintf(b, `<g class="tick" data-ms="%s">`, strconv.FormatFloat(v, 'f', l.tickDecimals, 64))
		fmt.Fprintf(b, `<line x1="%[1]s" x2="%[1]s" y1="%[2]s" y2="%[3]s" stroke="%[4]s"/>`, num(x), num(l.top), num(l.axisY), colorGrid)
		fmt.Fprintf(b, `<line x1="%[1]s" x2="%[1]s" y1="%[2]s" y2="%[3]s" stroke="%[4]s"/>`, num(x), num(l.axisY), num(l.axisY+4), colorMuted)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`,
			num(x), num(l.axisY+16), strconv.FormatFloat(v, 'f', l.tickDecimals, 64))
		b.WriteString("</g>")
	}
	b.WriteString("</g>\n")
}

// byLane returns the spans, ordered by start, and the marks of each lane.
func (s snapshot) byLane() (map[string][]Span, map[string][]Mark) {
	spans := map[string][]Span{}
	for _, sp := range s.spans {
		spans[sp.Lane] = append(spans[sp.Lane], sp)
	}
	for _, list := range spans {
		slices.SortStableFunc(list, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	marks := map[string][]Mark{}
	for _, m := range s.marks {
		marks[m.Lane] = append(marks[m.Lane], m)
	}
	return spans, marks
}

// coalesce merges runs of tiny spans, so a loop that records a million
// spans still draws a picture of reasonable size: a span joins the one
// before it when both have the same kind and no label, the gap between them
// is under a pixel, and one of them is under two pixels wide. The merged
// span keeps the first one's start and the latest end.
func coalesce(spans []Span, l layout) []Span {
	pixel := time.Duration(l.axisMax / (l.x1 - l.x0) * float64(time.Millisecond))
	var out []Span
	for _, sp := range spans {
		if n := len(out); n > 0 {
			prev := &out[n-1]
			if prev.Kind == sp.Kind && prev.Label == "" && sp.Label == "" &&
				sp.Start-prev.End < pixel && sp.Start >= prev.Start &&
				(prev.End-prev.Start < 2*pixel || sp.End-sp.Start < 2*pixel) {
				prev.End = max(prev.End, sp.End)
				continue
			}
		}
		out = append(out, sp)
	}
	return out
}

// lane draws lane i: its name, its spans and its marks.
func (s snapshot) lane(b *strings.Builder, l layout, i int, name string, spans []Span, marks []Mark) {
	y := l.laneY(i)
	fmt.Fprintf(b, `<g class="lane" data-lane="%s">`, esc(name))
	fmt.Fprintf(b, `<text class="name" x="%s" y="%s" text-anchor="end" fill="%s">%s<title>%s</title></text>`,
		num(l.x0-gap), num(y+l.barTop+l.barH/2+float64(l.fontSize)/3), colorText, esc(truncate(name, l.nameFits)), esc(name))

	barY := y + l.barTop
	for _, sp := range spans {
		x, w := l.x(sp.Start), max(l.x(sp.End)-l.x(sp.Start), 1)
		title := fmt.Sprintf("%s: %s %s–%s ms", name, sp.Kind, formatMS(sp.Start), formatMS(sp.End))
		if sp.Label != "" {
			title += " (" + sp.Label + ")"
		}
		fmt.Fprintf(b, `<rect class="span %s" x="%s" y="%s" width="%s" height="%s" %s stroke-width="0.8"><title>%s</title></rect>`,
			sp.Kind, num(x), num(barY), num(w), num(l.barH), s.fill(sp.Kind), esc(title))
		if sp.Label != "" && l.textWidth(sp.Label)+6 < w {
			fmt.Fprintf(b, `<text class="label" x="%s" y="%s" font-size="%d" fill="%s" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text>`,
				num(x+3), num(barY+l.barH/2+float64(l.smallFontSize)/3), l.smallFontSize, colorText, esc(sp.Label))
		}
	}
	for _, m := range marks {
		x := l.x(m.At)
		fmt.Fprintf(b, `<g class="mark"><title>%s</title>`, esc(fmt.Sprintf("%s: %s at %s ms", name, m.Label, formatMS(m.At))))
		fmt.Fprintf(b, `<line x1="%[1]s" x2="%[1]s" y1="%[2]s" y2="%[3]s" stroke="%[4]s" stroke-width="2"/>`,
			num(x), num(y+1), num(y+l.rowH-1), colorText)
		// The label goes right of the tick, or left of it near the right edge.
		lx, anchor := x+3, "start"
		if x+3+l.textWidth(m.Label) > svgWidth-pad/2 {
			lx, anchor = x-3, "end"
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" font-size="%d" fill="%s" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text>`,
			num(lx), num(y+float64(l.smallFontSize)), anchor, l.smallFontSize, colorText, esc(m.Label))
		b.WriteString("</g>")
	}
	b.WriteString("</g>\n")
}

// summary is the text form: a caption line, then per lane the total time of
// each kind.
func (s snapshot) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "timeline: %d lanes · %s\n", len(s.lanes), s.caption())
	spans, marks := s.byLane()
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, name := range s.lanes {
		var total [3]time.Duration
		for _, sp := range spans[name] {
			if sp.Kind >= Running && sp.Kind <= Sleeping {
				total[sp.Kind] += sp.End - sp.Start
			}
		}
		fmt.Fprintf(tw, "%s\trunning %s ms\twaiting %s ms\tsleeping %s ms", name,
			formatMS(total[Running]), formatMS(total[Waiting]), formatMS(total[Sleeping]))
		if n := len(marks[name]); n > 0 {
			fmt.Fprintf(tw, "\t%d marks", n)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush() // writes to a strings.Builder never fail
	return strings.TrimSuffix(b.String(), "\n")
}
