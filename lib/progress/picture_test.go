package progress

import (
	"bytes"
	"encoding/base64"
	"image/color"
	"image/png"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/display/displaytest"
)

// TestPNG decodes the bar's PNG as each update sends it and finds the
// track filled as far as the steps done, the picture keeping its size.
func TestPNG(t *testing.T) {
	rec := &displaytest.Recorder{}
	synctest.Test(t, func(t *testing.T) {
		bar := newBar(rec, 4)
		bar.Set(1)
		time.Sleep(minInterval) // so that the next step is sent too
		bar.Set(3)
		bar.Done()
	})
	calls := rec.Calls()
	if len(calls) < 3 {
		t.Fatalf("%d displays, want at least 3", len(calls))
	}
	var width int
	for i, c := range calls {
		data, err := base64.StdEncoding.DecodeString(c.Data[display.MIMEPNG].(string))
		if err != nil {
			t.Fatalf("display %d: image/png is not base64: %v", i, err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("display %d: image/png does not decode: %v", i, err)
		}
		if i == 0 {
			width = img.Bounds().Dx()
		} else if got := img.Bounds().Dx(); got != width {
			t.Errorf("display %d is %d px wide, the first %d: the bar changes size as it updates", i, got, width)
		}
		if md, ok := c.Metadata[display.MIMEPNG].(map[string]any); !ok || md["width"] != width/pngScale {
			t.Errorf("display %d: metadata %v, want the PNG shown %d px wide", i, c.Metadata, width/pngScale)
		}
		// Sample the middle of each quarter of the track.
		var n int
		if i > 0 {
			n = 3
		}
		for q := range 4 {
			x := (trackX + trackW*(float64(q)+0.5)/4) * pngScale
			y := cardH / 2 * pngScale
			got := color.RGBAModel.Convert(img.At(int(x), y)).(color.RGBA)
			want := colorTrack
			if q < n {
				want = colorFill
			}
			if got != want {
				t.Errorf("display %d (%s): quarter %d of the track is %v, want %v", i, c.Data[display.MIMEText], q+1, got, want)
			}
		}
	}
}
