package timeline

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokernel/gokernel/lib/internal/picture"
)

// snapshot is a stopped timeline's data, copied out for drawing.
type snapshot struct {
	id    string
	title string
	lanes []string
	spans []Span
	marks []Mark
	msgs  []Message
	end   time.Duration
	cpus  int
	procs procs
}

// procs is the range of GOMAXPROCS values a timeline was recorded with.
type procs struct{ lo, hi int }

// String returns "2", or "1–2" when GOMAXPROCS changed while recording.
func (p procs) String() string {
	if p.lo == p.hi {
		return strconv.Itoa(p.lo)
	}
	return fmt.Sprintf("%d–%d", p.lo, p.hi)
}

// Colours: the "Dark2" set, safe for colour-blind readers; kinds also
// differ by texture (solid, stripes, dots) so they read without colour. The
// picture has its own light card, so it reads the same in light and dark
// notebook themes, in the SVG and in the PNG.
var (
	colorRunning  = picture.Hex("#1b9e77")
	colorWaiting  = picture.Hex("#d95f02")
	colorSleeping = picture.Hex("#7570b3")
	// The light grounds of the waiting and sleeping textures.
	groundWaiting  = picture.Hex("#fbe0cc")
	groundSleeping = picture.Hex("#e4e3f1")
	colorText      = picture.Hex("#222222")
	colorMuted     = picture.Hex("#555555")
	colorGrid      = picture.Hex("#e2e2e2")
	colorCard      = picture.Hex("#fcfcfc")
	colorBorder    = picture.Hex("#d0d0d0")
	colorRow       = picture.Hex("#f2f2f2")
	colorEnd       = picture.Hex("#999999")
	colorMessage   = picture.Hex("#2a2a2a")
	colorHalo      = picture.Hex("#ffffff")
)

// Layout, in CSS pixels.
const (
	width    = 720
	pad      = 16 // around everything
	legendH  = 30 // legend row at the top
	headerH  = 22 // a panel's title row
	panelGap = 10 // between panels
	axisH    = 30 // axis line and tick labels under the lanes
	captionH = 22 // caption line at the bottom
	noteH    = 16 // the PNG's note on characters it could not draw
	minNameW = 60
	maxNameW = 180
	gap      = 10 // between lane names and the plot
)

// pngScale is the PNG's device pixels per CSS pixel: twice, for sharp text
// on high-density screens; its metadata asks front ends to show it at the
// SVG's size. A tall picture (many lanes) gets one pixel per CSS pixel, and
// a very tall one no PNG, so that painting it never takes hundreds of MB.
const (
	pngScale     = 2
	sharpUpTo    = 2000  // CSS px of height drawn at pngScale
	maxPNGHeight = 16000 // CSS px of height drawn at all: about 1,100 lanes
)

// scaleFor returns the PNG scale for a picture height px tall, 0 for none.
func scaleFor(height float64) float64 {
	switch {
	case height <= sharpUpTo:
		return pngScale
	case height <= maxPNGHeight:
		return 1
	}
	return 0
}

// panel is one timeline in a picture, and where its rows are.
type panel struct {
	snapshot
	header float64 // y of the title row; the rows start below it
	top    float64 // y of the first lane
	labels []box   // where mark and message labels went, so that they don't overlap
}

// layout places the parts of a picture of one or more timelines that
// share one time axis.
type layout struct {
	fonts          *picture.Fonts
	panels         []panel
	headers        bool // panels have title rows
	nameW          float64
	x0, x1         float64 // plot area, left and right
	rowH, barH     float64
	barTop         float64 // bar's offset in its row; mark labels sit above it
	gridTop, axisY float64
	height         float64
	axisMax, step  float64 // in ms
	tickDecimals   int
	fontSize       float64
	small          float64 // labels, marks, messages
	missing        []rune  // characters the PNG can't draw
}

