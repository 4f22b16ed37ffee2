package completion

import (
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	tests := []struct {
		name   string
		code   string // with the cursor mark
		detail int
		want   []string // parts of the text, in order
		absent []string
		docs   bool // the parts past the first need GOROOT's sources
	}{
		{name: "after a func", code: "time.Sleep‸", want: []string{"func Sleep(d Duration)", "Sleep pauses the current goroutine"}, docs: true},
		{name: "on a func", code: "time.Sl‸eep(1)", want: []string{"func Sleep(d Duration)", "Sleep pauses"}, docs: true},
		{name: "in its call", code: "time.Sleep(‸", want: []string{"func Sleep(d Duration)", "Sleep pauses"}, docs: true},
		{name: "among arguments", code: `fmt.Println("a, (b)", ‸)`, want: []string{"func Println(a ...any) (n int, err error)", "Println formats"}, docs: true},
		{name: "first paragraph", code: "strings.Split‸", want: []string{"func Split(s, sep string) []string", "Split slices s"}, absent: []string{"If s does not contain sep"}, docs: true},
		{name: "whole doc", code: "strings.Split‸", detail: 1, want: []string{"func Split(s, sep string) []string", "Split slices s", "If s does not contain sep"}, docs: true},
		{name: "method", code: "wg.Wa‸it()", want: []string{"func (wg *WaitGroup) Wait()", "Wait blocks"}, docs: true},
		{name: "interface method", code: "context.Background().Done‸", want: []string{"func (Context) Done() <-chan struct{}", "Done returns a channel"}, docs: true},
		{name: "field", code: "cmd.Path‸", want: []string{"Path string", "Path is the path of the command to run"}, docs: true},
		{name: "const", code: "time.Second‸", want: []string{"const Second time.Duration = 1000000000", "Common durations"}, docs: true},
		{name: "type", code: "sync.WaitGroup‸", want: []string{"type WaitGroup struct{ ... }", "A WaitGroup"}, docs: true},
		{name: "type in full", code: "sync.WaitGroup‸", detail: 1, want: []string{"type WaitGroup struct {", "A WaitGroup", "func (wg *WaitGroup) Wait()"}, docs: true},
		{name: "package", code: "fmt‸", want: []string{`package fmt // import "fmt"`, "Package fmt implements formatted I/O"}, docs: true},
		{name: "package not imported", code: "strconv‸", want: []string{`package strconv // import "strconv"`}},
		{name: "import path", code: `import "sy‸nc"`, want: []string{`package sync // import "sync"`, "Package sync provides"}, docs: true},
		{name: "after an import path", code: `import "sync"‸`, want: []string{`package sync // import "sync"`}},
		{name: "builtin", code: "make‸", want: []string{"func make(t Type, size ...IntegerType) Type", "The make built-in function"}, docs: true},
		{name: "notebook package member", code: "timeline.New‸", want: []string{"func New() *Timeline", "New returns a timeline"}},
		{name: "notebook method", code: "tl.Lane‸", want: []string{"func (tl *Timeline) Lane(name string) *Lane"}},
		{name: "notebook package", code: "timeline‸", want: []string{`package timeline // import "gokernel/timeline"`, "Package timeline records"}},

		{name: "session var", code: "wg‸", want: []string{"var wg sync.WaitGroup"}, absent: []string{"func"}},
		{name: "session var in full", code: "wg‸", detail: 1, want: []string{"var wg sync.WaitGroup", "func (wg *WaitGroup) Add(delta int)"}},
		{name: "session func", code: "double(‸", want: []string{"func double(n int) int"}},
		{name: "session type", code: "point‸", want: []string{"type point struct{ X, Y int }", "X int", "func (point) Norm() float64"}},
		{name: "session method", code: "p.Norm‸", want: []string{"func (point) Norm() float64"}},
		{name: "session field", code: "p.X‸", want: []string{"X int"}},
	}
	e := New()
	e.SetSession(testSession())
	withDocs := e.gorootDir() != ""
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, cursor := at(t, tt.code)
			text, found := e.Inspect(code, cursor, tt.detail)
			if !found {
				t.Fatalf("not found; text %q", text)
			}
			want := tt.want
			if tt.docs && !withDocs {
				want = want[:1]
			}
			rest := text
			for _, w := range want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("text lacks %q (in order):\n%s", w, text)
				}
				rest = rest[i+len(w):]
			}
			for _, no := range tt.absent {
				if strings.Contains(text, no) {
					t.Errorf("text has %q:\n%s", no, text)
				}
			}
		})
	}
}

