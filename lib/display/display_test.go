package display_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/lib/display/displaytest"
	"github.com/gokernel/gokernel/lib/internal/symtest"
)

const tableKey = "gokernel/display/display"

// table returns the notebook functions of a session bound to a new recorder.
func table(t *testing.T) (map[string]reflect.Value, *displaytest.Recorder) {
	t.Helper()
	rec := &displaytest.Recorder{}
	syms, ok := display.Exports(rec)[tableKey]
	if !ok {
		t.Fatalf("Exports has no %q", tableKey)
	}
	return syms, rec
}

// call calls the function name of a symbol table with args.
func call(t *testing.T, syms map[string]reflect.Value, name string, args ...any) []reflect.Value {
	t.Helper()
	fn, ok := syms[name]
	if !ok {
		t.Fatalf("no %s in the table", name)
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		in[i] = reflect.ValueOf(a)
		if a == nil {
			in[i] = reflect.Zero(fn.Type().In(i))
		}
	}
	return fn.Call(in)
}

type renderer struct{ b display.Bundle }

func (r renderer) MIMEBundle() display.Bundle { return r.b }

type pointerRenderer struct{ b display.Bundle }

func (r *pointerRenderer) MIMEBundle() display.Bundle { return r.b }

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestFunctions(t *testing.T) {
	img := testImage()
	pngData := encodePNG(t, img)
	jpegData := encodeJPEG(t, img)
	jsonValue := map[string]any{"a": 1, "b": []int{2, 3}}
	tests := []struct {
		name string
		fn   string
		args []any
		want map[string]any
	}{
		{"html", "HTML", []any{"<b>hi</b>"}, map[string]any{
			"text/html": "<b>hi</b>", "text/plain": "hi"}},
		{"html without text", "HTML", []any{"<hr>"}, map[string]any{
			"text/html": "<hr>", "text/plain": "<HTML>"}},
		{"markdown", "Markdown", []any{"# Title"}, map[string]any{
			"text/markdown": "# Title", "text/plain": "# Title"}},
		{"svg", "SVG", []any{"<svg/>"}, map[string]any{
			"image/svg+xml": "<svg/>", "text/plain": "<SVG>",
			"text/html": `<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="&lt;SVG&gt;" style="max-width:100%">`}},
		{"png", "PNG", []any{pngData}, map[string]any{
			"image/png": b64(pngData), "text/plain": "<image 3x2>"}},
		{"jpeg", "JPEG", []any{jpegData}, map[string]any{
			"image/jpeg": b64(jpegData), "text/plain": "<image 3x2>"}},
		{"png not decodable", "PNG", []any{[]byte("junk")}, map[string]any{
			"image/png": b64([]byte("junk")), "text/plain": "<image, 4 bytes>"}},
		{"json", "JSON", []any{jsonValue}, map[string]any{
			"application/json": jsonValue,
			"text/plain":       "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    3\n  ]\n}"}},
		{"json not marshalable", "JSON", []any{make(chan int)}, map[string]any{
			"text/plain": "<JSON: json: unsupported type: chan int>"}},
		{"text", "Text", []any{"hello"}, map[string]any{"text/plain": "hello"}},
		{"image", "Image", []any{img}, map[string]any{
			"image/png": b64(pngData), "text/plain": "<image 3x2>"}},
		{"image nil", "Image", []any{nil}, map[string]any{"text/plain": "<nil image>"}},
		{"display adds text", "Display", []any{display.Bundle{"text/html": "x"}}, map[string]any{
			"text/html": "x", "text/plain": "x"}},
		{"display svg with its own png", "Display", []any{display.Bundle{"image/svg+xml": "<svg/>", "image/png": "AAAA"}}, map[string]any{
			"image/svg+xml": "<svg/>", "image/png": "AAAA", "text/plain": "<SVG>"}},
		{"display svg with html", "Display", []any{display.Bundle{"image/svg+xml": "<svg/>", "text/html": "<b>svg</b>"}}, map[string]any{
			"image/svg+xml": "<svg/>", "text/html": "<b>svg</b>", "text/plain": "<SVG>"}},
		{"display keeps text", "Display", []any{display.Bundle{"text/html": "x", "text/plain": "mine"}}, map[string]any{
			"text/html": "x", "text/plain": "mine"}},
		{"display other type", "Display", []any{display.Bundle{"text/latex": "$x$"}}, map[string]any{
			"text/latex": "$x$", "text/plain": "<text/latex>"}},
		{"show renderer", "Show", []any{renderer{display.Bundle{"image/svg+xml": "<svg/>", "text/plain": "a dot"}}}, map[string]any{
			"image/svg+xml": "<svg/>", "text/plain": "a dot",
			"text/html": `<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="a dot" style="max-width:100%">`}},
		{"show image", "Show", []any{img}, map[string]any{
			"image/png": b64(pngData), "text/plain": "<image 3x2>"}},
		{"show value", "Show", []any{[]int{1, 2}}, map[string]any{"text/plain": "[1 2]"}},
		{"show empty renderer", "Show", []any{renderer{}}, map[string]any{"text/plain": "{map[]}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			syms, rec := table(t)
			call(t, syms, tt.fn, tt.args...)
			calls := rec.Calls()
			if len(calls) != 1 {
				t.Fatalf("got %d calls, want 1", len(calls))
			}
			c := calls[0]
			if !reflect.DeepEqual(c.Data, tt.want) {
				t.Errorf("data:\ngot  %#v\nwant %#v", c.Data, tt.want)
			}
			if c.Clear || c.Update || c.DisplayID != "" || c.Metadata == nil {
				t.Errorf("got clear %v, update %v, display ID %q, metadata %v; want a plain display with metadata {}",
					c.Clear, c.Update, c.DisplayID, c.Metadata)
			}
		})
	}
}