func newLayout(fonts *picture.Fonts, snaps []snapshot) layout {
	l := layout{fonts: fonts}
	lanes, anyMarks, anyMsgs, end := 0, false, false, time.Duration(0)
	for _, s := range snaps {
		lanes += max(len(s.lanes), 1) // an empty timeline still gets a row, for its note
		anyMarks = anyMarks || len(s.marks) > 0
		anyMsgs = anyMsgs || len(s.msgs) > 0
		end = max(end, s.end)
		l.headers = l.headers || s.title != ""
	}
	l.headers = l.headers || len(snaps) > 1
	switch {
	case lanes <= 16:
		l.rowH, l.fontSize = 28, 12
	case lanes <= 40:
		l.rowH, l.fontSize = 20, 11
	default:
		l.rowH, l.fontSize = 14, 9
	}
	l.barH = math.Round(l.rowH * 0.64)
	if anyMsgs {
		l.rowH += math.Round(l.rowH * 0.3) // room between bars for the arrows
	}
	l.barTop = (l.rowH - l.barH) / 2
	l.small = min(l.fontSize-2, 10)
	if anyMarks {
		// A band at the top of each row for mark labels, so they don't
		// cover the bars or the labels inside them.
		band := l.small + 2
		l.rowH += band
		l.barTop += band
	}

	longest := 0.0
	for _, s := range snaps {
		for _, name := range s.lanes {
			longest = max(longest, l.width(name, l.fontSize, false))
		}
	}
	l.nameW = min(max(longest+4, minNameW), maxNameW)
	l.x0 = pad + l.nameW + gap
	l.x1 = width - pad - 12 // room for the last tick label

	y := float64(pad + legendH)
	l.gridTop = y
	for i, s := range snaps {
		p := panel{snapshot: s, header: y}
		if i > 0 {
			p.header += panelGap
		}
		p.top = p.header
		if l.headers {
			p.top += headerH
		}
		if i == 0 {
			l.gridTop = p.top
		}
		y = p.top + float64(max(len(s.lanes), 1))*l.rowH
		l.panels = append(l.panels, p)
	}
	l.axisY = y + 4
	l.height = l.axisY + axisH + captionH + pad
	l.step, l.axisMax, l.tickDecimals = ticks(ms(end))
	return l
}

// svgSlack is how much wider than the Go font a browser's sans-serif may
// draw the SVG's text (DejaVu Sans, on Linux, is 8% wider): the layout
// leaves that much room wherever text must fit or must not meet other
// text.
const svgSlack = 1.1

// width returns the room s needs at size px, in the SVG and the PNG.
func (l *layout) width(s string, size float64, bold bool) float64 {
	return l.fonts.Width(s, size, bold) * svgSlack
}

// fit returns s, shortened with an ellipsis if needed to fit in w px.
func (l *layout) fit(s string, w, size float64) string {
	return l.fonts.Fit(s, w/svgSlack, size, false)
}

// x returns the x coordinate of time d.
func (l *layout) x(d time.Duration) float64 {
	return l.x0 + ms(d)/l.axisMax*(l.x1-l.x0)
}

// laneY returns the y of lane i of panel p.
func (l *layout) laneY(p *panel, i int) float64 { return p.top + float64(i)*l.rowH }

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

func (s snapshot) caption() string {
	return fmt.Sprintf("%d CPUs · GOMAXPROCS %s · wall time %s ms", s.cpus, s.procs, formatMS(s.end))
}

