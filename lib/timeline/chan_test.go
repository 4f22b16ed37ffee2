package timeline

import (
	"image/color"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokernel/gokernel/lib/internal/picture"
)

const ms1 = time.Millisecond

// passing records, in a synctest bubble so the times are exact:
//
//	unbuffered: "a" sends "x" at 5 ms, "b" waits for it from 0 ms
//	buffered (capacity 1): "a" sends 7 at 6 ms, "c" takes it at 12 ms
func passing(t *testing.T) *Timeline {
	return recorded(t, func() *Timeline {
		tl := New()
		a, b, c := tl.Lane("a"), tl.Lane("b"), tl.Lane("c")
		unbuffered, buffered := tl.Chan(0), tl.Chan(1)
		var wg sync.WaitGroup
		wg.Go(func() {
			a.Run(func() { time.Sleep(5 * ms1) })
			unbuffered.Send(a, "x")
			a.Run(func() { time.Sleep(1 * ms1) })
			buffered.Send(a, 7) // room in the buffer: no wait
			a.Run(func() { time.Sleep(2 * ms1) })
		})
		wg.Go(func() {
			if got := unbuffered.Recv(b); got != "x" {
				t.Errorf("b received %v, want x", got)
			}
		})
		wg.Go(func() {
			c.Sleep(12 * ms1)
			if got, ok := buffered.RecvOK(c); got != 7 || !ok {
				t.Errorf("c received %v, %v; want 7, true", got, ok)
			}
		})
		wg.Wait()
		return tl
	})
}

func TestMessages(t *testing.T) {
	tl := passing(t)
	want := []Message{
		{From: "a", To: "b", Sent: 5 * ms1, Received: 5 * ms1, Label: "x"},
		{From: "a", To: "c", Sent: 6 * ms1, Received: 12 * ms1, Label: "7"},
	}
	if got := tl.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("Messages:\ngot  %+v\nwant %+v", got, want)
	}
	// b waited for its value from the start; a's sends did not wait (b was
	// there, then the buffer had room).
	var waits []Span
	for _, sp := range tl.Spans() {
		if sp.Kind == Waiting {
			waits = append(waits, sp)
		}
	}
	if want := []Span{{Lane: "b", Kind: Waiting, Start: 0, End: 5 * ms1, Label: "receive"}}; !reflect.DeepEqual(waits, want) {
		t.Errorf("waiting spans %+v, want %+v", waits, want)
	}
	if got, want := strings.SplitN(tl.String(), "\n", 2)[0], ", 2 messages"; !strings.HasSuffix(got, want) {
		t.Errorf("summary %q does not end with %q", got, want)
	}
	if got := tl.String(); !strings.Contains(got, "sent 2, received 0") || !strings.Contains(got, "sent 0, received 1") {
		t.Errorf("summary lacks the lanes' sent and received counts:\n%s", got)
	}
}

func TestSendWaitsForReceiver(t *testing.T) {
	tl := recorded(t, func() *Timeline {
		tl := New()
		a, b := tl.Lane("a"), tl.Lane("b")
		c := tl.Chan(0)
		var wg sync.WaitGroup
		wg.Go(func() { c.Send(a, 1) })
		wg.Go(func() {
			b.Sleep(4 * ms1)
			c.Recv(b)
		})
		wg.Wait()
		return tl
	})
	// The value passes when the receiver comes: the arrow is at 4 ms, and
	// the sender's wait before it is drawn.
	if got, want := tl.Messages(), []Message{{From: "a", To: "b", Sent: 4 * ms1, Received: 4 * ms1, Label: "1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Messages %+v, want %+v", got, want)
	}
	var ofA []Span
	for _, sp := range tl.Spans() {
		if sp.Lane == "a" {
			ofA = append(ofA, sp)
		}
	}
	if want := []Span{{Lane: "a", Kind: Waiting, Start: 0, End: 4 * ms1, Label: "send"}}; !reflect.DeepEqual(ofA, want) {
		t.Errorf("spans of a %+v, want %+v", ofA, want)
	}
}

