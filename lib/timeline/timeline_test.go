package timeline

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/internal/symtest"
)

// node is an XML element with everything in it, for looking through an SVG.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return v
}

// hasClass reports whether n's class attribute lists c.
func (n node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attr("class")) {
		if f == c {
			return true
		}
	}
	return false
}

// all returns n's descendants (and n) with class c, in document order.
func (n node) all(c string) []node {
	var out []node
	if n.hasClass(c) {
		out = append(out, n)
	}
	for _, child := range n.Nodes {
		out = append(out, child.all(c)...)
	}
	return out
}

// title returns the text of n's title child.
func (n node) title() string {
	for _, c := range n.Nodes {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// text returns the character data of n and its descendants except titles.
func (n node) text() string {
	s := n.Text
	for _, c := range n.Nodes {
		if c.XMLName.Local != "title" {
			s += c.text()
		}
	}
	return s
}

// parseSVG parses s with encoding/xml, failing t unless it is one
// well-formed svg element.
func parseSVG(t *testing.T, s string) node {
	t.Helper()
	var root node
	if err := xml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatalf("SVG is not well-formed XML: %v\n%s", err, s)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element is %v, want svg in the SVG namespace", root.XMLName)
	}
	// Unmarshal stops after the root element: make sure nothing follows it.
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("SVG: %v", err)
			}
			break
		}
	}
	return root
}

// record fills a timeline with a known picture, in a synctest bubble so
// the times are exact:
//
//	worker 1: running 0–10, waiting 10–25, mark "got" at 25, sleeping 25–30
//	worker 2: sleeping 0–5, running 5–20 labelled "job 7"
func record(t *testing.T) *Timeline {
	t.Helper()
	var tl *Timeline
	synctest.Test(t, func(t *testing.T) {
		tl = New()
		w1, w2 := tl.Lane("worker 1"), tl.Lane("worker 2")
		ch := make(chan int)
		var wg sync.WaitGroup
		wg.Go(func() {
			w1.Run(func() { time.Sleep(10 * time.Millisecond) })
			w1.Wait(func() { <-ch })
			w1.Mark("got")
			w1.Sleep(5 * time.Millisecond)
		})
		wg.Go(func() {
			w2.Sleep(5 * time.Millisecond)
			w2.Do(Running, "job 7", func() { time.Sleep(15 * time.Millisecond) })
			time.Sleep(5 * time.Millisecond)
			ch <- 1
		})
		wg.Wait()
		tl.Stop()
	})
	return tl
}