// drawTimelines draws one or more timelines on one time axis; caption is
// the line under the axis. With characters no font has, the PNG gets a note
// under the caption (the SVG, drawn by a browser, a blank line).
func drawTimelines(fonts *picture.Fonts, snaps []snapshot, title, caption string) (*picture.Picture, layout) {
	l := newLayout(fonts, snaps)
	pic := &picture.Picture{Width: width, Height: l.height, Title: title, FontSize: l.fontSize, Fonts: fonts}
	id := snaps[0].id
	pWaiting := &picture.Pattern{ID: id + "-waiting", Kind: picture.Stripes, Ink: colorWaiting, Ground: groundWaiting}
	pSleeping := &picture.Pattern{ID: id + "-sleeping", Kind: picture.Dots, Ink: colorSleeping, Ground: groundSleeping}
	pic.Patterns = []*picture.Pattern{pWaiting, pSleeping}
	fills := map[Kind]picture.Fill{
		Running:  picture.Solid(colorRunning),
		Waiting:  {Pattern: pWaiting},
		Sleeping: {Pattern: pSleeping},
	}
	strokes := map[Kind]color.RGBA{Running: colorRunning, Waiting: colorWaiting, Sleeping: colorSleeping}
	d := drawer{l: &l, pic: pic, fills: fills, strokes: strokes}

	pic.Add(&picture.Rect{Meta: picture.Meta{Class: "background"}, X: 0.5, Y: 0.5, W: width - 1, H: l.height - 1, Radius: 8,
		Fill: picture.Solid(colorCard), Stroke: colorBorder, StrokeWidth: 1})
	anyMsgs, anyMarks := false, false
	for _, s := range snaps {
		anyMsgs = anyMsgs || len(s.msgs) > 0
		anyMarks = anyMarks || len(s.marks) > 0
	}
	d.legend(anyMarks, anyMsgs)

	// Row stripes and grid lines sit behind the lanes.
	rows := pic.Sub(picture.Meta{Class: "rows"})
	for pi := range l.panels {
		p := &l.panels[pi]
		for i := 0; i < max(len(p.lanes), 1); i += 2 {
			rows.Add(&picture.Rect{X: pad, Y: l.laneY(p, i), W: width - 2*pad, H: l.rowH, Fill: picture.Solid(colorRow)})
		}
	}
	d.axis()
	for pi := range l.panels {
		d.panel(&l.panels[pi])
	}
	pic.Add(d.text(pad, l.axisY+axisH+captionH-6, caption, picture.Meta{Class: "caption"}, colorMuted, 0))
	if len(l.missing) > 0 {
		pic.Height += noteH
		pic.Items[0].(*picture.Rect).H += noteH
		pic.Add(&picture.Text{X: pad, Y: l.height + noteH - 6, S: fmt.Sprintf("Boxes stand for %s no font on this machine has; the picture's text names them.", plural(len(l.missing), "character")),
			Size: l.small, Color: colorMuted, PNGOnly: true})
	}
	return pic, l
}

// drawer adds a layout's parts to a picture.
type drawer struct {
	l       *layout
	pic     *picture.Picture
	fills   map[Kind]picture.Fill
	strokes map[Kind]color.RGBA
}

// text returns a text item, noting characters the PNG can't draw.
func (d *drawer) text(x, y float64, s string, m picture.Meta, c color.RGBA, size float64) *picture.Text {
	for _, r := range d.l.fonts.Missing(s) {
		if !slices.Contains(d.l.missing, r) {
			d.l.missing = append(d.l.missing, r)
		}
	}
	return &picture.Text{Meta: m, X: x, Y: y, S: s, Size: size, Color: c}
}

// label returns a small text with a white halo, readable over bars.
func (d *drawer) label(x, y float64, s string, m picture.Meta) *picture.Text {
	t := d.text(x, y, s, m, colorText, d.l.small)
	t.Halo, t.HaloWidth = colorHalo, 3
	return t
}

func (d *drawer) legend(marks, msgs bool) {
	g := d.pic.Sub(picture.Meta{Class: "legend"})
	x, y := float64(pad), float64(pad)+4
	for _, k := range []Kind{Running, Waiting, Sleeping} {
		g.Add(&picture.Rect{X: x, Y: y, W: 22, H: 12, Fill: d.fills[k], Stroke: d.strokes[k], StrokeWidth: 1})
		g.Add(d.text(x+28, y+10, k.String(), picture.Meta{}, colorText, 0))
		x += 28 + d.l.width(k.String(), d.l.fontSize, false) + 16
	}
	if marks {
		g.Add(&picture.Line{X1: x + 4, Y1: y - 1, X2: x + 4, Y2: y + 13, Stroke: colorText, Width: 2})
		g.Add(d.text(x+12, y+10, "mark", picture.Meta{}, colorText, 0))
		x += 12 + d.l.width("mark", d.l.fontSize, false) + 16
	}
	if msgs {
		g.Add(arrow(x, y+6, x+22, y+6, colorMessage, 1.2, 6)...)
		g.Add(d.text(x+28, y+10, "message", picture.Meta{}, colorText, 0))
	}
}