func TestChanClose(t *testing.T) {
	tl := New()
	l := tl.Lane("main")
	c := tl.Chan(2)
	c.Send(l, "a")
	if got := c.Len(); got != 1 || c.Cap() != 2 {
		t.Errorf("Len %d, Cap %d; want 1, 2", got, c.Cap())
	}
	c.Close()
	if v, ok := c.RecvOK(l); v != "a" || !ok {
		t.Errorf("after close, first receive %v, %v; want a, true", v, ok)
	}
	if v, ok := c.RecvOK(l); v != nil || ok {
		t.Errorf("closed and empty: %v, %v; want nil, false", v, ok)
	}
	if v := c.Recv(l); v != nil {
		t.Errorf("Recv on closed and empty: %v, want nil", v)
	}
	if got := len(tl.Messages()); got != 1 {
		t.Errorf("%d messages, want 1", got)
	}
}

// TestUnreceived: a value still in the channel is counted, not drawn.
func TestUnreceived(t *testing.T) {
	tl := New()
	c := tl.Chan(1)
	c.Send(tl.Lane("a"), 1)
	tl.Stop()
	if got := tl.Messages(); len(got) != 1 || got[0].To != "" {
		t.Fatalf("Messages %+v, want one not received", got)
	}
	if got := tl.String(); !strings.Contains(got, "1 sent and never received") {
		t.Errorf("summary lacks the value in the channel:\n%s", got)
	}
	root := parseSVG(t, tl.SVG())
	if got := len(root.all("message")); got != 0 {
		t.Errorf("%d arrows, want none", got)
	}
	if got := root.all("caption")[0].text(); !strings.Contains(got, "1 still in a channel") {
		t.Errorf("caption %q lacks the value in the channel", got)
	}
}

// TestInterruptEndsWait: a Send or Recv that waits returns at the session's
// interrupt, so that the cell can stop.
func TestInterruptEndsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		interrupt := make(chan struct{})
		tl := New()
		tl.interrupted = func() <-chan struct{} { return interrupt }
		a, b := tl.Lane("a"), tl.Lane("b")
		full, empty := tl.Chan(0), tl.Chan(0)
		var wg sync.WaitGroup
		var got any
		var ok bool
		wg.Go(func() { full.Send(a, 1) })
		wg.Go(func() { got, ok = empty.RecvOK(b) })
		time.Sleep(3 * ms1)
		synctest.Wait()
		close(interrupt)
		wg.Wait()
		if got != nil || ok {
			t.Errorf("interrupted receive: %v, %v; want nil, false", got, ok)
		}
		if msgs := tl.Messages(); len(msgs) != 0 {
			t.Errorf("an interrupted send left messages %+v", msgs)
		}
		for _, sp := range tl.Spans() {
			if sp.Kind != Waiting || sp.End != 3*ms1 {
				t.Errorf("span %+v, want waiting until the interrupt at 3 ms", sp)
			}
		}
	})
}

func TestChanNeedsItsLanes(t *testing.T) {
	tl, other := New(), New()
	c := tl.Chan(1)
	for _, tt := range []struct {
		name string
		do   func()
		want string
	}{
		{"nil lane", func() { c.Send(nil, 1) }, `Chan.Send needs a lane, such as tl.Lane("main")`},
		{"another timeline's lane", func() { c.Recv(other.Lane("x")) }, `lane "x" belongs to another timeline`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, tt.want) {
					t.Errorf("panic %q, want it to say %q", r, tt.want)
				}
			}()
			tt.do()
		})
	}
}

func TestLabelShortened(t *testing.T) {
	if got := label(strings.Repeat("é", 40)); got != strings.Repeat("é", 15)+"…" {
		t.Errorf("label %q", got)
	}
	if got := label(struct{ A, B int }{1, 2}); got != "{1 2}" {
		t.Errorf("label %q", got)
	}
}

