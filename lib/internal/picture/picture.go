// Package picture is a small vector picture written two ways: as SVG text,
// and painted into an image.RGBA and encoded as PNG. A notebook package lays
// its picture out once (the timeline, the progress bar) and sends both, so
// the SVG a trusted notebook shows and the PNG an untrusted one shows have
// the same geometry.
//
// Coordinates are CSS pixels, y down. The SVG keeps what only a browser
// uses (classes, tooltips, data attributes); the PNG is painted with
// golang.org/x/image/vector and text drawn with the Go fonts, falling back
// to fonts found on the machine for other scripts (see [Fonts]).
package picture

import (
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// Picture is a picture of a fixed size: its items in drawing order.
type Picture struct {
	Width, Height float64
	Title         string  // the accessible name, an SVG <title>
	FontSize      float64 // the size of text whose Size is 0
	Fonts         *Fonts  // for the PNG; nil means [DefaultFonts]
	Patterns      []*Pattern
	Group
}

// Meta is what only the SVG keeps of an item: a class, a tooltip, and
// attributes such as data-lane.
type Meta struct {
	Class string
	Title string // a tooltip
	Attrs []Attr
}

// Attr is an SVG attribute.
type Attr struct{ Name, Value string }

// Item is something drawn.
type Item interface {
	svg(w *svgWriter)
	paint(p *painter)
}

// Group holds items drawn in order.
type Group struct {
	Meta
	Items []Item
}

// Add appends items to g.
func (g *Group) Add(items ...Item) { g.Items = append(g.Items, items...) }

// Sub appends a new group with meta m to g and returns it.
func (g *Group) Sub(m Meta) *Group {
	sub := &Group{Meta: m}
	g.Items = append(g.Items, sub)
	return sub
}

// Fill is how a shape is filled: with a pattern, else a colour (alpha 0:
// not filled).
type Fill struct {
	Color   color.RGBA
	Pattern *Pattern
}

// Solid returns a fill of colour c.
func Solid(c color.RGBA) Fill { return Fill{Color: c} }

// PatternKind is the texture of a pattern.
type PatternKind int

// Patterns.
const (
	// Stripes are diagonal bands, ink where (x+y) mod 8 < 4: their period
	// across a row is a whole 8 px, so a PNG of them compresses well.
	Stripes PatternKind = iota
	Dots                // a dot of radius 1.4 px every 6 px
)

// Pattern is a texture in user space: ink on a ground.
type Pattern struct {
	ID          string // unique on the page the SVG goes in
	Kind        PatternKind
	Ink, Ground color.RGBA
}

// Rect is a rectangle with optionally rounded corners.
type Rect struct {
	Meta
	X, Y, W, H  float64
	Radius      float64
	Fill        Fill
	Stroke      color.RGBA // alpha 0: none
	StrokeWidth float64
}

// Line is a straight stroke with butt ends, dashed when Dash > 0.
type Line struct {
	Meta
	X1, Y1, X2, Y2 float64
	Stroke         color.RGBA
	Width          float64
	Dash           float64 // dash and gap length
}

// Polygon is a filled closed polygon.
type Polygon struct {
	Meta
	Points []Point
	Fill   color.RGBA
}

// Point is a point in user space.
type Point struct{ X, Y float64 }

// Anchor is which point of a text its x names.
type Anchor int

// Anchors.
const (
	Start Anchor = iota
	Middle
	End
)

// Text is one line of text; Y is its baseline.
type Text struct {
	Meta
	X, Y      float64
	S         string
	More      []Run   // runs of other weights or colours after S, on the same line
	Size      float64 // 0: the picture's FontSize
	Anchor    Anchor  // of the whole line, runs included
	Bold      bool
	Color     color.RGBA
	Halo      color.RGBA // alpha 0: none; else an outline that keeps text readable over bars
	HaloWidth float64
	PNGOnly   bool // not written to the SVG: a note about the PNG's own fonts
}

// Run is a part of a line of text in its own weight and colour, Gap px
// after the part before it.
type Run struct {
	S     string
	Bold  bool
	Color color.RGBA
	Gap   float64
}

// runs returns the text's runs, S first.
func (t *Text) runs() []Run { return append([]Run{{S: t.S, Bold: t.Bold, Color: t.Color}}, t.More...) }

// Hex returns the opaque colour written "#rrggbb".
func Hex(s string) color.RGBA {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 {
		panic("picture: bad colour " + s)
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// SVG writes the picture as an SVG document.
func (p *Picture) SVG() string {
	w := &svgWriter{pic: p}
	w.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %[1]s %[2]s" font-family="sans-serif" font-size="%s" role="img">`,
		num(p.Width), num(p.Height), num(p.FontSize))
	w.printf("\n<title>%s</title>\n", esc(p.Title))
	if len(p.Patterns) > 0 {
		w.b.WriteString("<defs>\n")
		for _, pat := range p.Patterns {
			switch pat.Kind {
			case Stripes:
				w.printf(`<pattern id="%s" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="%s"/><path d="M0 0H4L0 4ZM8 0V4L4 8H0Z" fill="%s"/></pattern>`,
					esc(pat.ID), hex(pat.Ground), hex(pat.Ink))
			case Dots:
				w.printf(`<pattern id="%s" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="%s"/><circle cx="3" cy="3" r="1.4" fill="%s"/></pattern>`,
					esc(pat.ID), hex(pat.Ground), hex(pat.Ink))
			}
			w.b.WriteString("\n")
		}
		w.b.WriteString("</defs>\n")
	}
	for _, it := range p.Items {
		it.svg(w)
	}
	w.b.WriteString("</svg>\n")
	return w.b.String()
}

type svgWriter struct {
	pic *Picture
	b   strings.Builder
}

func (w *svgWriter) printf(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

// open writes the start of element name with m's class and attributes; the
// caller writes the rest of the start tag.
func (w *svgWriter) open(name string, m Meta) {
	w.b.WriteString("<" + name)
	if m.Class != "" {
		w.printf(` class="%s"`, esc(m.Class))
	}
	for _, a := range m.Attrs {
		w.printf(` %s="%s"`, a.Name, esc(a.Value))
	}
}

// close ends an element that has only its title inside, if any.
func (w *svgWriter) close(name string, m Meta) {
	if m.Title == "" {
		w.b.WriteString("/>")
		return
	}
	w.printf("><title>%s</title></%s>", esc(m.Title), name)
}

func (g *Group) svg(w *svgWriter) {
	w.open("g", g.Meta)
	w.b.WriteString(">")
	if g.Title != "" {
		w.printf("<title>%s</title>", esc(g.Title))
	}
	for _, it := range g.Items {
		it.svg(w)
	}
	w.b.WriteString("</g>\n")
}

func (r *Rect) svg(w *svgWriter) {
	w.open("rect", r.Meta)
	w.printf(` x="%s" y="%s" width="%s" height="%s"`, num(r.X), num(r.Y), num(r.W), num(r.H))
	if r.Radius > 0 {
		w.printf(` rx="%s"`, num(r.Radius))
	}
	w.printf(` fill="%s"`, w.fill(r.Fill))
	if r.Fill.Pattern == nil && r.Fill.Color.A != 0 && r.Fill.Color.A != 0xff {
		w.printf(` fill-opacity="%s"`, opacity(r.Fill.Color))
	}
	if r.Stroke.A != 0 && r.StrokeWidth > 0 {
		w.printf(` stroke="%s" stroke-width="%s"`, hex(r.Stroke), num(r.StrokeWidth))
	}
	w.close("rect", r.Meta)
}

func (w *svgWriter) fill(f Fill) string {
	switch {
	case f.Pattern != nil:
		// The ground colour stands in where a sanitizer removed the
		// pattern (nbconvert's, which allows no <pattern>).
		return "url(#" + f.Pattern.ID + ") " + hex(f.Pattern.Ground)
	case f.Color.A == 0:
		return "none"
	}
	return hex(f.Color)
}

func (l *Line) svg(w *svgWriter) {
	w.open("line", l.Meta)
	w.printf(` x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"`, num(l.X1), num(l.Y1), num(l.X2), num(l.Y2), hex(l.Stroke))
	if l.Stroke.A != 0xff {
		w.printf(` stroke-opacity="%s"`, opacity(l.Stroke))
	}
	if l.Width != 1 {
		w.printf(` stroke-width="%s"`, num(l.Width))
	}
	if l.Dash > 0 {
		w.printf(` stroke-dasharray="%s %[1]s"`, num(l.Dash))
	}
	w.close("line", l.Meta)
}

func (pg *Polygon) svg(w *svgWriter) {
	w.open("polygon", pg.Meta)
	pts := make([]string, len(pg.Points))
	for i, p := range pg.Points {
		pts[i] = num(p.X) + "," + num(p.Y)
	}
	w.printf(` points="%s" fill="%s"`, strings.Join(pts, " "), hex(pg.Fill))
	if pg.Fill.A != 0xff {
		w.printf(` fill-opacity="%s"`, opacity(pg.Fill))
	}
	w.close("polygon", pg.Meta)
}

func (t *Text) svg(w *svgWriter) {
	if t.PNGOnly {
		return
	}
	w.open("text", t.Meta)
	w.printf(` x="%s" y="%s"`, num(t.X), num(t.Y))
	switch t.Anchor {
	case Middle:
		w.b.WriteString(` text-anchor="middle"`)
	case End:
		w.b.WriteString(` text-anchor="end"`)
	}
	if t.Size != 0 && t.Size != w.pic.FontSize {
		w.printf(` font-size="%s"`, num(t.Size))
	}
	if t.Bold {
		w.b.WriteString(` font-weight="bold"`)
	}
	w.printf(` fill="%s"`, hex(t.Color))
	if t.Halo.A != 0 {
		w.printf(` stroke="%s" stroke-width="%s" paint-order="stroke"`, hex(t.Halo), num(t.HaloWidth))
	}
	w.printf(">%s", esc(t.S))
	for _, r := range t.More {
		w.printf(`<tspan fill="%s"`, hex(r.Color))
		if r.Gap != 0 {
			w.printf(` dx="%s"`, num(r.Gap))
		}
		if r.Bold != t.Bold {
			w.printf(` font-weight="%s"`, map[bool]string{true: "bold", false: "normal"}[r.Bold])
		}
		w.printf(">%s</tspan>", esc(r.S))
	}
	if t.Title != "" {
		w.printf("<title>%s</title>", esc(t.Title))
	}
	w.b.WriteString("</text>")
}

// num formats a coordinate.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// hex writes c's colour without its opacity; color.RGBA is premultiplied.
func hex(c color.RGBA) string {
	if c.A != 0 && c.A != 0xff {
		un := func(v uint8) uint8 { return uint8(min(math.Round(float64(v)*255/float64(c.A)), 255)) }
		c = color.RGBA{un(c.R), un(c.G), un(c.B), c.A}
	}
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

func opacity(c color.RGBA) string { return strconv.FormatFloat(float64(c.A)/255, 'f', 2, 64) }

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder never fail
	return b.String()
}