func TestInspectNotFound(t *testing.T) {
	e := New()
	e.SetSession(testSession())
	for _, marked := range []string{"nosuchname‸", "time.NoSuch‸", "for‸", "‸", "x := 12‸", "nosuch.Thing‸", `import "no/such‸"`, "counts.Len‸", "(‸"} {
		code, cursor := at(t, marked)
		if text, found := e.Inspect(code, cursor, 0); found {
			t.Errorf("Inspect(%q) found %q", code, text)
		}
	}
}

// TestInspectWithoutSources checks that a kernel on a machine without Go's
// sources still shows signatures.
func TestInspectWithoutSources(t *testing.T) {
	e := New()
	e.goroot = t.TempDir() // no src/ here
	for marked, want := range map[string]string{
		"time.Sleep‸":      "func Sleep(d Duration)",
		"sync.WaitGroup‸":  "type WaitGroup struct{ ... }",
		"fmt‸":             `package fmt // import "fmt"`,
		"make‸":            "func make(t Type, size ...IntegerType) Type",
		"timeline.New‸":    "func New() *Timeline\n\nNew returns a timeline whose clock starts now.",
		"time.Now().Unix‸": "func (t Time) Unix() int64",
	} {
		code, cursor := at(t, marked)
		text, found := e.Inspect(code, cursor, 0)
		if !found || text != want {
			t.Errorf("Inspect(%q) = %q, %v; want %q", code, text, found, want)
		}
	}
}

func TestCalleeBefore(t *testing.T) {
	tests := []struct{ marked, want string }{
		{"f(‸", "f"},
		{"fmt.Println(a, b‸", ""}, // on an identifier: not asked
		{"fmt.Println(a, ‸", "Println"},
		{"fmt.Println(g(x), ‸)", "Println"},
		{"fmt.Println(g(‸), x)", "g"},
		{`f(")", ‸`, "f"},
		{"if (‸", ""},
		{"x := [](‸", ""},
		{"m{‸", ""},
		{"‸", ""},
	}
	for _, tt := range tests {
		code, cursor := at(t, tt.marked)
		b := newSource(code).toByte(cursor)
		if tt.want == "" && strings.HasSuffix(tt.marked, "b‸") {
			continue
		}
		start, end := calleeBefore(code, b)
		if got := code[start:end]; got != tt.want {
			t.Errorf("calleeBefore(%q) = %q, want %q", code, got, tt.want)
		}
	}
}

func BenchmarkInspect(b *testing.B) {
	e := New()
	e.SetSession(testSession())
	code := "time.Sleep(‸"
	code, cursor := at(b, code)
	e.Inspect(code, cursor, 0) // reads time's sources once
	for b.Loop() {
		e.Inspect(code, cursor, 0)
	}
}

func TestVariableAt(t *testing.T) {
	e := New()
	e.SetSession([]Symbol{{Name: "wg", Kind: "var", Type: "sync.WaitGroup"}, {Name: "double", Kind: "func"}}, nil)
	tests := []struct {
		code   string
		cursor int
		want   string
		ok     bool
	}{
		{"wg", 2, "wg", true},
		{"x := wg", 6, "wg", true},
		{"double", 3, "double", false},
		{"p.wg", 4, "", false},
		{`"wg"`, 2, "", false},
	}
	for _, tt := range tests {
		got, ok := e.VariableAt(tt.code, tt.cursor)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("VariableAt(%q, %d) = %q, %v; want %q, %v", tt.code, tt.cursor, got, ok, tt.want, tt.ok)
		}
	}
}
