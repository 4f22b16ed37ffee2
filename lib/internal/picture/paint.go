package picture

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// WithAlpha returns c (opaque) at opacity a, from 0 to 1, premultiplied as
// color.RGBA is.
func WithAlpha(c color.RGBA, a float64) color.RGBA {
	m := func(v uint8) uint8 { return uint8(math.Round(float64(v) * a)) }
	return color.RGBA{m(c.R), m(c.G), m(c.B), uint8(math.Round(255 * a))}
}

// Image paints the picture with scale device pixels per CSS pixel. Where
// no item paints, the image is transparent.
func (p *Picture) Image(scale float64) *image.RGBA {
	w, h := int(math.Ceil(p.Width*scale)), int(math.Ceil(p.Height*scale))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fonts := p.Fonts
	if fonts == nil {
		fonts = DefaultFonts()
	}
	pt := &painter{pic: p, dst: img, scale: scale, fonts: fonts, sets: map[setKey]*typesetter{}}
	defer pt.close()
	for _, it := range p.Items {
		it.paint(pt)
	}
	return img
}

// painter paints items into dst.
type painter struct {
	pic   *Picture
	dst   *image.RGBA
	scale float64
	fonts *Fonts
	r     vector.Rasterizer
	sets  map[setKey]*typesetter
}

type setKey struct {
	size float64
	bold bool
}

func (p *painter) typesetter(size float64, bold bool) *typesetter {
	k := setKey{size, bold}
	t, ok := p.sets[k]
	if !ok {
		t = p.fonts.newTypesetter(size, bold)
		p.sets[k] = t
	}
	return t
}

func (p *painter) close() {
	for _, t := range p.sets {
		t.close()
	}
}

// path is an outline in user space: subpaths of lines and cubic curves.
type path struct {
	ops []pathOp
}

type pathOp struct {
	kind byte // 'M', 'L', 'C', 'Z'
	pts  [3]Point
}

func (pa *path) moveTo(x, y float64) {
	pa.ops = append(pa.ops, pathOp{kind: 'M', pts: [3]Point{{x, y}}})
}
func (pa *path) lineTo(x, y float64) {
	pa.ops = append(pa.ops, pathOp{kind: 'L', pts: [3]Point{{x, y}}})
}
func (pa *path) cubeTo(a, b, c Point) {
	pa.ops = append(pa.ops, pathOp{kind: 'C', pts: [3]Point{a, b, c}})
}
func (pa *path) close() { pa.ops = append(pa.ops, pathOp{kind: 'Z'}) }

// polygon adds a closed polygon.
func (pa *path) polygon(pts ...Point) {
	for i, pt := range pts {
		if i == 0 {
			pa.moveTo(pt.X, pt.Y)
		} else {
			pa.lineTo(pt.X, pt.Y)
		}
	}
	pa.close()
}

// kappa places the control points of a cubic Bézier that draws a quarter
// circle.
const kappa = 0.5522847498

// roundRect adds a rectangle with corners of radius r, clockwise, or
// anticlockwise when reverse (a hole in a shape drawn clockwise).
func (pa *path) roundRect(x, y, w, h, r float64, reverse bool) {
	r = max(min(r, w/2, h/2), 0)
	k := r * kappa
	// The corners, clockwise from the top left, each as the arc's start,
	// two control points and end.
	type arc struct{ from, c1, c2, to Point }
	arcs := []arc{
		{Point{x, y + r}, Point{x, y + r - k}, Point{x + r - k, y}, Point{x + r, y}},
		{Point{x + w - r, y}, Point{x + w - r + k, y}, Point{x + w, y + r - k}, Point{x + w, y + r}},
		{Point{x + w, y + h - r}, Point{x + w, y + h - r + k}, Point{x + w - r + k, y + h}, Point{x + w - r, y + h}},
		{Point{x + r, y + h}, Point{x + r - k, y + h}, Point{x, y + h - r + k}, Point{x, y + h - r}},
	}
	if reverse {
		for i, j := 0, len(arcs)-1; i < j; i, j = i+1, j-1 {
			arcs[i], arcs[j] = arcs[j], arcs[i]
		}
		for i, a := range arcs {
			arcs[i] = arc{a.to, a.c2, a.c1, a.from}
		}
	}
	for i, a := range arcs {
		if i == 0 {
			pa.moveTo(a.from.X, a.from.Y)
		} else {
			pa.lineTo(a.from.X, a.from.Y)
		}
		if r > 0 {
			pa.cubeTo(a.c1, a.c2, a.to)
		}
	}
	pa.close()
}

