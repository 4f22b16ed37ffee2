package timeline

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/internal/picture"
)

// Comparison is several timelines drawn as panels of one picture, one
// above the other, on one time axis: a timeline that took half as long
// ends half way across. Create one with [Compare].
type Comparison struct {
	id  string
	tls []*Timeline
}

// Compare returns the timelines as one picture on one time axis, each in
// its panel under its title (see [Timeline.SetTitle]). It stops them.
func Compare(timelines ...*Timeline) *Comparison {
	var tls []*Timeline
	for _, tl := range timelines {
		if tl != nil {
			tls = append(tls, tl)
		}
	}
	return &Comparison{id: "cmp" + rand.Text()[:10], tls: tls}
}

// MIMEBundle returns the picture as SVG and as PNG, with the text summary
// of [Comparison.String] as text/plain.
func (c *Comparison) MIMEBundle() display.Bundle { return bundle(c.render(picture.DefaultFonts())) }

// SVG returns the picture.
func (c *Comparison) SVG() string { return c.render(picture.DefaultFonts()).pic.SVG() }

// PNG returns the picture as PNG data, as [Timeline.PNG] does.
func (c *Comparison) PNG() []byte { return c.render(picture.DefaultFonts()).png() }

// String returns a text summary: each timeline's, with its wall time as a
// share of the first one's.
func (c *Comparison) String() string { return c.render(picture.DefaultFonts()).text }

func (c *Comparison) render(fonts *picture.Fonts) rendered {
	if len(c.tls) == 0 {
		tl := New()
		tl.id = c.id
		return tl.render(fonts)
	}
	snaps := make([]snapshot, len(c.tls))
	for i, tl := range c.tls {
		snaps[i] = tl.snapshot()
		snaps[i].id = c.id
		if snaps[i].title == "" {
			snaps[i].title = fmt.Sprintf("timeline %d", i+1)
		}
	}
	var walls []string
	for _, s := range snaps {
		walls = append(walls, formatMS(s.end)+" ms")
	}
	caption := fmt.Sprintf("%d CPUs · one time axis · wall time %s", snaps[0].cpus, strings.Join(walls, " vs "))
	if len(snaps) == 2 && snaps[0].end > 0 {
		caption += fmt.Sprintf(" (%.2f×)", float64(snaps[1].end)/float64(snaps[0].end))
	}
	title := fmt.Sprintf("%d goroutine timelines on one time axis: %s", len(snaps), strings.Join(walls, ", "))
	pic, l := drawTimelines(fonts, snaps, title, caption)

	var b strings.Builder
	fmt.Fprintf(&b, "%d timelines on one time axis (0–%s ms):\n", len(snaps), formatAxis(l.axisMax))
	for i, s := range snaps {
		b.WriteString(s.headline())
		if i > 0 && snaps[0].end > 0 {
			fmt.Fprintf(&b, ", %.2f× the wall time of the first", float64(s.end)/float64(snaps[0].end))
		}
		b.WriteString("\n")
		s.laneTable(&b, "  ")
	}
	if len(l.missing) > 0 {
		b.WriteString(missingNote(l.missing))
	}
	return rendered{pic: pic, text: strings.TrimSuffix(b.String(), "\n")}
}
