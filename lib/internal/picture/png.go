package picture

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
)

// PNG paints the picture with scale device pixels per CSS pixel and
// returns it PNG-encoded, its pixel density saying so.
func (p *Picture) PNG(scale float64) []byte {
	return Encode(p.Image(scale), scale)
}

// CSSPixelsPerMetre is the density of an image shown one image pixel to
// one CSS pixel (96 per inch).
const CSSPixelsPerMetre = 96 / 0.0254

// Encode returns img PNG-encoded with a palette of at most 256 colours: a
// picture of a few flat colours and their antialiased edges loses nothing
// visible in that, and takes a third of the bytes of RGBA. (Best
// compression would take five times as long for a few percent less.) Its
// pHYs chunk says it has scale pixels per CSS pixel, so that it can be
// shown at its intended size (display.Metadata reads it).
func Encode(img *image.RGBA, scale float64) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, Quantize(img)); err != nil {
		panic("picture: encoding PNG into memory: " + err.Error()) // only for an image of zero size
	}
	return withDensity(buf.Bytes(), scale*CSSPixelsPerMetre)
}

// withDensity returns a PNG with a pHYs chunk of ppm pixels per metre
// after its IHDR chunk (which the encoder writes first, 25 bytes after the
// 8-byte signature); the standard encoder writes none.
func withDensity(data []byte, ppm float64) []byte {
	const ihdrEnd = 8 + 25
	chunk := make([]byte, 4+4+9+4)
	binary.BigEndian.PutUint32(chunk, 9)
	copy(chunk[4:], "pHYs")
	d := uint32(math.Round(ppm))
	binary.BigEndian.PutUint32(chunk[8:], d)
	binary.BigEndian.PutUint32(chunk[12:], d)
	chunk[16] = 1 // the unit is the metre
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	return slices.Concat(data[:ihdrEnd], chunk, data[ihdrEnd:])
}

// Quantize returns img with a palette: its own colours if it has at most
// 256, else 256 chosen by median cut over its colours weighted by how
// many pixels have them, each pixel taking the nearest. There is no
// dithering: it would cost more bytes than it gains on flat colours.
func Quantize(img *image.RGBA) *image.Paletted {
	// Runs of one colour are most of a picture: count them a run at a time.
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		run, n := color.RGBA{row[0], row[1], row[2], row[3]}, 0
		for x := 0; x < b.Dx(); x++ {
			if c := (color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}); c != run {
				counts[run] += n
				run, n = c, 0
			}
			n++
		}
		counts[run] += n
	}
	colors := make([]weighted, 0, len(counts))
	for c, n := range counts {
		colors = append(colors, weighted{c, n})
	}
	// A fixed order, so that the same image always encodes the same.
	slices.SortFunc(colors, func(a, b weighted) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(pack(a.c), pack(b.c)))
	})

	var pal color.Palette
	if len(colors) <= 256 {
		for _, w := range colors {
			pal = append(pal, w.c)
		}
	} else {
		pal = medianCut(colors, 256)
	}
	out := image.NewPaletted(b, pal)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		dst := out.Pix[out.PixOffset(b.Min.X, y):]
		var last color.RGBA
		var i uint8
		for x := 0; x < b.Dx(); x++ {
			c := color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}
			if x == 0 || c != last {
				var ok bool
				if i, ok = index[c]; !ok {
					i = uint8(pal.Index(c))
					index[c] = i
				}
				last = c
			}
			dst[x] = i
		}
	}
	return out
}

type weighted struct {
	c color.RGBA
	n int
}

func pack(c color.RGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}

// medianCut returns n colours for colors: it splits the box of colours
// with the most pixels times the widest channel range at the weighted
// median of that channel, until there are n boxes, and takes each box's
// weighted mean.
func medianCut(colors []weighted, n int) color.Palette {
	channel := func(c color.RGBA, i int) uint8 { return [4]uint8{c.R, c.G, c.B, c.A}[i] }
	// widest returns a box's widest channel and its range.
	widest := func(box []weighted) (ch, span int) {
		for i := range 4 {
			lo, hi := 255, 0
			for _, w := range box {
				v := int(channel(w.c, i))
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo > span {
				ch, span = i, hi-lo
			}
		}
		return ch, span
	}
	weight := func(box []weighted) int {
		total := 0
		for _, w := range box {
			total += w.n
		}
		return total
	}
	boxes := [][]weighted{colors}
	for len(boxes) < n {
		best, bestScore, bestCh := -1, 0, 0
		for i, box := range boxes {
			if len(box) < 2 {
				continue
			}
			ch, span := widest(box)
			// Weight by pixels, but let a wide box of few pixels (an
			// antialiased edge between two far colours) split too.
			if score := span * (1 + weight(box)/64); span > 0 && score > bestScore {
				best, bestScore, bestCh = i, score, ch
			}
		}
		if best < 0 {
			break
		}
		box := boxes[best]
		slices.SortStableFunc(box, func(a, b weighted) int {
			return cmp.Compare(channel(a.c, bestCh), channel(b.c, bestCh))
		})
		half, seen, cut := weight(box)/2, 0, 1
		for i, w := range box[:len(box)-1] {
			seen += w.n
			cut = i + 1
			if seen >= half {
				break
			}
		}
		boxes = append(boxes[:best], append([][]weighted{box[:cut], box[cut:]}, boxes[best+1:]...)...)
	}
	pal := make(color.Palette, 0, len(boxes))
	for _, box := range boxes {
		var r, g, b, a, total int
		for _, w := range box {
			r += int(w.c.R) * w.n
			g += int(w.c.G) * w.n
			b += int(w.c.B) * w.n
			a += int(w.c.A) * w.n
			total += w.n
		}
		pal = append(pal, color.RGBA{uint8(r / total), uint8(g / total), uint8(b / total), uint8(a / total)})
	}
	return pal
}