func TestJSONKeepsValue(t *testing.T) {
	syms, rec := table(t)
	v := &struct{ N int }{N: 7}
	call(t, syms, "JSON", v)
	if got := rec.Last().Data["application/json"]; got != any(v) {
		t.Errorf("application/json is %#v, want the value passed (%p)", got, v)
	}
}

func TestImageDecodes(t *testing.T) {
	syms, rec := table(t)
	call(t, syms, "Image", testImage())
	data, err := base64.StdEncoding.DecodeString(rec.Last().Data["image/png"].(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds(), image.Rect(0, 0, 3, 2); got != want {
		t.Errorf("bounds %v, want %v", got, want)
	}
	if r, _, _, _ := img.At(1, 1).RGBA(); r>>8 != 200 {
		t.Errorf("pixel (1,1) red %d, want 200", r>>8)
	}
}

func TestDisplayCopiesBundle(t *testing.T) {
	syms, rec := table(t)
	b := display.Bundle{"text/html": "x"}
	call(t, syms, "Display", b)
	if _, ok := b["text/plain"]; ok {
		t.Error("Display added text/plain to the caller's bundle")
	}
	b["text/html"] = "changed"
	if got := rec.Last().Data["text/html"]; got != "x" {
		t.Errorf("sent bundle changed with the caller's: %v", got)
	}
}

func TestClear(t *testing.T) {
	for _, wait := range []bool{false, true} {
		syms, rec := table(t)
		call(t, syms, "Clear", wait)
		if got, want := rec.Last(), (displaytest.Call{Clear: true, Wait: wait}); !reflect.DeepEqual(got, want) {
			t.Errorf("Clear(%v): got %+v, want %+v", wait, got, want)
		}
	}
}

func TestHandle(t *testing.T) {
	syms, rec := table(t)
	h := call(t, syms, "NewDisplay")[0].Interface().(*display.Handle)
	h.HTML("<i>1</i>")
	h.Markdown("*2*")
	h.SVG("<svg/>")
	h.Text("4")
	h.Display(display.Bundle{"text/html": "5"})
	h.Show(renderer{display.Bundle{"text/html": "6"}})

	calls := rec.Calls()
	wantHTML := []string{"<i>1</i>", "", `<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="&lt;SVG&gt;" style="max-width:100%">`, "", "5", "6"}
	if len(calls) != len(wantHTML) {
		t.Fatalf("got %d calls, want %d", len(calls), len(wantHTML))
	}
	if h.ID() == "" {
		t.Fatal("handle has an empty display ID")
	}
	for i, c := range calls {
		if got, want := c.Update, i > 0; got != want {
			t.Errorf("call %d: update %v, want %v", i, got, want)
		}
		if c.DisplayID != h.ID() {
			t.Errorf("call %d: display ID %q, want %q", i, c.DisplayID, h.ID())
		}
		if _, ok := c.Data["text/plain"]; !ok {
			t.Errorf("call %d: no text/plain in %v", i, c.Data)
		}
		if got, _ := c.Data["text/html"].(string); got != wantHTML[i] {
			t.Errorf("call %d: text/html %q, want %q", i, got, wantHTML[i])
		}
	}

	other := call(t, syms, "NewDisplay")[0].Interface().(*display.Handle)
	if other.ID() == h.ID() {
		t.Errorf("two displays share the ID %q", h.ID())
	}
}

func TestHandleConcurrent(t *testing.T) {
	rec := &displaytest.Recorder{}
	h := display.NewHandle(rec)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { h.Text("x") })
	}
	wg.Wait()
	calls := rec.Calls()
	for i, c := range calls {
		if got, want := c.Update, i > 0; got != want {
			t.Errorf("call %d: update %v, want %v", i, got, want)
		}
	}
	if got, want := len(calls), 50; got != want {
		t.Errorf("got %d calls, want %d", got, want)
	}
}