// fill paints the path with src, a colour or a pattern in device space.
func (p *painter) fill(pa *path, src image.Image) {
	s := p.scale
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, op := range pa.ops {
		n := 0
		switch op.kind {
		case 'M', 'L':
			n = 1
		case 'C':
			n = 3
		}
		for _, pt := range op.pts[:n] {
			minX, minY = min(minX, pt.X*s), min(minY, pt.Y*s)
			maxX, maxY = max(maxX, pt.X*s), max(maxY, pt.Y*s)
		}
	}
	box := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY))).
		Intersect(p.dst.Bounds())
	if box.Empty() {
		return
	}
	// The rasterizer covers only the shape's box, so that small shapes
	// cost little; its coordinates start at the box's corner.
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	at := func(pt Point) (float32, float32) { return float32(pt.X*s - ox), float32(pt.Y*s - oy) }
	p.r.Reset(box.Dx(), box.Dy())
	for _, op := range pa.ops {
		switch op.kind {
		case 'M':
			p.r.MoveTo(at(op.pts[0]))
		case 'L':
			p.r.LineTo(at(op.pts[0]))
		case 'C':
			ax, ay := at(op.pts[0])
			bx, by := at(op.pts[1])
			cx, cy := at(op.pts[2])
			p.r.CubeTo(ax, ay, bx, by, cx, cy)
		case 'Z':
			p.r.ClosePath()
		}
	}
	p.r.Draw(p.dst, box, src, box.Min)
}

func (g *Group) paint(p *painter) {
	for _, it := range g.Items {
		it.paint(p)
	}
}

func (r *Rect) paint(p *painter) {
	if src := p.source(r.Fill); src != nil {
		var pa path
		pa.roundRect(r.X, r.Y, r.W, r.H, r.Radius, false)
		p.fill(&pa, src)
	}
	if r.Stroke.A != 0 && r.StrokeWidth > 0 {
		// A stroke centred on the outline: the ring between the outline
		// grown and shrunk by half the width.
		h := r.StrokeWidth / 2
		var pa path
		pa.roundRect(r.X-h, r.Y-h, r.W+2*h, r.H+2*h, r.Radius+h, false)
		if r.W > 2*h && r.H > 2*h {
			pa.roundRect(r.X+h, r.Y+h, r.W-2*h, r.H-2*h, max(r.Radius-h, 0), true)
		}
		p.fill(&pa, image.NewUniform(r.Stroke))
	}
}

// source returns what paints fill f, or nil for none.
func (p *painter) source(f Fill) image.Image {
	switch {
	case f.Pattern != nil:
		return patternImage{f.Pattern, p.scale}
	case f.Color.A != 0:
		return image.NewUniform(f.Color)
	}
	return nil
}

func (l *Line) paint(p *painter) {
	dx, dy := l.X2-l.X1, l.Y2-l.Y1
	length := math.Hypot(dx, dy)
	if length == 0 || l.Stroke.A == 0 {
		return
	}
	ux, uy := dx/length, dy/length
	nx, ny := -uy*l.Width/2, ux*l.Width/2
	var pa path
	seg := func(t0, t1 float64) {
		ax, ay := l.X1+ux*t0, l.Y1+uy*t0
		bx, by := l.X1+ux*t1, l.Y1+uy*t1
		pa.polygon(Point{ax + nx, ay + ny}, Point{bx + nx, by + ny}, Point{bx - nx, by - ny}, Point{ax - nx, ay - ny})
	}
	if l.Dash <= 0 {
		seg(0, length)
	} else {
		for t := 0.0; t < length; t += 2 * l.Dash {
			seg(t, min(t+l.Dash, length))
		}
	}
	p.fill(&pa, image.NewUniform(l.Stroke))
}

func (pg *Polygon) paint(p *painter) {
	if len(pg.Points) < 3 || pg.Fill.A == 0 {
		return
	}
	var pa path
	pa.polygon(pg.Points...)
	p.fill(&pa, image.NewUniform(pg.Fill))
}

func (t *Text) paint(p *painter) {
	size := t.Size
	if size == 0 {
		size = p.pic.FontSize
	}
	s := p.scale
	runs := t.runs()
	width := 0.0
	for _, r := range runs {
		width += r.Gap*s + p.typesetter(size*s, r.Bold).width(r.S)
	}
	x, y := t.X*s, t.Y*s
	switch t.Anchor {
	case Middle:
		x -= width / 2
	case End:
		x -= width
	}
	halo := 0.0
	if t.Halo.A != 0 {
		halo = t.HaloWidth / 2 * s
	}
	for _, r := range runs {
		x += r.Gap * s
		ts := p.typesetter(size*s, r.Bold)
		w := ts.width(r.S)
		if r.S != "" {
			mask := ts.mask(r.S, x, y, w, size*s, halo)
			if halo > 0 {
				p.drawMask(dilate(mask, halo), t.Halo)
			}
			p.drawMask(mask, r.Color)
		}
		x += w
	}
}

