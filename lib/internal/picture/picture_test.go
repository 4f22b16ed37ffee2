package picture

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"
)

var (
	red   = Hex("#ff0000")
	blue  = Hex("#0000ff")
	black = Hex("#000000")
	white = Hex("#ffffff")
)

// sample is a picture with one of each item.
func sample() *Picture {
	stripes := &Pattern{ID: "p-stripes", Kind: Stripes, Ink: black, Ground: white}
	dots := &Pattern{ID: "p-dots", Kind: Dots, Ink: black, Ground: white}
	p := &Picture{Width: 100, Height: 60, Title: `a "sample" & more`, FontSize: 12, Patterns: []*Pattern{stripes, dots}}
	p.Add(&Rect{Meta: Meta{Class: "card"}, X: 0, Y: 0, W: 100, H: 60, Radius: 8, Fill: Solid(white)})
	g := p.Sub(Meta{Class: "shapes", Title: "shapes", Attrs: []Attr{{Name: "data-x", Value: "<1>"}}})
	g.Add(
		&Rect{Meta: Meta{Class: "solid", Title: "a red box"}, X: 10, Y: 10, W: 20, H: 10, Fill: Solid(red), Stroke: blue, StrokeWidth: 2},
		&Rect{Meta: Meta{Class: "striped"}, X: 40, Y: 0, W: 24, H: 24, Fill: Fill{Pattern: stripes}},
		&Rect{Meta: Meta{Class: "dotted"}, X: 70, Y: 0, W: 24, H: 24, Fill: Fill{Pattern: dots}},
		&Line{X1: 10, Y1: 40, X2: 90, Y2: 40, Stroke: black, Width: 2},
		&Line{X1: 10, Y1: 50, X2: 90, Y2: 50, Stroke: black, Width: 2, Dash: 4},
		&Polygon{Points: []Point{{0, 30}, {8, 30}, {4, 38}}, Fill: blue},
		&Text{X: 30, Y: 58, S: "Tx", More: []Run{{S: "bold", Bold: true, Color: red, Gap: 4}}, Color: black, Anchor: Middle},
		&Text{X: 62, Y: 58, S: "png only", PNGOnly: true, Color: black},
	)
	return p
}

// node is an XML element with everything in it.
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

// find returns the elements under n (and n) named name, in document order.
func (n node) find(name string) []node {
	var out []node
	if n.XMLName.Local == name {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.find(name)...)
	}
	return out
}

func TestSVG(t *testing.T) {
	svg := sample().SVG()
	var root node
	if err := xml.Unmarshal([]byte(svg), &root); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
	if root.XMLName.Space != "http://www.w3.org/2000/svg" || root.attr("width") != "100" || root.attr("viewBox") != "0 0 100 60" {
		t.Errorf("root %v %v", root.XMLName, root.Attrs)
	}
	if got := root.find("title")[0].Text; got != `a "sample" & more` {
		t.Errorf("title %q", got)
	}
	if got := len(root.find("pattern")); got != 2 {
		t.Errorf("%d patterns, want 2", got)
	}
	rects := root.find("rect")
	var solid node
	for _, r := range rects {
		if r.attr("class") == "solid" {
			solid = r
		}
	}
	if solid.attr("fill") != "#ff0000" || solid.attr("stroke") != "#0000ff" || solid.attr("stroke-width") != "2" || solid.find("title")[0].Text != "a red box" {
		t.Errorf("solid rect: %v", solid)
	}
	for _, r := range rects {
		if r.attr("class") == "striped" && r.attr("fill") != "url(#p-stripes) #ffffff" {
			t.Errorf("striped rect fill %q", r.attr("fill"))
		}
	}
	if got := root.find("line")[1].attr("stroke-dasharray"); got != "4 4" {
		t.Errorf("dashed line: stroke-dasharray %q", got)
	}
	texts := root.find("text")
	if len(texts) != 1 {
		t.Fatalf("%d texts, want 1: the PNG-only one is not in the SVG", len(texts))
	}
	if tspans := texts[0].find("tspan"); len(tspans) != 1 || tspans[0].Text != "bold" || tspans[0].attr("font-weight") != "bold" || tspans[0].attr("dx") != "4" {
		t.Errorf("runs: %v", tspans)
	}
	if g := root.find("g")[0]; g.attr("data-x") != "<1>" || g.attr("class") != "shapes" {
		t.Errorf("group %v", g.Attrs)
	}
}