func TestBundleOf(t *testing.T) {
	img := testImage()
	tests := []struct {
		name   string
		v      any
		want   display.Bundle
		wantOK bool
	}{
		{"image", img, display.Bundle{"image/png": b64(encodePNG(t, img)), "text/plain": "<image 3x2>"}, true},
		{"renderer", renderer{display.Bundle{"text/html": "<p>"}}, display.Bundle{"text/html": "<p>", "text/plain": "<HTML>"}, true},
		{"renderer of svg", renderer{display.Bundle{"image/svg+xml": "<svg/>", "image/png": "AAAA"}},
			display.Bundle{"image/svg+xml": "<svg/>", "image/png": "AAAA", "text/plain": "<SVG>"}, true},
		{"renderer with text", renderer{display.Bundle{"text/html": "<p>", "text/plain": "p"}}, display.Bundle{"text/html": "<p>", "text/plain": "p"}, true},
		{"renderer empty", renderer{}, nil, false},
		{"plain value", 42, nil, false},
		{"nil", nil, nil, false},
		{"nil renderer pointer", (*pointerRenderer)(nil), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := display.BundleOf(tt.v)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, %v; want %#v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestSessionsAreSeparate(t *testing.T) {
	syms1, rec1 := table(t)
	_, rec2 := table(t)
	call(t, syms1, "Text", "one")
	if got := len(rec2.Calls()); got != 0 {
		t.Errorf("second session got %d calls, want 0", got)
	}
	if got := len(rec1.Calls()); got != 1 {
		t.Errorf("first session got %d calls, want 1", got)
	}
}

func TestExports(t *testing.T) {
	exports := display.Exports(&displaytest.Recorder{})
	symtest.Check(t, ".", exports[tableKey], "displayer", "Exports", "NewHandle", "Metadata", "Interrupter", "Event", "DisplayFDEnv")

	// Yaegi looks interface wrappers up under the interface's Go package path.
	goPath := reflect.TypeFor[display.Renderer]().PkgPath() + "/display"
	for _, name := range []string{"_Renderer", "_Sink"} {
		if got, want := exports[goPath][name], exports[tableKey][name]; !got.IsValid() || !want.IsValid() || got.Type() != want.Type() {
			t.Errorf("%s[%s] = %v, want %v", goPath, name, got, want)
		}
	}

	mapTypes, ok := exports["."]["MapTypes"].Interface().(map[reflect.Value][]reflect.Type)
	if !ok {
		t.Fatalf("no MapTypes in %v", exports["."])
	}
	rendererType := reflect.TypeFor[display.Renderer]()
	for _, name := range []string{"Show", "BundleOf"} {
		if got := mapTypes[exports[tableKey][name]]; !reflect.DeepEqual(got, []reflect.Type{rendererType}) {
			t.Errorf("MapTypes[%s] = %v, want [%v]", name, got, rendererType)
		}
	}
	out := exports[tableKey]["BundleOf"].Call([]reflect.Value{reflect.ValueOf(renderer{display.Bundle{"text/html": "x"}})})
	if got, want := out[0].Interface(), (display.Bundle{"text/html": "x", "text/plain": "x"}); !reflect.DeepEqual(got, want) || !out[1].Bool() {
		t.Errorf("BundleOf through the table: got %v, %v; want %v, true", got, out[1], want)
	}
	if got, want := len(exports), 3; got != want {
		t.Errorf("Exports has %d keys, want %d", got, want)
	}
}