// TestArrows checks each arrow against the times and lanes of its message,
// in the SVG and in the PNG.
func TestArrows(t *testing.T) {
	tl := passing(t)
	r := tl.render(picture.DefaultFonts())
	root := parseSVG(t, r.pic.SVG())
	x0, pxPerMS := axisScale(t, root)
	rows := map[string][2]float64{} // each lane's bar, top and bottom
	for _, g := range root.all("lane") {
		for _, rect := range g.all("span") {
			y := rect.num(t, "y")
			rows[g.attr("data-lane")] = [2]float64{y, y + rect.num(t, "height")}
		}
	}
	arrows := root.all("message")
	msgs := tl.Messages()
	if len(arrows) != len(msgs) {
		t.Fatalf("%d arrows, want %d", len(arrows), len(msgs))
	}
	img := decodePNG(t, r.png())
	for i, a := range arrows {
		m := msgs[i]
		if a.attr("data-from") != m.From || a.attr("data-to") != m.To {
			t.Errorf("arrow %d: from %s to %s, want %s to %s", i, a.attr("data-from"), a.attr("data-to"), m.From, m.To)
		}
		shaft, head := a.all("shaft")[0], a.all("head")[0]
		x1, y1 := shaft.num(t, "x1"), shaft.num(t, "y1")
		tip := strings.Fields(head.attr("points"))[0]
		x2, _ := strconv.ParseFloat(strings.Split(tip, ",")[0], 64)
		y2, _ := strconv.ParseFloat(strings.Split(tip, ",")[1], 64)
		if want := x0 + ms(m.Sent)*pxPerMS; math.Abs(x1-want) > 0.02 {
			t.Errorf("arrow %d starts at x %.2f, want %.2f (%v)", i, x1, want, m.Sent)
		}
		if want := x0 + ms(m.Received)*pxPerMS; math.Abs(x2-want) > 0.02 {
			t.Errorf("arrow %d ends at x %.2f, want %.2f (%v)", i, x2, want, m.Received)
		}
		// Down the picture: from the bottom of the sender's bar to the
		// top of the receiver's.
		if from, to := rows[m.From], rows[m.To]; math.Abs(y1-from[1]) > 0.01 || math.Abs(y2-to[0]) > 0.01 {
			t.Errorf("arrow %d from y %.2f to %.2f, want from %s's bar bottom %.2f to %s's bar top %.2f", i, y1, y2, m.From, from[1], m.To, to[0])
		}
		// In the PNG: the arrow's ink half way along it, where no bar is.
		mx, my := (x1+x2)/2, (y1+y2)/2
		if got := color.RGBAModel.Convert(img.At(int(mx*pngScale), int(my*pngScale))).(color.RGBA); got.R > 100 || got.G > 100 {
			t.Errorf("PNG at the middle of arrow %d (%.1f, %.1f): %v, want the arrow's dark ink", i, mx, my, got)
		}
	}
	if got := root.all("message-label"); len(got) != 2 || got[0].text() != "x" || got[1].text() != "7" {
		t.Errorf("arrow labels %v, want x and 7", got)
	}
	legend := root.all("legend")[0].text()
	if !strings.Contains(legend, "message") {
		t.Errorf("legend %q lacks message", legend)
	}
}

// TestManyArrowsThin: past manyMessages, arrows are hairlines without
// labels.
func TestManyArrowsThin(t *testing.T) {
	root := parseSVG(t, hundredMessages(t).SVG())
	arrows := root.all("message")
	if len(arrows) != 120 {
		t.Fatalf("%d arrows, want 120", len(arrows))
	}
	for _, a := range arrows {
		if w := a.all("shaft")[0].num(t, "stroke-width"); w > 0.7 {
			t.Fatalf("a shaft %v px wide among 120, want at most 0.7", w)
		}
	}
	if got := len(root.all("message-label")); got != 0 {
		t.Errorf("%d arrow labels among 120 arrows, want none", got)
	}
}