// at returns the colour of img at CSS pixel (x, y) of a picture painted at
// scale.
func at(img image.Image, scale, x, y float64) color.RGBA {
	return color.RGBAModel.Convert(img.At(int(x*scale), int(y*scale))).(color.RGBA)
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= 8 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func TestImage(t *testing.T) {
	for _, scale := range []float64{1, 2} {
		img := sample().Image(scale)
		if got, want := img.Bounds(), image.Rect(0, 0, int(100*scale), int(60*scale)); got != want {
			t.Fatalf("scale %v: bounds %v, want %v", scale, got, want)
		}
		transparent := color.RGBA{}
		for _, c := range []struct {
			name string
			x, y float64
			want color.RGBA
		}{
			{"inside the rounded card", 50, 30, white},
			{"the card's rounded corner", 0.5, 0.5, transparent},
			{"inside the red box", 20, 15, red},
			{"on the box's stroke", 10, 15, blue},
			{"just outside the stroke", 8, 15, white},
			{"on the line", 50, 40, black},
			{"beside the line", 50, 43, white},
			{"a dash", 12, 50, black},
			{"a gap between dashes", 16, 50, white},
			{"inside the triangle", 4, 32, blue},
			{"stripe ink, (x+y) mod 8 = 2", 43.5, 6.5, black},
			{"stripe ground, (x+y) mod 8 = 6", 45.5, 8.5, white},
			{"a dot's centre", 75, 3, black},
			{"between dots", 72.5, 0.5, white},
		} {
			if got := at(img, scale, c.x, c.y); !near(got, c.want) {
				t.Errorf("scale %v, %s (%v, %v): %v, want %v", scale, c.name, c.x, c.y, got, c.want)
			}
		}
	}
}

// ink returns the box around the pixels of img darker than mid grey.
func ink(img image.Image) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.A > 128 && c.R < 128 && c.G < 128 && c.B < 128 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func TestTextPlacement(t *testing.T) {
	fonts := NewFonts()
	for _, anchor := range []Anchor{Start, Middle, End} {
		p := &Picture{Width: 200, Height: 40, FontSize: 20, Fonts: fonts}
		p.Add(&Rect{W: 200, H: 40, Fill: Solid(white)})
		p.Add(&Text{X: 100, Y: 30, S: "Hello", Anchor: anchor, Color: black})
		box := ink(p.Image(1))
		w := fonts.Width("Hello", 20, false)
		left := map[Anchor]float64{Start: 100, Middle: 100 - w/2, End: 100 - w}[anchor]
		if math.Abs(float64(box.Min.X)-left) > 3 || math.Abs(float64(box.Max.X)-(left+w)) > 4 {
			t.Errorf("anchor %v: ink from x %d to %d, want about %.0f to %.0f", anchor, box.Min.X, box.Max.X, left, left+w)
		}
		// Cap height above the baseline, nothing below it ("Hello" has no descender).
		if box.Max.Y > 31 || box.Min.Y < 30-20 || box.Min.Y > 30-12 {
			t.Errorf("anchor %v: ink from y %d to %d, want above the baseline at 30", anchor, box.Min.Y, box.Max.Y)
		}
	}
}

func TestHalo(t *testing.T) {
	p := &Picture{Width: 60, Height: 30, FontSize: 16, Fonts: NewFonts()}
	p.Add(&Rect{W: 60, H: 30, Fill: Solid(red)})
	p.Add(&Text{X: 5, Y: 22, S: "l", Color: black, Halo: white, HaloWidth: 6})
	img := p.Image(1)
	box := ink(img)
	y := (box.Min.Y + box.Max.Y) / 2
	last := box.Min.X // the stem's last dark pixel on the middle row
	for x := box.Min.X; x < box.Max.X; x++ {
		if c := img.RGBAAt(x, y); c.R < 128 {
			last = x
		}
	}
	// Two pixels right of the stem, inside the halo's 3 px: white, where
	// there was red.
	if beside := img.RGBAAt(last+2, y); !near(beside, white) {
		t.Errorf("beside the letter: %v, want the white halo", beside)
	}
	if far := img.RGBAAt(last+6, y); !near(far, red) {
		t.Errorf("away from the letter: %v, want the red ground", far)
	}
}

// nanum is the Korean font the tests need: Debian's fonts-nanum, which
// .ci/deps installs for the tests.
const nanum = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"

func TestHangul(t *testing.T) {
	if _, err := os.Stat(nanum); err != nil {
		t.Fatalf("the Korean font for this test is missing (%v): install fonts-nanum, as .ci/deps test does", err)
	}
	with, without := NewFonts("/nonexistent/font.ttf", nanum), NewFonts("/nonexistent/font.ttf")
	if got := with.Missing("작업자 1 → ok"); len(got) != 0 {
		t.Errorf("with NanumGothic, Missing = %q, want none", got)
	}
	if got := without.Missing("작업자 1 · 작"); string(got) != "작업자" {
		t.Errorf("with the Go fonts alone, Missing = %q, want 작업자, each once", string(got))
	}
	// Drawn, a syllable with the fallback font is not the box drawn
	// without one; the Go font's box is the same for every character.
	draw := func(f *Fonts, s string) *image.RGBA {
		p := &Picture{Width: 40, Height: 30, FontSize: 20, Fonts: f}
		p.Add(&Rect{W: 40, H: 30, Fill: Solid(white)})
		p.Add(&Text{X: 4, Y: 24, S: s, Color: black})
		return p.Image(1)
	}
	if bytes.Equal(draw(with, "작").Pix, draw(without, "작").Pix) {
		t.Error("작 drawn with NanumGothic is the same as the box drawn without it")
	}
	if !bytes.Equal(draw(without, "작").Pix, draw(without, "업").Pix) {
		t.Error("without a Korean font, 작 and 업 differ: want the same empty box")
	}
	if bytes.Equal(draw(with, "작").Pix, draw(with, "업").Pix) {
		t.Error("with NanumGothic, 작 and 업 are drawn the same")
	}
	if w := with.Width("작", 20, false); w < 15 || w > 22 {
		t.Errorf("a Hangul syllable at 20 px is %.1f px wide, want about one em", w)
	}
}

func TestFit(t *testing.T) {
	f := NewFonts()
	long := "a lane name much too long for its column"
	got := f.Fit(long, 100, 12, false)
	if !strings.HasSuffix(got, "…") || f.Width(got, 12, false) > 100 || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("Fit = %q (%.1f px), want a prefix with an ellipsis within 100 px", got, f.Width(got, 12, false))
	}
	if got := f.Fit("short", 100, 12, false); got != "short" {
		t.Errorf("Fit of a short name = %q", got)
	}
}