func (d *drawer) axis() {
	l := d.l
	g := d.pic.Sub(picture.Meta{Class: "axis"})
	size := l.small + 1
	g.Add(&picture.Text{X: l.x0 - gap, Y: l.axisY + 16, S: "time (ms)", Anchor: picture.End, Size: size, Color: colorMuted})
	g.Add(&picture.Line{X1: l.x0, Y1: l.axisY, X2: l.x1, Y2: l.axisY, Stroke: colorMuted, Width: 1})
	steps := int(math.Round(l.axisMax / l.step))
	for i := 0; i <= steps; i++ {
		v := float64(i) * l.step
		x := l.x0 + v/l.axisMax*(l.x1-l.x0)
		label := strconv.FormatFloat(v, 'f', l.tickDecimals, 64)
		t := g.Sub(picture.Meta{Class: "tick", Attrs: []picture.Attr{{Name: "data-ms", Value: label}}})
		t.Add(&picture.Line{X1: x, Y1: l.gridTop, X2: x, Y2: l.axisY, Stroke: colorGrid, Width: 1})
		t.Add(&picture.Line{X1: x, Y1: l.axisY, X2: x, Y2: l.axisY + 4, Stroke: colorMuted, Width: 1})
		t.Add(&picture.Text{X: x, Y: l.axisY + 16, S: label, Anchor: picture.Middle, Size: size, Color: colorMuted})
	}
}

