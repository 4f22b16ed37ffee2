package progress

import (
	"math"
	"time"

	"github.com/gokernel/gokernel/lib/internal/picture"
)

// The PNG bar: a track filled from the left, and the status line beside it,
// on its own light card so that it reads in light and dark themes.
const (
	pngScale   = 2 // device pixels per CSS pixel
	cardH      = 30
	trackX     = 12
	trackW     = 240
	trackH     = 10
	statusSize = 12
)

var (
	colorCard   = picture.Hex("#fcfcfc")
	colorBorder = picture.Hex("#d0d0d0")
	colorTrack  = picture.Hex("#e2e2e2")
	colorFill   = picture.Hex("#1b9e77")
	colorText   = picture.Hex("#222222")
)

// barPicture draws the bar with n of total steps done.
func barPicture(n, total int, elapsed time.Duration, done bool) *picture.Picture {
	text := status(n, total, elapsed, done)
	fonts := picture.DefaultFonts()
	textX := float64(trackX + trackW + 10)
	// As wide as the longest status the bar will likely show, so that the
	// picture keeps its size as it updates.
	widest := fonts.Width(text, statusSize, false)
	for _, d := range []time.Duration{999 * time.Millisecond, 59900 * time.Millisecond} {
		widest = max(widest, fonts.Width(status(total, total, d, true), statusSize, false))
	}
	w := math.Ceil(textX + widest*1.1 + 12)
	pic := &picture.Picture{Width: w, Height: cardH, Title: "progress: " + text, FontSize: statusSize, Fonts: fonts}
	trackY := float64(cardH-trackH) / 2
	pic.Add(
		&picture.Rect{Meta: picture.Meta{Class: "background"}, X: 0.5, Y: 0.5, W: w - 1, H: cardH - 1, Radius: 6,
			Fill: picture.Solid(colorCard), Stroke: colorBorder, StrokeWidth: 1},
		&picture.Rect{Meta: picture.Meta{Class: "track"}, X: trackX, Y: trackY, W: trackW, H: trackH, Radius: trackH / 2, Fill: picture.Solid(colorTrack)},
	)
	if f := fraction(n, total); f > 0 {
		pic.Add(&picture.Rect{Meta: picture.Meta{Class: "fill"}, X: trackX, Y: trackY, W: max(trackW*f, trackH), H: trackH, Radius: trackH / 2, Fill: picture.Solid(colorFill)})
	}
	pic.Add(&picture.Text{X: textX, Y: cardH/2 + statusSize*0.36, S: text, Color: colorText})
	return pic
}
