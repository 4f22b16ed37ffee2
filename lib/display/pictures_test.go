package display_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"reflect"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/display/displaytest"
)

func TestSVGText(t *testing.T) {
	tests := []struct{ svg, want string }{
		{`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><title>two  circles
</title><circle r="3"/></svg>`, "<SVG 400x200: two circles>"},
		{`<svg viewBox="0 0 30 10"><g><title>inner</title></g></svg>`, "<SVG 30x10: inner>"},
		{`<svg width="12px" height="8px"/>`, "<SVG 12x8>"},
		{`<svg><title></title></svg>`, "<SVG>"},
		{`not svg at all`, "<SVG>"},
	}
	for _, tt := range tests {
		syms, rec := table(t)
		call(t, syms, "SVG", tt.svg)
		if got := rec.Last().Data["text/plain"]; got != tt.want {
			t.Errorf("SVG(%q): text/plain %q, want %q", tt.svg, got, tt.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ html, want string }{
		{"<b>bold</b> from&nbsp;Go &amp; more", "bold from Go & more"},
		{"<p>one</p><p>two</p>", "one two"},
		{"<style>p { color: red }</style><script>alert(1)</script>shown", "shown"},
		{"line<br>break", "line break"},
		{"<div class='x'>\n  spaced\n\n out </div>", "spaced out"},
		{"<img src='x.png'>", "<HTML>"},
		{strings.Repeat("a", 400), strings.Repeat("a", 299) + "…"},
	}
	for _, tt := range tests {
		syms, rec := table(t)
		call(t, syms, "HTML", tt.html)
		if got := rec.Last().Data["text/plain"]; got != tt.want {
			t.Errorf("HTML(%q): text/plain %q, want %q", tt.html, got, tt.want)
		}
	}
}

// TestSVGAsImage decodes the <img> that carries an SVG and finds the SVG
// in it, unchanged.
func TestSVGAsImage(t *testing.T) {
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><title>a "quoted" &amp; odd title</title></svg>`
	syms, rec := table(t)
	call(t, syms, "SVG", svg)
	html, _ := rec.Last().Data["text/html"].(string)
	const prefix = `<img src="data:image/svg+xml;base64,`
	if !strings.HasPrefix(html, prefix) {
		t.Fatalf("text/html %q does not start with %q", html, prefix)
	}
	data := html[len(prefix) : strings.Index(html[len(prefix):], `"`)+len(prefix)]
	got, err := base64.StdEncoding.DecodeString(data)
	if err != nil || string(got) != svg {
		t.Errorf("the <img> carries %q (%v), want the SVG %q", got, err, svg)
	}
	if want := `alt="&lt;SVG 4x4: a &#34;quoted&#34; &amp; odd title&gt;"`; !strings.Contains(html, want) {
		t.Errorf("text/html %q lacks %s", html, want)
	}
}

// withPHYs returns a PNG of w×h pixels whose pHYs chunk says ppm pixels per
// metre.
func withPHYs(t *testing.T, w, h int, ppm uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	chunk := make([]byte, 21)
	binary.BigEndian.PutUint32(chunk, 9)
	copy(chunk[4:], "pHYs")
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	out := append(append(append([]byte(nil), data[:33]...), chunk...), data[33:]...)
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the PNG with pHYs does not decode: %v", err)
	}
	return out
}

func TestMetadataOfDensePNG(t *testing.T) {
	tests := []struct {
		name string
		png  []byte
		want map[string]any
	}{
		{"twice the density", withPHYs(t, 1440, 400, 7559), map[string]any{"image/png": map[string]any{"width": 720, "height": 200}}},
		{"CSS density", withPHYs(t, 30, 20, 3780), map[string]any{}},
		{"no pHYs", encodePNG(t, testImage()), map[string]any{}},
		{"not a PNG", []byte("junk"), map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Metadata(display.Bundle{"image/png": b64(tt.png)}); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Metadata: got %v, want %v", got, tt.want)
			}
			// And it is what the sink gets with the picture.
			rec := &displaytest.Recorder{}
			display.NewHandle(rec).Display(display.Bundle{"image/png": b64(tt.png)})
			if got := rec.Last().Metadata; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("metadata sent: got %v, want %v", got, tt.want)
			}
		})
	}
	if got := display.Metadata(display.Bundle{"text/plain": "x"}); got == nil || len(got) != 0 {
		t.Errorf("Metadata of a bundle without PNG: %v, want {}", got)
	}
}