// panel draws one timeline's title row, lanes, end line and messages.
func (d *drawer) panel(p *panel) {
	l := d.l
	g := d.pic.Sub(picture.Meta{Class: "panel"})
	if l.headers {
		head := g.Sub(picture.Meta{Class: "header"})
		y := p.header + headerH - 7
		t := d.text(pad, y, p.title, picture.Meta{Class: "title"}, colorText, 0)
		t.Bold = true
		if len(l.panels) > 1 {
			// In a comparison, what differs between the panels.
			t.More = []picture.Run{{S: fmt.Sprintf("GOMAXPROCS %s · %s ms%s", p.procs, formatMS(p.end), p.messageCaption()), Color: colorMuted, Gap: 10}}
		}
		head.Add(t)
	}

	spans, marks := p.byLane()
	for i, name := range p.lanes {
		d.lane(g, p, i, name, coalesce(spans[name], l), marks[name])
	}
	if len(p.lanes) == 0 {
		g.Add(&picture.Text{X: l.x0 + 8, Y: l.laneY(p, 0) + l.rowH/2 + 4, S: "nothing recorded", Color: colorMuted})
	}
	// Where the timeline stopped, when the axis runs on past it.
	bottom := l.laneY(p, max(len(p.lanes), 1))
	if xe := l.x(p.end); xe < l.x1-0.5 {
		top := p.top
		if p.header == l.panels[0].header {
			top = l.gridTop
		}
		g.Add(&picture.Line{Meta: picture.Meta{Class: "end"}, X1: xe, Y1: top, X2: xe, Y2: bottom, Stroke: colorEnd, Width: 1, Dash: 3})
	}
	d.messages(g, p)
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
func coalesce(spans []Span, l *layout) []Span {
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
func (d *drawer) lane(parent *picture.Group, p *panel, i int, name string, spans []Span, marks []Mark) {
	l := d.l
	y := l.laneY(p, i)
	g := parent.Sub(picture.Meta{Class: "lane", Attrs: []picture.Attr{{Name: "data-lane", Value: name}}})
	shown := l.fit(name, l.nameW, l.fontSize)
	t := d.text(l.x0-gap, y+l.barTop+l.barH/2+l.fontSize/3, shown, picture.Meta{Class: "name", Title: name}, colorText, 0)
	t.Anchor = picture.End
	g.Add(t)

	barY := y + l.barTop
	for _, sp := range spans {
		x, w := l.x(sp.Start), max(l.x(sp.End)-l.x(sp.Start), 1)
		title := fmt.Sprintf("%s: %s %s–%s ms", name, sp.Kind, formatMS(sp.Start), formatMS(sp.End))
		if sp.Label != "" {
			title += " (" + sp.Label + ")"
		}
		kind := sp.Kind
		if _, ok := d.fills[kind]; !ok {
			kind = Running
		}
		g.Add(&picture.Rect{Meta: picture.Meta{Class: "span " + sp.Kind.String(), Title: title}, X: x, Y: barY, W: w, H: l.barH,
			Fill: d.fills[kind], Stroke: d.strokes[kind], StrokeWidth: 0.8})
		if sp.Label != "" && l.width(sp.Label, l.small, false)+6 < w {
			g.Add(d.label(x+3, barY+l.barH/2+l.small/3, sp.Label, picture.Meta{Class: "label"}))
		}
	}
	for _, m := range marks {
		x := l.x(m.At)
		mg := g.Sub(picture.Meta{Class: "mark", Title: fmt.Sprintf("%s: %s at %s ms", name, m.Label, formatMS(m.At))})
		mg.Add(&picture.Line{X1: x, Y1: y + 1, X2: x, Y2: y + l.rowH - 1, Stroke: colorText, Width: 2})
		// The label goes right of the tick, or left of it near the right edge.
		t := d.label(x+3, y+l.small, m.Label, picture.Meta{})
		tw := l.width(m.Label, l.small, false)
		if x+3+tw > width-pad/2 {
			t.X, t.Anchor = x-3, picture.End
			p.labels = append(p.labels, box{x - 3 - tw, y, x, y + l.small + 2})
		} else {
			p.labels = append(p.labels, box{x, y, x + 3 + tw, y + l.small + 2})
		}
		mg.Add(t)
	}
}

// Message arrows get thinner, and lose their labels, as they get many.
const (
	fewMessages  = 12 // at most this many: labels, where they fit
	manyMessages = 50 // more: hairlines
)

// messages draws an arrow for each value passed on a channel, from the
// sender's lane at the send to the receiver's at the receive.
func (d *drawer) messages(parent *picture.Group, p *panel) {
	if len(p.msgs) == 0 {
		return
	}
	l := d.l
	laneOf := map[string]int{}
	for i, name := range p.lanes {
		laneOf[name] = i
	}
	n, _ := p.messageCounts()
	stroke, head, col := 1.2, 6.0, colorMessage
	switch {
	case n > manyMessages:
		stroke, head, col = 0.7, 4, picture.WithAlpha(colorMessage, 0.75)
	case n > fewMessages:
		stroke, head = 1, 5
	}
	g := parent.Sub(picture.Meta{Class: "messages"})
	for _, m := range p.msgs {
		if m.To == "" {
			continue // never received: the caption counts it
		}
		from, to := laneOf[m.From], laneOf[m.To]
		x1, x2 := l.x(m.Sent), l.x(m.Received)
		bar := func(i int) (top, bottom float64) {
			y := l.laneY(p, i) + l.barTop
			return y, y + l.barH
		}
		fromTop, fromBottom := bar(from)
		toTop, toBottom := bar(to)
		title := fmt.Sprintf("%s → %s: sent %s ms, received %s ms", m.From, m.To, formatMS(m.Sent), formatMS(m.Received))
		if m.Label != "" {
			title = fmt.Sprintf("%s → %s: %s, sent %s ms, received %s ms", m.From, m.To, m.Label, formatMS(m.Sent), formatMS(m.Received))
		}
		mg := g.Sub(picture.Meta{Class: "message", Title: title, Attrs: []picture.Attr{
			{Name: "data-from", Value: m.From}, {Name: "data-to", Value: m.To},
			{Name: "data-sent-ms", Value: strconv.FormatFloat(ms(m.Sent), 'f', 3, 64)},
			{Name: "data-received-ms", Value: strconv.FormatFloat(ms(m.Received), 'f', 3, 64)},
		}})
		var y1, y2 float64
		switch {
		case to > from:
			y1, y2 = fromBottom, toTop
		case to < from:
			y1, y2 = fromTop, toBottom
		default:
			// To the same lane: a loop over the bar.
			up := fromTop - min(l.barTop, 5)
			mg.Add(&picture.Line{X1: x1, Y1: fromTop, X2: x1, Y2: up, Stroke: col, Width: stroke})
			mg.Add(&picture.Line{X1: x1, Y1: up, X2: x2, Y2: up, Stroke: col, Width: stroke})
			x1, y1, y2 = x2, up, fromTop
		}
		mg.Add(arrow(x1, y1, x2, y2, col, stroke, head)...)
		if n <= fewMessages && m.Label != "" {
			tw := l.width(m.Label, l.small, false)
			mx, my := (x1+x2)/2+3, (y1+y2)/2+l.small/3
			b := box{mx - 2, my - l.small, mx + tw + 2, my + 3}
			if b.x1 < width-pad && !slices.ContainsFunc(p.labels, b.overlaps) {
				p.labels = append(p.labels, b)
				mg.Add(d.label(mx, my, m.Label, picture.Meta{Class: "message-label"}))
			}
		}
	}
}

type box struct{ x0, y0, x1, y1 float64 }

func (b box) overlaps(o box) bool { return b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1 }

// arrow returns a shaft from (x1, y1) to (x2, y2) and an arrowhead whose
// tip is at (x2, y2).
func arrow(x1, y1, x2, y2 float64, c color.RGBA, stroke, head float64) []picture.Item {
	dx, dy := x2-x1, y2-y1
	length := math.Hypot(dx, dy)
	if length < 1e-9 {
		dx, dy, length = 0, 1, 1
	}
	ux, uy := dx/length, dy/length
	head = min(head, max(length, 3))
	bx, by := x2-ux*head, y2-uy*head // the head's base
	half := head * 0.45
	return []picture.Item{
		&picture.Line{Meta: picture.Meta{Class: "shaft"}, X1: x1, Y1: y1, X2: x2 - ux*head*0.5, Y2: y2 - uy*head*0.5, Stroke: c, Width: stroke},
		&picture.Polygon{Meta: picture.Meta{Class: "head"}, Points: []picture.Point{
			{X: x2, Y: y2}, {X: bx - uy*half, Y: by + ux*half}, {X: bx + uy*half, Y: by - ux*half},
		}, Fill: c},
	}
}

// summary is the text form: a line saying what the picture shows, then per
// lane the total time of each kind.
func (s snapshot) summary(missing []rune) string {
	var b strings.Builder
	b.WriteString(s.headline())
	b.WriteString("\n")
	s.laneTable(&b, "")
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\n%s", missingNote(missing))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// headline is the summary's first line, e.g. "timeline: 3 lanes over
// 62.0 ms, 2 CPUs, GOMAXPROCS 2, overlap 48 %, 12 messages".
func (s snapshot) headline() string {
	h := "timeline"
	if s.title != "" {
		h += " " + strconv.Quote(s.title)
	}
	h += fmt.Sprintf(": %s over %s ms, %d CPUs, GOMAXPROCS %s, overlap %.0f %%", plural(len(s.lanes), "lane"), formatMS(s.end), s.cpus, s.procs, overlap(s.spans))
	received, inFlight := s.messageCounts()
	if received > 0 {
		h += ", " + plural(received, "message")
	}
	if inFlight > 0 {
		h += fmt.Sprintf(", %d sent and never received", inFlight)
	}
	return h
}

// laneTable writes a line per lane: time running, waiting and sleeping,
// marks, values sent and received.
func (s snapshot) laneTable(b *strings.Builder, indent string) {
	spans, marks := s.byLane()
	sent, got := map[string]int{}, map[string]int{}
	for _, m := range s.msgs {
		sent[m.From]++
		if m.To != "" {
			got[m.To]++
		}
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, name := range s.lanes {
		var total [3]time.Duration
		for _, sp := range spans[name] {
			if sp.Kind >= Running && sp.Kind <= Sleeping {
				total[sp.Kind] += sp.End - sp.Start
			}
		}
		fmt.Fprintf(tw, "%s%s\trunning %s ms\twaiting %s ms\tsleeping %s ms", indent, name,
			formatMS(total[Running]), formatMS(total[Waiting]), formatMS(total[Sleeping]))
		if n := len(marks[name]); n > 0 {
			fmt.Fprintf(tw, "\t%s", plural(n, "mark"))
		}
		if sent[name]+got[name] > 0 {
			fmt.Fprintf(tw, "\tsent %d, received %d", sent[name], got[name])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush() // writes to a strings.Builder never fail
}

// missingNote says which characters the PNG drew as boxes.
func missingNote(missing []rune) string {
	var chars []string
	for _, r := range missing {
		chars = append(chars, fmt.Sprintf("%c (U+%04X)", r, r))
	}
	return fmt.Sprintf("The PNG shows boxes for %s: no font on this machine has them. Set %s to a font file that has them; the SVG shows them with the browser's fonts.",
		strings.Join(chars, ", "), picture.FontsEnv)
}

// plural returns "1 lane", "2 lanes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