func TestCompare(t *testing.T) {
	one := recorded(t, func() *Timeline {
		tl := New()
		tl.SetTitle("one")
		tl.Lane("w").Run(func() { time.Sleep(20 * ms1) })
		return tl
	})
	half := recorded(t, func() *Timeline {
		tl := New()
		tl.Lane("w").Run(func() { time.Sleep(10 * ms1) })
		return tl
	})
	c := Compare(one, half, nil)
	root := parseSVG(t, c.SVG())
	x0, pxPerMS := axisScale(t, root)
	if got := len(root.all("axis")); got != 1 {
		t.Errorf("%d axes, want 1", got)
	}
	panels := root.all("panel")
	if len(panels) != 2 {
		t.Fatalf("%d panels, want 2", len(panels))
	}
	for i, want := range []float64{20, 10} {
		rect := panels[i].all("span")[0]
		if got := rect.num(t, "width") / pxPerMS; math.Abs(got-want) > 0.01 {
			t.Errorf("panel %d: the span is %.2f ms wide on the shared axis, want %v", i, got, want)
		}
		if got := rect.num(t, "x"); math.Abs(got-x0) > 0.01 {
			t.Errorf("panel %d: the span starts at x %.2f, want %.2f", i, got, x0)
		}
	}
	var titles []string
	for _, p := range panels {
		titles = append(titles, p.all("title")[0].text())
	}
	if want := []string{"one", "timeline 2"}; !strings.HasPrefix(titles[0], want[0]) || !strings.HasPrefix(titles[1], want[1]) {
		t.Errorf("panel titles %q, want them to start with %q", titles, want)
	}
	// The shorter one ends half way: its end line is at 10 ms.
	if ends := panels[1].all("end"); len(ends) != 1 || math.Abs(ends[0].num(t, "x1")-(x0+10*pxPerMS)) > 0.01 {
		t.Errorf("second panel's end lines %v, want one at 10 ms", ends)
	}
	text := c.String()
	for _, want := range []string{"2 timelines on one time axis (0–20 ms)", `timeline "one": 1 lane over 20.0 ms`,
		`timeline "timeline 2": 1 lane over 10.0 ms`, "0.50× the wall time of the first"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	if got := root.all("caption")[0].text(); !strings.Contains(got, "20.0 ms vs 10.0 ms (0.50×)") {
		t.Errorf("caption %q", got)
	}
	b := c.MIMEBundle()
	for _, mime := range []string{"image/svg+xml", "image/png", "text/plain"} {
		if _, ok := b[mime]; !ok {
			t.Errorf("bundle lacks %s", mime)
		}
	}
	if got := Compare().String(); !strings.HasPrefix(got, "timeline: 0 lanes") {
		t.Errorf("an empty comparison: %q", got)
	}
}

// TestPNGPixels checks the PNG where the SVG puts each span: the colour of
// its kind (solid, or the ink or ground of its texture).
func TestPNGPixels(t *testing.T) {
	tl := record(t)
	r := tl.render(picture.DefaultFonts())
	root := parseSVG(t, r.pic.SVG())
	img := decodePNG(t, r.png())
	pixel := func(x, y float64) color.RGBA {
		return color.RGBAModel.Convert(img.At(int(x*pngScale), int(y*pngScale))).(color.RGBA)
	}
	allowed := map[string][]color.RGBA{
		"running":  {colorRunning},
		"waiting":  {colorWaiting, groundWaiting},
		"sleeping": {colorSleeping, groundSleeping},
	}
	spans := 0
	for _, rect := range root.all("span") {
		kind := strings.Fields(rect.attr("class"))[1]
		x, y, w, h := rect.num(t, "x"), rect.num(t, "y"), rect.num(t, "width"), rect.num(t, "height")
		// A few points inside, away from the stroke and from labels.
		for _, f := range []float64{0.2, 0.5, 0.8} {
			got := pixel(x+w*f, y+h*0.85)
			if !nearOneOf(allowed[kind], got) {
				t.Errorf("%s span at %.0f%% of %.1f–%.1f: PNG pixel %v, want one of %v", kind, 100*f, x, x+w, got, allowed[kind])
			}
		}
		spans++
	}
	if spans != 5 {
		t.Errorf("%d spans checked, want 5", spans)
	}
	// worker 2 did nothing from 20 ms on: there the PNG shows its row.
	x0, pxPerMS := axisScale(t, root)
	lane2 := root.all("lane")[1].all("span")[0]
	if got := pixel(x0+27*pxPerMS, lane2.num(t, "y")+lane2.num(t, "height")/2); got != colorCard && got != colorRow {
		t.Errorf("PNG where no span is: %v, want the card or its row stripe", got)
	}
	// The mark at 25 ms on worker 1: a dark tick.
	if got := pixel(x0+25*pxPerMS, root.all("lane")[0].all("span")[0].num(t, "y")+2); got.R > 80 {
		t.Errorf("PNG at the mark: %v, want its dark tick", got)
	}
	// Outside the rounded card, at the corner: transparent, for dark themes.
	if got := pixel(0, 0); got.A != 0 {
		t.Errorf("PNG's corner: %v, want transparent", got)
	}
}

// nearOneOf reports whether c is near one of cs.
func nearOneOf(cs []color.RGBA, c color.RGBA) bool {
	for _, w := range cs {
		if d := math.Abs(float64(w.R)-float64(c.R)) + math.Abs(float64(w.G)-float64(c.G)) + math.Abs(float64(w.B)-float64(c.B)); d <= 12 {
			return true
		}
	}
	return false
}

// TestMissingGlyphs: a lane name no font can draw is noted in the PNG and
// spelled out in the text.
func TestMissingGlyphs(t *testing.T) {
	tl := New()
	tl.Lane("작업자").Run(func() {})
	tl.Stop()
	goOnly := tl.render(picture.NewFonts())
	if !strings.Contains(goOnly.text, "작 (U+C791), 업 (U+C5C5), 자 (U+C790)") || !strings.Contains(goOnly.text, "GOKERNEL_FONTS") {
		t.Errorf("text lacks the note on characters the PNG can't draw:\n%s", goOnly.text)
	}
	if !strings.Contains(goOnly.text, "\n작업자  running") {
		t.Errorf("text lacks the lane's name:\n%s", goOnly.text)
	}
	withNanum := tl.render(picture.NewFonts("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"))
	if strings.Contains(withNanum.text, "U+") {
		t.Errorf("with a Korean font, the text still notes missing characters:\n%s", withNanum.text)
	}
	if hg, hn := decodePNG(t, goOnly.png()).Bounds().Dy(), decodePNG(t, withNanum.png()).Bounds().Dy(); hg != hn+noteH*pngScale {
		t.Errorf("PNG heights %d without and %d with the font, want the note's %d px more without", hg, hn, noteH*pngScale)
	}
}

// TestTallPictures: many lanes get a PNG of one pixel per CSS pixel, and
// too many none, which the text says.
func TestTallPictures(t *testing.T) {
	for _, tt := range []struct {
		height float64
		want   float64
	}{{400, 2}, {2000, 2}, {2001, 1}, {16000, 1}, {16001, 0}} {
		if got := scaleFor(tt.height); got != tt.want {
			t.Errorf("scaleFor(%v) = %v, want %v", tt.height, got, tt.want)
		}
	}
	tl := New()
	for i := range 1200 {
		tl.Lane(strconv.Itoa(i)).Mark("m")
	}
	b := tl.MIMEBundle()
	if _, ok := b["image/png"]; ok {
		t.Error("a timeline of 1,200 lanes has a PNG")
	}
	if text := b["text/plain"].(string); !strings.Contains(text, "(No PNG: the picture is ") {
		t.Errorf("the text does not say there is no PNG:\n%.300s", text)
	}
}