func TestSpans(t *testing.T) {
	tl := record(t)
	got := tl.Spans()
	want := []Span{
		{Lane: "worker 1", Kind: Running, Start: 0, End: 10 * time.Millisecond},
		{Lane: "worker 2", Kind: Sleeping, Start: 0, End: 5 * time.Millisecond},
		{Lane: "worker 2", Kind: Running, Start: 5 * time.Millisecond, End: 20 * time.Millisecond, Label: "job 7"},
		{Lane: "worker 1", Kind: Waiting, Start: 10 * time.Millisecond, End: 25 * time.Millisecond},
		{Lane: "worker 1", Kind: Sleeping, Start: 25 * time.Millisecond, End: 30 * time.Millisecond},
	}
	if !sameSpans(got, want) {
		t.Errorf("spans:\ngot  %v\nwant %v", got, want)
	}
	if got, want := tl.Marks(), []Mark{{Lane: "worker 1", At: 25 * time.Millisecond, Label: "got"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("marks: got %v, want %v", got, want)
	}
}

func TestOverlap(t *testing.T) {
	// worker 1 runs 0-10 ms, worker 2 runs 5-20 ms: 20 ms busy, 5 of them both.
	if got := record(t).Overlap(); got != 25 {
		t.Errorf("Overlap() = %v, want 25", got)
	}
	if got := New().Overlap(); got != 0 {
		t.Errorf("Overlap() of an empty timeline = %v, want 0", got)
	}
}

// sameSpans compares spans as sets: goroutines started together may record
// in either order.
func sameSpans(got, want []Span) bool {
	if len(got) != len(want) {
		return false
	}
	left := append([]Span(nil), want...)
	for _, g := range got {
		i := -1
		for j, w := range left {
			if g == w {
				i = j
				break
			}
		}
		if i < 0 {
			return false
		}
		left = append(left[:i], left[i+1:]...)
	}
	return true
}

func TestSVG(t *testing.T) {
	tl := record(t)
	root := parseSVG(t, tl.SVG())

	if got, want := root.attr("width"), "720"; got != want {
		t.Errorf("width %q, want %q", got, want)
	}
	if root.attr("height") == "" || root.attr("viewBox") == "" || root.attr("font-family") != "sans-serif" {
		t.Errorf("svg element lacks height, viewBox or font-family: %v", root.Attrs)
	}
	if bg := root.all("background"); len(bg) != 1 || bg[0].attr("fill") == "none" {
		t.Errorf("want one opaque background rect, got %v", bg)
	}

	t.Run("lanes", func(t *testing.T) {
		var got []string
		for _, g := range root.all("lane") {
			got = append(got, g.attr("data-lane")+"|"+g.all("name")[0].text())
		}
		want := []string{"worker 1|worker 1", "worker 2|worker 2"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lanes %q, want %q", got, want)
		}
	})

	t.Run("span rects", func(t *testing.T) {
		x0, pxPerMS := axisScale(t, root)
		spansByLane := map[string][]Span{}
		for _, sp := range tl.Spans() {
			spansByLane[sp.Lane] = append(spansByLane[sp.Lane], sp)
		}
		for _, g := range root.all("lane") {
			lane := g.attr("data-lane")
			rects := g.all("span")
			spans := spansByLane[lane]
			if len(rects) != len(spans) {
				t.Fatalf("lane %s: %d rects, want %d", lane, len(rects), len(spans))
			}
			for i, r := range rects {
				sp := spans[i]
				if !r.hasClass(sp.Kind.String()) {
					t.Errorf("lane %s rect %d: class %q, want %s", lane, i, r.attr("class"), sp.Kind)
				}
				if got, want := r.num(t, "x"), x0+ms(sp.Start)*pxPerMS; math.Abs(got-want) > 0.02 {
					t.Errorf("lane %s rect %d: x %.2f, want %.2f", lane, i, got, want)
				}
				if got, want := r.num(t, "width"), ms(sp.End-sp.Start)*pxPerMS; math.Abs(got-want) > 0.02 {
					t.Errorf("lane %s rect %d: width %.2f, want %.2f", lane, i, got, want)
				}
			}
		}
	})

	t.Run("legend", func(t *testing.T) {
		legend := root.all("legend")
		if len(legend) != 1 {
			t.Fatalf("%d legends, want 1", len(legend))
		}
		text := legend[0].text()
		for _, want := range []string{"running", "waiting", "sleeping", "mark"} {
			if !strings.Contains(text, want) {
				t.Errorf("legend %q lacks %q", text, want)
			}
		}
	})

	t.Run("caption", func(t *testing.T) {
		caption := root.all("caption")
		if len(caption) != 1 {
			t.Fatalf("%d captions, want 1", len(caption))
		}
		got := caption[0].text()
		want := fmt.Sprintf("%d CPUs · GOMAXPROCS %d · wall time 30.0 ms", runtime.NumCPU(), runtime.GOMAXPROCS(0))
		if got != want {
			t.Errorf("caption %q, want %q", got, want)
		}
	})

	t.Run("marks and labels", func(t *testing.T) {
		if got := len(root.all("mark")); got != 1 {
			t.Errorf("%d marks, want 1", got)
		}
		labels := root.all("label")
		if len(labels) != 1 || labels[0].text() != "job 7" {
			t.Errorf("span labels %v, want one, job 7", labels)
		}
	})
}

// axisScale returns the x of time 0 and the pixels per millisecond, read
// from the axis ticks.
func axisScale(t *testing.T, root node) (x0, pxPerMS float64) {
	t.Helper()
	ticks := root.all("tick")
	if len(ticks) < 2 {
		t.Fatalf("%d ticks, want at least 2", len(ticks))
	}
	tickX := func(n node) (x, v float64) {
		t.Helper()
		for _, c := range n.Nodes {
			if c.XMLName.Local == "text" {
				v, err := strconv.ParseFloat(c.text(), 64)
				if err != nil {
					t.Fatalf("tick label %q: %v", c.text(), err)
				}
				return c.num(t, "x"), v
			}
		}
		t.Fatalf("tick without a label")
		return 0, 0
	}
	x0, v0 := tickX(ticks[0])
	x1, v1 := tickX(ticks[len(ticks)-1])
	if v0 != 0 {
		t.Fatalf("first tick is %v, want 0", v0)
	}
	return x0, (x1 - x0) / v1
}

func TestEscaping(t *testing.T) {
	tl := New()
	l := tl.Lane(`<a&b>`)
	l.Mark(`"x" < 'y'`)
	l.Do(Running, "</text>", func() {})
	svg := tl.SVG()
	if strings.Contains(svg, "<a&b>") {
		t.Errorf("lane name not escaped:\n%s", svg)
	}
	root := parseSVG(t, svg)
	lanes := root.all("lane")
	if len(lanes) != 1 {
		t.Fatalf("%d lanes, want 1", len(lanes))
	}
	if got, want := lanes[0].attr("data-lane"), "<a&b>"; got != want {
		t.Errorf("data-lane %q, want %q", got, want)
	}
	if got, want := lanes[0].all("name")[0].text(), "<a&b>"; got != want {
		t.Errorf("lane name %q, want %q", got, want)
	}
	if got, want := lanes[0].all("mark")[0].title(), `<a&b>: "x" < 'y' at `; !strings.HasPrefix(got, want) {
		t.Errorf("mark title %q, want prefix %q", got, want)
	}
	if got, want := lanes[0].all("span")[0].title(), " (</text>)"; !strings.HasSuffix(got, want) {
		t.Errorf("span title %q, want suffix %q", got, want)
	}
}

func TestConcurrentRecording(t *testing.T) {
	tl := New()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			l := tl.Lane(fmt.Sprintf("g%d", i%10)) // five goroutines share each lane
			l.Run(func() {})
			l.Wait(func() {})
			l.Sleep(time.Microsecond)
			l.Begin(Running)()
			l.Mark("m")
		})
	}
	wg.Wait()
	root := parseSVG(t, tl.SVG())
	if got, want := len(root.all("lane")), 10; got != want {
		t.Errorf("%d lanes, want %d", got, want)
	}
	if got, want := len(tl.Spans()), 50*4; got != want {
		t.Errorf("%d spans, want %d", got, want)
	}
	if got, want := len(tl.Marks()), 50; got != want {
		t.Errorf("%d marks, want %d", got, want)
	}
}

