//go:build gokernel_compiled

package display

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// A compiled cell is a Go program the kernel builds from a cell (with the build tag
// gokernel_compiled). There the functions notebook code calls are package-level functions,
// bound to the display pipe the kernel passed (see [Event]); run outside the kernel, the
// program prints each display's text instead.

var std = displayer{sink: openSink()}

// HTML shows s as HTML.
func HTML(s string) { std.HTML(s) }

// Markdown shows s as Markdown.
func Markdown(s string) { std.Markdown(s) }

// SVG shows s, an SVG document.
func SVG(s string) { std.SVG(s) }

// PNG shows b, PNG-encoded image data.
func PNG(b []byte) { std.PNG(b) }

// JPEG shows b, JPEG-encoded image data.
func JPEG(b []byte) { std.JPEG(b) }

// JSON shows v as JSON.
func JSON(v any) { std.JSON(v) }

// Text shows s as plain text.
func Text(s string) { std.Text(s) }

// Image shows img, encoded as PNG.
func Image(img image.Image) { std.Image(img) }

// Display shows b, adding "text/plain" if b has none.
func Display(b Bundle) { std.Display(b) }

// Show shows v: a [Renderer] as its bundle, an [image.Image] as a PNG, anything else as text.
func Show(v any) { std.Show(v) }

// NewDisplay returns a display that can be updated in place.
func NewDisplay() *Handle { return std.NewDisplay() }

// Clear clears the cell's output; with wait true, only when the next output arrives.
func Clear(wait bool) { std.Clear(wait) }

// StdSink is the sink of the package-level functions, for the other notebook packages.
func StdSink() Sink { return std.sink }

// Result sends v as the cell's result, as an interpreted cell's final expression is shown: a
// [Renderer] or an image as a picture, a string quoted, other values with their fields named.
func Result(v any) {
	b, ok := BundleOf(v)
	if !ok {
		b = Bundle{MIMEText: resultText(v)}
	}
	if s, ok := std.sink.(*pipeSink); ok {
		s.send(Event{Data: b, Metadata: Metadata(b), Result: true})
		return
	}
	std.sink.Display(b, Metadata(b), "", false)
}

func resultText(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case error, fmt.Stringer, fmt.Formatter:
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%+v", v)
}

// openSink returns the sink for the descriptor the kernel named, or one that prints.
func openSink() Sink {
	fd, err := strconv.Atoi(os.Getenv(DisplayFDEnv))
	if err != nil || fd < 3 {
		return textSink{}
	}
	syscall.CloseOnExec(fd) // the processes the program starts don't hold the pipe open
	return &pipeSink{f: os.NewFile(uintptr(fd), "gokernel-display")}
}

// pipeSink sends events to the kernel and waits for each to be taken.
type pipeSink struct {
	mu sync.Mutex
	f  *os.File
}

func (s *pipeSink) Display(data, metadata map[string]any, displayID string, update bool) {
	s.send(Event{Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

func (s *pipeSink) Clear(wait bool) { s.send(Event{Clear: true, Wait: wait}) }

func (s *pipeSink) send(e Event) {
	line, err := json.Marshal(e)
	if err != nil {
		line, _ = json.Marshal(Event{Data: textBundle(fmt.Sprintf("<display: %v>", err))})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return // the kernel is gone, and the program is about to be
	}
	var ack [1]byte
	s.f.Read(ack[:])
}

// textSink prints what is displayed as text: the program runs outside the kernel.
type textSink struct{}

func (textSink) Display(data, _ map[string]any, _ string, _ bool) {
	if s, ok := data[MIMEText].(string); ok {
		fmt.Println(s)
	}
}

func (textSink) Clear(bool) {}
