// Package display lets notebook code show rich output: HTML, Markdown, SVG,
// images and JSON, once or in a display that updates in place.
//
// Notebook code imports it as "gokernel/display". The functions it calls
// (HTML, Show, NewDisplay, ...) are bound to the session's [Sink] by
// [Exports]; this package keeps no state of its own, so several sessions can
// live in one process.
//
// Every bundle sent to the sink carries "text/plain" beside its rich formats,
// so front ends that only show text still show something. A bundle whose
// only picture is SVG also carries the SVG as an HTML <img>: JupyterLab
// shows no SVG from a notebook it doesn't trust (one opened from a file),
// but it shows sanitized HTML, and its sanitizer keeps an <img> with a
// data: URL.
package display

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG data, for its text/plain size
	"image/png"
	"maps"
	"reflect"
	"slices"
	"sync"
)

// MIME types of the formats this package sends.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMESVG      = "image/svg+xml"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMEJSON     = "application/json"
)

// Sink receives what notebook code displays. The worker implements it by
// sending display_data, update_display_data and clear_output messages to
// Jupyter. Its methods may be called from any goroutine.
type Sink interface {
	// Display shows data. With update false it is a new output (with
	// displayID set, one that later updates can replace); with update true
	// it replaces the output shown earlier under displayID.
	Display(data map[string]any, metadata map[string]any, displayID string, update bool)
	// Clear clears the cell's output; with wait true, only when the next
	// output arrives (which avoids flicker).
	Clear(wait bool)
}

// Bundle is a MIME bundle: MIME type → data. Values are strings (text, HTML,
// SVG, base64 for images) except "application/json", whose value is any
// JSON-marshalable Go value.
type Bundle map[string]any

// Renderer is implemented by values that show themselves as more than text.
// Notebook-defined types may implement it; a timeline does.
type Renderer interface {
	MIMEBundle() Bundle
}

// Interrupter is implemented by a [Sink] whose session can be interrupted.
// Native code that blocks on behalf of a cell (a timeline.Chan's Send)
// waits on Interrupted too, so that an interrupt ends it.
type Interrupter interface {
	// Interrupted returns a channel closed at the session's next interrupt.
	Interrupted() <-chan struct{}
}

// BundleOf returns the bundle that shows v: a [Renderer]'s own bundle, or a
// PNG for an [image.Image]. Both carry "text/plain". It reports false for
// other values, for a nil pointer (whose methods would likely panic), and
// for a Renderer whose bundle is empty.
func BundleOf(v any) (Bundle, bool) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, false
	}
	switch v := v.(type) {
	case Renderer:
		b := v.MIMEBundle()
		if len(b) == 0 {
			return nil, false
		}
		return complete(b), true
	case image.Image:
		return imageBundle(v), true
	}
	return nil, false
}

// NewHandle returns a display bound to sink with a fresh display ID. It is
// for native packages (such as progress); notebook code calls NewDisplay.
func NewHandle(sink Sink) *Handle {
	return &Handle{sink: sink, id: "gokernel-" + rand.Text()}
}

// Handle is one display that can be replaced in place: its first output is
// sent as display_data, every later one as update_display_data under the
// same display ID. Its methods are safe for concurrent use.
type Handle struct {
	sink Sink
	id   string

	mu    sync.Mutex // held while sending, so the first message sent is the display
	shown bool
}

// ID returns the handle's display ID.
func (h *Handle) ID() string { return h.id }

// HTML shows s as HTML.
func (h *Handle) HTML(s string) { h.Display(htmlBundle(s)) }

// Markdown shows s as Markdown.
func (h *Handle) Markdown(s string) { h.Display(markdownBundle(s)) }

// SVG shows s, an SVG document.
func (h *Handle) SVG(s string) { h.Display(svgBundle(s)) }

// Text shows s as plain text.
func (h *Handle) Text(s string) { h.Display(textBundle(s)) }

// Show shows v as the package-level Show does.
func (h *Handle) Show(v any) { h.Display(showBundle(v)) }

// Display shows b, adding "text/plain" if b has none (and the HTML form
// of an SVG that comes alone).
func (h *Handle) Display(b Bundle) {
	data := complete(b)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sink.Display(data, Metadata(data), h.id, h.shown)
	h.shown = true
}

// displayer holds the functions notebook code calls, bound to one session's
// sink. Its exported methods are the package-level functions of
// "gokernel/display" as notebook code sees them.
type displayer struct {
	sink Sink
}

// HTML shows s as HTML.
func (d displayer) HTML(s string) { d.send(htmlBundle(s)) }

// Markdown shows s as Markdown.
func (d displayer) Markdown(s string) { d.send(markdownBundle(s)) }

// SVG shows s, an SVG document.
func (d displayer) SVG(s string) { d.send(svgBundle(s)) }

// PNG shows b, PNG-encoded image data.
func (d displayer) PNG(b []byte) { d.send(encodedImageBundle(MIMEPNG, b)) }