func TestStop(t *testing.T) {
	tests := []struct {
		name      string
		record    func(tl *Timeline)
		wantSpans []Span
		wantEnd   time.Duration
	}{
		{
			name: "open span closed at stop",
			record: func(tl *Timeline) {
				end := tl.Lane("a").Begin(Waiting)
				time.Sleep(7 * time.Millisecond)
				tl.Stop()
				time.Sleep(time.Millisecond)
				end() // too late: the span ended at Stop
			},
			wantSpans: []Span{{Lane: "a", Kind: Waiting, End: 7 * time.Millisecond}},
			wantEnd:   7 * time.Millisecond,
		},
		{
			name: "idle time before stop not drawn",
			record: func(tl *Timeline) {
				tl.Lane("a").Sleep(3 * time.Millisecond)
				tl.Lane("a").Mark("m")
				time.Sleep(time.Second)
				tl.Stop()
			},
			wantSpans: []Span{{Lane: "a", Kind: Sleeping, End: 3 * time.Millisecond}},
			wantEnd:   3 * time.Millisecond,
		},
		{
			name: "recording after stop ignored",
			record: func(tl *Timeline) {
				a := tl.Lane("a")
				a.Run(func() { time.Sleep(2 * time.Millisecond) })
				tl.Stop()
				a.Run(func() { time.Sleep(2 * time.Millisecond) })
				a.Mark("late")
				tl.Stop()
			},
			wantSpans: []Span{{Lane: "a", Kind: Running, End: 2 * time.Millisecond}},
			wantEnd:   2 * time.Millisecond,
		},
		{
			name: "rendering stops",
			record: func(tl *Timeline) {
				end := tl.Lane("a").Begin(Running)
				time.Sleep(4 * time.Millisecond)
				_ = tl.String()
				end()
			},
			wantSpans: []Span{{Lane: "a", Kind: Running, End: 4 * time.Millisecond}},
			wantEnd:   4 * time.Millisecond,
		},
		{
			name: "nothing recorded",
			record: func(tl *Timeline) {
				time.Sleep(5 * time.Millisecond)
				tl.Stop()
			},
			wantEnd: 5 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tl := New()
				tt.record(tl)
				if got := tl.Spans(); !reflect.DeepEqual(got, tt.wantSpans) {
					t.Errorf("spans: got %v, want %v", got, tt.wantSpans)
				}
				if got := tl.snapshot().end; got != tt.wantEnd {
					t.Errorf("end: got %v, want %v", got, tt.wantEnd)
				}
			})
		})
	}
}

func TestSpansWhileOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tl := New()
		end := tl.Lane("a").Begin(Running)
		time.Sleep(3 * time.Millisecond)
		if got, want := tl.Spans()[0].End, 3*time.Millisecond; got != want {
			t.Errorf("open span's End in Spans: got %v, want %v (now)", got, want)
		}
		time.Sleep(time.Millisecond)
		end()
		if got, want := tl.Spans()[0].End, 4*time.Millisecond; got != want {
			t.Errorf("ended span's End: got %v, want %v", got, want)
		}
	})
}

// TestGOMAXPROCS: the caption gives the GOMAXPROCS the work was recorded
// with, though the cell restores it before the picture is drawn.
func TestGOMAXPROCS(t *testing.T) {
	caption := func(tl *Timeline) string { return parseSVG(t, tl.SVG()).all("caption")[0].text() }
	prev := runtime.GOMAXPROCS(1)
	one, both, none := New(), New(), New()
	one.Lane("a").Run(func() {})
	both.Lane("a").Mark("m")
	runtime.GOMAXPROCS(2)
	both.Lane("a").Run(func() {})
	runtime.GOMAXPROCS(prev)
	for _, tt := range []struct {
		tl   *Timeline
		want string
	}{
		{one, "GOMAXPROCS 1 "},
		{both, "GOMAXPROCS 1–2 "},
		{none, fmt.Sprintf("GOMAXPROCS %d ", prev)}, // nothing recorded: Stop's
	} {
		if got := caption(tt.tl); !strings.Contains(got, tt.want) {
			t.Errorf("caption %q lacks %q", got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	tl := record(t)
	want := fmt.Sprintf(`timeline: 2 lanes over 30.0 ms, %d CPUs, GOMAXPROCS %d, overlap 25 %%
worker 1  running 10.0 ms  waiting 15.0 ms  sleeping 5.00 ms  1 mark
worker 2  running 15.0 ms  waiting 0.00 ms  sleeping 5.00 ms`, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if got := tl.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMIMEBundle(t *testing.T) {
	tl := record(t)
	var r display.Renderer = tl
	b := r.MIMEBundle()
	if got, want := b[display.MIMESVG], tl.SVG(); got != want {
		t.Errorf("image/svg+xml differs from SVG()")
	}
	if got, want := b[display.MIMEText], tl.String(); got != want {
		t.Errorf("text/plain %q, want %q", got, want)
	}
	data, err := base64.StdEncoding.DecodeString(b[display.MIMEPNG].(string))
	if err != nil {
		t.Fatalf("image/png is not base64: %v", err)
	}
	if !bytes.Equal(data, tl.PNG()) {
		t.Errorf("image/png differs from PNG()")
	}
	img := decodePNG(t, data)
	height := parseSVG(t, tl.SVG()).num(t, "height")
	if got, want := img.Bounds().Size(), image.Pt(2*width, int(math.Ceil(2*height))); got != want {
		t.Errorf("PNG is %v, want %v: twice the SVG's size", got, want)
	}
	md := display.Metadata(b)
	if got, want := md[display.MIMEPNG], map[string]any{"width": width, "height": int(math.Round(height))}; !reflect.DeepEqual(got, want) {
		t.Errorf("metadata of the PNG %v, want %v: shown at the SVG's size", got, want)
	}
	if got := len(b); got != 3 {
		t.Errorf("bundle has %d formats, want 3", got)
	}
	// The bundle is complete as it is: display adds no HTML form.
	if got, _ := display.BundleOf(tl); !reflect.DeepEqual(got, b) {
		t.Errorf("BundleOf changed the timeline's bundle: %v", got)
	}
}

func TestEmptyTimeline(t *testing.T) {
	root := parseSVG(t, New().SVG())
	if got := len(root.all("lane")); got != 0 {
		t.Errorf("%d lanes, want 0", got)
	}
	if len(root.all("tick")) < 2 {
		t.Error("an empty timeline has no axis")
	}
}

func TestManyTinySpansCoalesce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tl := New()
		l := tl.Lane("busy")
		for range 10000 {
			l.Run(func() { time.Sleep(time.Microsecond) })
		}
		l.Wait(func() { time.Sleep(5 * time.Millisecond) })
		root := parseSVG(t, tl.SVG())
		rects := root.all("span")
		if len(rects) != 2 {
			t.Fatalf("%d rects for 10000 tiny running spans and a wait, want 2", len(rects))
		}
		x0, pxPerMS := axisScale(t, root)
		if got, want := rects[0].num(t, "x")+rects[0].num(t, "width"), x0+10*pxPerMS; math.Abs(got-want) > 0.02 {
			t.Errorf("merged span ends at x %.2f, want %.2f (10 ms)", got, want)
		}
	})
}

func TestTicks(t *testing.T) {
	tests := []struct {
		endMS        float64
		wantStep     float64
		wantAxisMax  float64
		wantDecimals int
	}{
		{62.6, 10, 70, 0},
		{81, 10, 90, 0},
		{100, 10, 100, 0},
		{101, 20, 120, 0},
		{201, 25, 225, 0},
		{30, 5, 30, 0},
		{2.2, 0.25, 2.25, 2},
		{0.5, 0.05, 0.5, 2},
		{0, 0.0001, 0.001, 4},
		{4000, 500, 4000, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.endMS), func(t *testing.T) {
			step, axisMax, decimals := ticks(tt.endMS)
			if math.Abs(step-tt.wantStep) > 1e-9 || math.Abs(axisMax-tt.wantAxisMax) > 1e-9 || decimals != tt.wantDecimals {
				t.Errorf("got step %v, axis %v, decimals %d; want %v, %v, %d",
					step, axisMax, decimals, tt.wantStep, tt.wantAxisMax, tt.wantDecimals)
			}
		})
	}
}

func TestExports(t *testing.T) {
	syms := Exports(nil)["gokernel/timeline/timeline"]
	symtest.Check(t, ".", syms, "timelines", "Exports")

	tl := syms["New"].Call(nil)[0].Interface().(*Timeline)
	tl.Lane("a").Run(func() {})
	if got := len(tl.Spans()); got != 1 {
		t.Errorf("timeline from the table's New recorded %d spans, want 1", got)
	}
	if got, want := syms["Sleeping"].Interface(), any(Sleeping); got != want {
		t.Errorf("Sleeping is %v, want %v", got, want)
	}
}

// decodePNG decodes data, failing t unless it is a PNG.
func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	return img
}