// mask returns the ink of s, w px wide, with its baseline starting at (x,
// y), as an alpha mask over a box around it: wide enough for a halo of
// radius halo and for glyphs that reach past their advance.
func (t *typesetter) mask(s string, x, y, w, size, halo float64) *image.Alpha {
	pad := math.Ceil(halo) + 2
	box := image.Rect(int(math.Floor(x-pad)), int(math.Floor(y-1.2*size-pad)),
		int(math.Ceil(x+w+pad+0.3*size)), int(math.Ceil(y+0.45*size+pad)))
	mask := image.NewAlpha(box)
	dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(y * 64))}
	t.each(s, func(face font.Face, r rune, kern fixed.Int26_6) {
		dot.X += kern
		dr, gm, gp, adv, _ := face.Glyph(dot, r)
		if gm != nil {
			draw.DrawMask(mask, dr, image.Opaque, image.Point{}, gm, gp, draw.Over)
		}
		dot.X += adv
	})
	return mask
}

// drawMask paints colour c through mask, at the mask's own position.
func (p *painter) drawMask(mask *image.Alpha, c color.RGBA) {
	r := mask.Rect.Intersect(p.dst.Bounds())
	draw.DrawMask(p.dst, r, image.NewUniform(c), image.Point{}, mask, r.Min, draw.Over)
}

// dilate returns mask grown by radius pixels: each pixel the most ink
// within radius, weighted by how far inside the radius it lies, and
// doubled: a thin stem covers no pixel fully, but the outline a browser
// strokes around it is opaque.
func dilate(mask *image.Alpha, radius float64) *image.Alpha {
	type tap struct {
		dx, dy int
		w      uint32 // weight, out of 256
	}
	var taps []tap
	n := int(math.Ceil(radius))
	for dy := -n; dy <= n; dy++ {
		for dx := -n; dx <= n; dx++ {
			w := radius + 0.5 - math.Hypot(float64(dx), float64(dy))
			if w > 0 {
				taps = append(taps, tap{dx, dy, uint32(256 * min(w, 1))})
			}
		}
	}
	out := image.NewAlpha(mask.Rect)
	b := mask.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var best uint32
			for _, t := range taps {
				sx, sy := x+t.dx, y+t.dy
				if sx < b.Min.X || sy < b.Min.Y || sx >= b.Max.X || sy >= b.Max.Y {
					continue
				}
				if v := uint32(mask.Pix[(sy-b.Min.Y)*mask.Stride+sx-b.Min.X]) * t.w >> 8; v > best {
					best = v
				}
			}
			out.Pix[(y-b.Min.Y)*out.Stride+x-b.Min.X] = uint8(min(2*best, 255))
		}
	}
	return out
}

// patternImage is a pattern in device space, as an image to paint from.
// Each pixel is the share of it the pattern's ink covers, so stripes and
// dots have smooth edges.
type patternImage struct {
	pat   *Pattern
	scale float64
}

func (pi patternImage) ColorModel() color.Model { return color.RGBAModel }

func (pi patternImage) Bounds() image.Rectangle {
	return image.Rect(-1<<30, -1<<30, 1<<30, 1<<30)
}

func (pi patternImage) At(x, y int) color.Color {
	ux, uy := (float64(x)+0.5)/pi.scale, (float64(y)+0.5)/pi.scale
	var ink float64
	switch pi.pat.Kind {
	case Stripes:
		// Ink where (x+y) mod 8 < 4. Coverage is the band's share of the
		// pixel's footprint on the x+y axis, 2/scale wide.
		t, f := ux+uy, 2/pi.scale
		inBand := func(t float64) float64 { return math.Floor(t/8)*4 + min(t-8*math.Floor(t/8), 4) }
		ink = (inBand(t+f/2) - inBand(t-f/2)) / f
	case Dots:
		cx, cy := ux-6*math.Floor(ux/6)-3, uy-6*math.Floor(uy/6)-3
		ink = (1.4-math.Hypot(cx, cy))*pi.scale + 0.5
	}
	return mix(pi.pat.Ground, pi.pat.Ink, max(min(ink, 1), 0))
}

// mix returns a blended toward b by t, from 0 to 1.
func mix(a, b color.RGBA, t float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), m(a.A, b.A)}
}