func TestQuantize(t *testing.T) {
	few := image.NewRGBA(image.Rect(0, 0, 10, 10))
	few.Set(3, 3, red)
	few.Set(4, 4, color.RGBA{10, 20, 30, 40})
	q := Quantize(few)
	for y := range 10 {
		for x := range 10 {
			if got, want := color.RGBAModel.Convert(q.At(x, y)), few.At(x, y); got != want {
				t.Fatalf("few colours: (%d, %d) is %v, want %v exactly", x, y, got, want)
			}
		}
	}

	// A gradient of 4096 colours: 256 remain, each pixel near its own.
	many := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			many.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), 128, 255})
		}
	}
	q = Quantize(many)
	if len(q.Palette) > 256 {
		t.Fatalf("palette of %d colours", len(q.Palette))
	}
	worst := 0.0
	for y := range 64 {
		for x := range 64 {
			a, b := color.RGBAModel.Convert(q.At(x, y)).(color.RGBA), many.RGBAAt(x, y)
			worst = max(worst, math.Hypot(float64(a.R)-float64(b.R), float64(a.G)-float64(b.G)))
		}
	}
	if worst > 24 {
		t.Errorf("a pixel moved %.1f from its colour, want under 24", worst)
	}
}

func TestPNG(t *testing.T) {
	data := sample().PNG(2)
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(200, 120); got != want {
		t.Errorf("size %v, want %v", got, want)
	}
	if got := at(img, 2, 20, 15); !near(got, red) {
		t.Errorf("inside the red box: %v", got)
	}
	// The pHYs chunk, right after IHDR: 2 × 96 pixels per inch.
	if got := string(data[37:41]); got != "pHYs" {
		t.Fatalf("chunk after IHDR is %q, want pHYs", got)
	}
	if got, want := binary.BigEndian.Uint32(data[41:]), uint32(7559); got != want || data[49] != 1 {
		t.Errorf("pHYs: %d per unit %d, want %d per metre", got, data[49], want)
	}
}