// JPEG shows b, JPEG-encoded image data.
func (d displayer) JPEG(b []byte) { d.send(encodedImageBundle(MIMEJPEG, b)) }

// JSON shows v as JSON (front ends draw it as a tree). A value that can't
// be marshalled is shown as the error text.
func (d displayer) JSON(v any) { d.send(jsonBundle(v)) }

// Text shows s as plain text.
func (d displayer) Text(s string) { d.send(textBundle(s)) }

// Image shows img, encoded as PNG.
func (d displayer) Image(img image.Image) { d.send(imageBundle(img)) }

// Display shows b, adding "text/plain" if b has none (and the HTML form
// of an SVG that comes alone).
func (d displayer) Display(b Bundle) { d.send(complete(b)) }

// Show shows v: a [Renderer] as its bundle, an [image.Image] as a PNG,
// anything else as text (fmt's %v).
func (d displayer) Show(v any) { d.send(showBundle(v)) }

// NewDisplay returns a display that can be updated in place.
func (d displayer) NewDisplay() *Handle { return NewHandle(d.sink) }

// Clear clears the cell's output; with wait true, only when the next output
// arrives, which avoids flicker in animations.
func (d displayer) Clear(wait bool) { d.sink.Clear(wait) }

func (d displayer) send(b Bundle) {
	d.sink.Display(b, Metadata(b), "", false)
}

func showBundle(v any) Bundle {
	if b, ok := BundleOf(v); ok {
		return b
	}
	return textBundle(fmt.Sprint(v))
}

func textBundle(s string) Bundle { return Bundle{MIMEText: s} }

func htmlBundle(s string) Bundle { return Bundle{MIMEHTML: s, MIMEText: htmlText(s)} }

func markdownBundle(s string) Bundle { return Bundle{MIMEMarkdown: s, MIMEText: s} }

func svgBundle(s string) Bundle { return complete(Bundle{MIMESVG: s}) }

func jsonBundle(v any) Bundle {
	text, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return textBundle(fmt.Sprintf("<JSON: %v>", err))
	}
	return Bundle{MIMEJSON: v, MIMEText: string(text)}
}

// encodedImageBundle shows already encoded image data; its text/plain gives
// the size when the data can be decoded.
func encodedImageBundle(mime string, data []byte) Bundle {
	text := fmt.Sprintf("<image, %d bytes>", len(data))
	if c, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		text = fmt.Sprintf("<image %dx%d>", c.Width, c.Height)
	}
	return Bundle{mime: base64.StdEncoding.EncodeToString(data), MIMEText: text}
}

func imageBundle(img image.Image) Bundle {
	if img == nil {
		return textBundle("<nil image>")
	}
	size := img.Bounds().Size()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return textBundle(fmt.Sprintf("<image %dx%d: %v>", size.X, size.Y, err))
	}
	return Bundle{
		MIMEPNG:  base64.StdEncoding.EncodeToString(buf.Bytes()),
		MIMEText: fmt.Sprintf("<image %dx%d>", size.X, size.Y),
	}
}

// complete returns a copy of b that has "text/plain": b's own, else a
// short description of b's richest format. If b's only picture is an SVG
// and it has no HTML, the copy also has the SVG as an HTML <img>, which
// JupyterLab shows in a notebook it doesn't trust. The copy keeps notebook
// code's map from changing under the sink.
func complete(b Bundle) Bundle {
	out := maps.Clone(b)
	if out == nil {
		out = Bundle{}
	}
	if _, ok := out[MIMEText]; !ok {
		out[MIMEText] = describe(out)
	}
	svg, ok := out[MIMESVG].(string)
	_, html := out[MIMEHTML]
	_, png := out[MIMEPNG]
	_, jpeg := out[MIMEJPEG]
	if ok && !html && !png && !jpeg {
		alt, _ := out[MIMEText].(string)
		out[MIMEHTML] = svgImg(svg, alt)
	}
	return out
}

// describe returns a short plain-text stand-in for a bundle without one.
func describe(b Bundle) string {
	if s, ok := b[MIMEMarkdown].(string); ok {
		return s
	}
	if s, ok := b[MIMESVG].(string); ok {
		return svgText(s)
	}
	if s, ok := b[MIMEHTML].(string); ok {
		return htmlText(s)
	}
	for _, f := range []struct{ mime, text string }{
		{MIMEHTML, "<HTML>"},
		{MIMESVG, "<SVG>"},
		{MIMEPNG, "<image>"},
		{MIMEJPEG, "<image>"},
		{MIMEJSON, "<JSON>"},
	} {
		if _, ok := b[f.mime]; ok {
			return f.text
		}
	}
	if mimes := slices.Sorted(maps.Keys(b)); len(mimes) > 0 {
		return "<" + mimes[0] + ">"
	}
	return ""
}
