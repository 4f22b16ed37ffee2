package completion

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// cursorMark shows where the cursor is in a test's code.
const cursorMark = "‸"

// at splits code at the cursor mark: the code without it, and the cursor in
// code points.
func at(t testing.TB, marked string) (code string, cursor int) {
	t.Helper()
	i := strings.Index(marked, cursorMark)
	if i < 0 {
		t.Fatalf("no cursor mark in %q", marked)
	}
	return marked[:i] + marked[i+len(cursorMark):], len([]rune(marked[:i]))
}

// session is what the tests' cells defined.
func testSession() ([]Symbol, map[string]string) {
	symbols := []Symbol{
		{Name: "wg", Kind: "var", Type: "sync.WaitGroup"},
		{Name: "mu", Kind: "var", Type: "*sync.Mutex"},
		{Name: "cmd", Kind: "var", Type: "*exec.Cmd"},
		{Name: "counts", Kind: "var", Type: "map[string]int"},
		{Name: "double", Kind: "func", Type: "func(n int) int"},
		{Name: "newBuffer", Kind: "func", Type: "func() *bytes.Buffer"},
		{Name: "limit", Kind: "const", Type: "untyped int"},
		{Name: "point", Kind: "type", Type: "struct{ X, Y int }", Members: []Member{
			{Name: "X", Kind: "field", Signature: "int"},
			{Name: "Y", Kind: "field", Signature: "int"},
			{Name: "Norm", Kind: "method", Signature: "func() float64"},
			{Name: "Scale", Kind: "method", Signature: "func(k int) point"},
		}},
		{Name: "p", Kind: "var", Type: "main.point"},
		{Name: "pp", Kind: "var", Type: "*point"},
		{Name: "tl", Kind: "var", Type: "*timeline.Timeline"},
	}
	imports := map[string]string{"fmt": "fmt", "exec": "os/exec", "sync": "sync", "timeline": "gokernel/timeline"}
	return symbols, imports
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name     string
		code     string   // with the cursor mark
		exact    []string // the matches, in order
		contains []string // some of the matches
		absent   []string
		replaced string // the text the range covers
	}{
		// Import paths.
		{name: "import path", code: `import "con‸`, exact: []string{"container/heap", "container/list", "container/ring", "context"}, replaced: "con"},
		{name: "import block", code: "import (\n\t\"fmt\"\n\t\"con‸", exact: []string{"container/heap", "container/list", "container/ring", "context"}, replaced: "con"},
		{name: "named import in block", code: "import (\n\tf \"fm‸\"\n)", exact: []string{"fmt"}, replaced: "fm"},
		{name: "inside an import path", code: `import "con‸text"`, contains: []string{"context"}, replaced: "context"},
		{name: "notebook package path", code: `import "gokernel/ti‸`, exact: []string{"gokernel/timeline"}, replaced: "gokernel/ti"},
		{name: "os/exec", code: `import "os/e‸`, exact: []string{"os/exec"}, replaced: "os/e"},

		// Package members.
		{name: "fmt.Pr", code: "fmt.Pr‸", exact: []string{"Print", "Printf", "Println"}, absent: []string{"Sprintf"}, replaced: "Pr"},
		{name: "not imported yet", code: "time.Sec‸", contains: []string{"Second"}, replaced: "Sec"},
		{name: "any case", code: "time.sec‸", contains: []string{"Second"}, replaced: "sec"},
		{name: "sync.", code: "sync.‸", contains: []string{"Mutex", "RWMutex", "WaitGroup", "Once", "Map", "Pool", "Cond", "OnceFunc"}, replaced: ""},
		{name: "imported under its name", code: "exec.Com‸", exact: []string{"Command", "CommandContext"}, replaced: "Com"},
		{name: "context", code: "context.WithT‸", contains: []string{"WithTimeout", "WithTimeoutCause"}, replaced: "WithT"},
		{name: "notebook package", code: "timeline.N‸", exact: []string{"New"}, replaced: "N"},
		{name: "unknown package", code: "nosuch.‸", exact: nil, replaced: ""},
		{name: "unknown member", code: "fmt.Nosuch‸", exact: nil, replaced: ""},
		{name: "unknown path", code: `import "nosuch/‸"`, exact: nil, replaced: ""},

		// A session value's type.
		{name: "wg.", code: "wg.‸", contains: []string{"Add", "Done", "Wait"}, replaced: ""},
		{name: "through a pointer", code: "mu.‸", exact: []string{"Lock", "TryLock", "Unlock"}, replaced: ""},
		{name: "fields and methods", code: "cmd.Ru‸", exact: []string{"Run"}, replaced: "Ru"},
		{name: "cmd fields", code: "cmd.Std‸", exact: []string{"Stderr", "StderrPipe", "Stdin", "StdinPipe", "Stdout", "StdoutPipe"}, replaced: "Std"},
		{name: "notebook type", code: "tl.‸", contains: []string{"Lane", "SVG", "Stop"}, replaced: ""},
		{name: "unnamed type", code: "counts.‸", exact: nil, replaced: ""},
		{name: "cell type value", code: "p.‸", exact: []string{"Norm", "Scale", "X", "Y"}, replaced: ""},
		{name: "cell type pointer", code: "pp.N‸", exact: []string{"Norm"}, replaced: "N"},
		{name: "method expression", code: "point.‸", exact: []string{"Norm", "Scale"}, replaced: ""},
		{name: "cell method result", code: "p.Scale(2).‸", contains: []string{"X", "Norm"}, replaced: ""},
		{name: "cell func result", code: "newBuffer().WriteS‸", exact: []string{"WriteString"}, replaced: "WriteS"},
		{name: "cell type literal", code: "point{}.‸", exact: []string{"Norm", "Scale", "X", "Y"}, replaced: ""},
		{name: "cell type literal with elements", code: "fmt.Println(point{X: 1, Y: len(\"}\")}.N‸", exact: []string{"Norm"}, replaced: "N"},
		{name: "literal's method result", code: "point{1, 2}.Scale(2).‸", contains: []string{"X", "Norm"}, replaced: ""},
		{name: "pointer to a literal", code: "(&point{}).Sc‸", exact: []string{"Scale"}, replaced: "Sc"},
		{name: "package type literal", code: "sync.WaitGroup{}.W‸", exact: []string{"Wait"}, replaced: "W"},
		{name: "slice literal", code: "[]point{}.‸", exact: nil, replaced: ""},
		{name: "map literal", code: "map[string]point{}.‸", exact: nil, replaced: ""},
		{name: "after a block", code: "if true {\n}.‸", exact: nil, replaced: ""},

		// Chains through the index.
		{name: "func result", code: "time.Now().Ad‸", exact: []string{"Add", "AddDate"}, replaced: "Ad"},
		{name: "package var", code: "os.Stdout.WriteS‸", exact: []string{"WriteString"}, replaced: "WriteS"},
		{name: "call with arguments", code: `exec.Command("ls", "-l").Ru‸`, exact: []string{"Run"}, replaced: "Ru"},
		{name: "interface result", code: "context.Background().D‸", exact: []string{"Deadline", "Done"}, replaced: "D"},
		{name: "error", code: `errors.New("x").‸`, exact: []string{"Error"}, replaced: ""},
		{name: "new", code: "new(sync.WaitGroup).W‸", exact: []string{"Wait"}, replaced: "W"},
		{name: "conversion", code: "time.Duration(5).Sec‸", exact: []string{"Seconds"}, replaced: "Sec"},
		{name: "typed constant", code: "time.Second.Mill‸", exact: []string{"Milliseconds"}, replaced: "Mill"},
		{name: "field chain", code: "cmd.Process.Ki‸", exact: []string{"Kill"}, replaced: "Ki"},
		{name: "parenthesized", code: "(*mu).Un‸", exact: []string{"Unlock"}, replaced: "Un"},
		{name: "inside a call", code: "fmt.Println(wg.W‸)", exact: []string{"Wait"}, replaced: "W"},

		// Bare names.
		{name: "pri", code: "pri‸", exact: []string{"print", "println"}, replaced: "pri"},
		{name: "fu", code: "fu‸", contains: []string{"func"}, replaced: "fu"},
		{name: "go", code: "go‸", exact: []string{"go", "goto"}, replaced: "go"},
		{name: "ma", code: "ma‸", exact: []string{"make", "map", "max"}, replaced: "ma"},
		{name: "session names", code: "x := dou‸", exact: []string{"double"}, replaced: "dou"},
		{name: "imported names", code: "ex‸", exact: []string{"exec"}, replaced: "ex"},
		{name: "cell type", code: "var q po‸", exact: []string{"point"}, replaced: "po"},
		{name: "const", code: "lim‸", exact: []string{"limit"}, replaced: "lim"},

		// Where the cursor is.
		{name: "middle of a word", code: "fmt.Pr‸intln(1)", exact: []string{"Print", "Printf", "Println"}, replaced: "Println"},
		{name: "middle of the code", code: "x := 1\nfmt.Pr‸\ny := 2\n", exact: []string{"Print", "Printf", "Println"}, replaced: "Pr"},
		{name: "after a block comment", code: "/* x */ fmt.Pr‸", exact: []string{"Print", "Printf", "Println"}, replaced: "Pr"},
		{name: "line comment", code: "// fmt.Pr‸", exact: nil, replaced: ""},
		{name: "block comment", code: "/* fmt.Pr‸ */", exact: nil, replaced: ""},
		{name: "string", code: `x := "fmt.Pr‸"`, exact: nil, replaced: ""},
		{name: "unterminated string", code: `x := "fmt.Pr‸`, exact: nil, replaced: ""},
		{name: "raw string", code: "x := `fmt.Pr‸`", exact: nil, replaced: ""},
		{name: "after a string", code: `x := "a"; fmt.Pr‸`, exact: []string{"Print", "Printf", "Println"}, replaced: "Pr"},
		{name: "after an import", code: "import \"fmt\"\nfmt.Pr‸", exact: []string{"Print", "Printf", "Println"}, replaced: "Pr"},
		{name: "string after an import", code: "import \"fmt\"\nx := \"con‸", exact: nil, replaced: ""},
		{name: "number", code: "x := 12‸", exact: nil, replaced: ""},
		{name: "float", code: "x := 1.5‸", exact: nil, replaced: ""},
		{name: "after an import path", code: `import "fmt"‸`, exact: nil, replaced: ""},
		{name: "after a call", code: `f()‸`, exact: nil, replaced: ""},
		{name: "after an operator", code: "x := ‸", contains: []string{"double", "fmt", "len", "for"}, replaced: ""},
	}
	e := New()
	e.SetSession(testSession())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, cursor := at(t, tt.code)
			got := e.Complete(code, cursor)
			texts := matchTexts(got.Matches)
			if tt.exact != nil || tt.contains == nil {
				if !slices.Equal(texts, tt.exact) {
					t.Errorf("matches = %q, want %q", texts, tt.exact)
				}
			}
			for _, want := range tt.contains {
				if !slices.Contains(texts, want) {
					t.Errorf("matches %q lack %q", texts, want)
				}
			}
			for _, no := range tt.absent {
				if slices.Contains(texts, no) {
					t.Errorf("matches %q have %q", texts, no)
				}
			}
			runes := []rune(code)
			if got.Start < 0 || got.Start > got.End || got.End > len(runes) {
				t.Fatalf("range = %d..%d in %d code points", got.Start, got.End, len(runes))
			}
			if replaced := string(runes[got.Start:got.End]); replaced != tt.replaced {
				t.Errorf("replaced %q, want %q", replaced, tt.replaced)
			}
			if len(got.Matches) == 0 && (got.Start != cursor || got.End != cursor) {
				t.Errorf("range with no matches = %d..%d, want the cursor %d", got.Start, got.End, cursor)
			}
		})
	}
}

func matchTexts(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

// TestCompleteMultibyte checks that positions count code points, not bytes.
func TestCompleteMultibyte(t *testing.T) {
	code := `s := "가😀"; fmt.Pr`
	e := New()
	got := e.Complete(code, len([]rune(code)))
	wantStart := len([]rune(`s := "가😀"; fmt.`))
	if got.Start != wantStart || got.End != wantStart+2 {
		t.Errorf("range = %d..%d, want %d..%d", got.Start, got.End, wantStart, wantStart+2)
	}
	if texts := matchTexts(got.Matches); !slices.Equal(texts, []string{"Print", "Printf", "Println"}) {
		t.Errorf("matches = %q", texts)
	}
}

func TestCompleteKinds(t *testing.T) {
	tests := []struct {
		code, text, kind string
	}{
		{"fmt.Println‸", "Println", KindFunction},
		{"sync.WaitGroup‸", "WaitGroup", KindStruct},
		{"io.Reader‸", "Reader", KindInterface},
		{"time.Duration‸", "Duration", KindType},
		{"os.FileInfo‸", "FileInfo", KindInterface}, // an alias of fs.FileInfo
		{"time.Second‸", "Second", KindConstant},
		{"math.Pi‸", "Pi", KindConstant},
		{"os.Args‸", "Args", KindVariable},
		{`import "fmt‸`, "fmt", KindModule},
		{"fmt‸", "fmt", KindModule},
		{"for‸", "for", KindKeyword},
		{"len‸", "len", KindFunction},
		{"error‸", "error", KindInterface},
		{"int64‸", "int64", KindType},
		{"nil‸", "nil", KindVariable},
		{"true‸", "true", KindConstant},
		{"wg.Wait‸", "Wait", KindMethod},
		{"cmd.Path‸", "Path", KindField},
		{"p.X‸", "X", KindField},
		{"p.Norm‸", "Norm", KindMethod},
		{"wg‸", "wg", KindVariable},
		{"double‸", "double", KindFunction},
		{"point‸", "point", KindStruct},
		{"limit‸", "limit", KindConstant},
	}
	e := New()
	e.SetSession(testSession())
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			code, cursor := at(t, tt.code)
			got := e.Complete(code, cursor)
			for _, m := range got.Matches {
				if m.Text == tt.text {
					if m.Kind != tt.kind {
						t.Errorf("kind of %s = %q, want %q", m.Text, m.Kind, tt.kind)
					}
					if m.Signature == "" && tt.kind != KindKeyword {
						t.Errorf("%s has no signature", m.Text)
					}
					return
				}
			}
			t.Errorf("no %q among %q", tt.text, matchTexts(got.Matches))
		})
	}
}

func TestCompleteSignatures(t *testing.T) {
	tests := []struct {
		code, text, sig string
	}{
		{"fmt.Println‸", "Println", "func Println(a ...any) (n int, err error)"},
		{"wg.Add‸", "Add", "func (wg *WaitGroup) Add(delta int)"},
		{"time.Second‸", "Second", "const Second time.Duration = 1000000000"},
		{"os.Stdout‸", "Stdout", "var Stdout *os.File"},
		{"p.Norm‸", "Norm", "func (point) Norm() float64"},
		{"p.X‸", "X", "X int"},
		{"double‸", "double", "func double(n int) int"},
		{"timeline.New‸", "New", "func New() *Timeline"},
	}
	e := New()
	e.SetSession(testSession())
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			code, cursor := at(t, tt.code)
			for _, m := range e.Complete(code, cursor).Matches {
				if m.Text == tt.text {
					if m.Signature != tt.sig {
						t.Errorf("signature = %q, want %q", m.Signature, tt.sig)
					}
					return
				}
			}
			t.Errorf("no %q", tt.text)
		})
	}
}

func TestCompleteOrder(t *testing.T) {
	e := New()
	e.SetSession([]Symbol{
		{Name: "Max", Kind: "var", Type: "int"},
		{Name: "len", Kind: "var", Type: "int"}, // hides the builtin
	}, nil)
	tests := []struct {
		code string
		want []Match
	}{
		{"ma‸", []Match{
			{Text: "make", Kind: KindFunction, Signature: "func make(t Type, size ...IntegerType) Type"},
			{Text: "map", Kind: KindKeyword},
			{Text: "max", Kind: KindFunction, Signature: "func max[T cmp.Ordered](x T, y ...T) T"},
			{Text: "Max", Kind: KindVariable, Signature: "var Max int"},
		}},
		{"le‸", []Match{{Text: "len", Kind: KindVariable, Signature: "var len int"}}},
	}
	for _, tt := range tests {
		code, cursor := at(t, tt.code)
		if got := e.Complete(code, cursor).Matches; !slices.Equal(got, tt.want) {
			t.Errorf("Complete(%q) = %+v, want %+v", code, got, tt.want)
		}
	}
}

func TestCompleteCap(t *testing.T) {
	e := New()
	for _, code := range []string{"syscall.", "", "import \""} {
		got := e.Complete(code, len([]rune(code)))
		if len(got.Matches) == 0 || len(got.Matches) > maxMatches {
			t.Errorf("Complete(%q) gave %d matches", code, len(got.Matches))
		}
		seen := map[string]bool{}
		for _, m := range got.Matches {
			if seen[m.Text] {
				t.Errorf("Complete(%q) repeats %q", code, m.Text)
			}
			seen[m.Text] = true
		}
	}
}

func TestCompleteCursorOutOfRange(t *testing.T) {
	e := New()
	for _, cursor := range []int{-5, 0, 6, 100} {
		got := e.Complete("fmt.Pr", cursor)
		if got.Start < 0 || got.End > 6 || got.Start > got.End {
			t.Errorf("cursor %d: range %d..%d", cursor, got.Start, got.End)
		}
	}
}

// TestSetSessionReplaces checks that a new session view hides the old one.
func TestSetSessionReplaces(t *testing.T) {
	e := New()
	e.SetSession([]Symbol{{Name: "alpha", Kind: "var", Type: "int"}}, map[string]string{"str": "strings"})
	if got := matchTexts(e.Complete("alp", 3).Matches); !slices.Equal(got, []string{"alpha"}) {
		t.Fatalf("before: %q", got)
	}
	if got := matchTexts(e.Complete("str.Spl", 7).Matches); !slices.Contains(got, "Split") {
		t.Fatalf("aliased import: %q", got)
	}
	e.SetSession(nil, nil)
	if got := e.Complete("alp", 3).Matches; len(got) != 0 {
		t.Errorf("after: %q", matchTexts(got))
	}
}

// TestConcurrentUse runs requests while the session changes; run with -race.
func TestConcurrentUse(t *testing.T) {
	e := New()
	symbols, imports := testSession()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				switch (i + j) % 3 {
				case 0:
					e.SetSession(symbols, imports)
				case 1:
					e.Complete("wg.", 3)
				default:
					e.Inspect("time.Sleep", 10, 0)
				}
			}
		})
	}
	wg.Wait()
}

func TestSourceOffsets(t *testing.T) {
	// 'a' is 1 byte, '😀' 4 (and two UTF-16 units), 'b' 1, '가' 3, 'c' 1.
	src := newSource("a😀b가c")
	tests := []struct{ cp, b int }{
		{-1, 0}, {0, 0}, {1, 1}, {2, 5}, {3, 6}, {4, 9}, {5, 10}, {6, 10}, {99, 10},
	}
	for _, tt := range tests {
		if got := src.toByte(tt.cp); got != tt.b {
			t.Errorf("toByte(%d) = %d, want %d", tt.cp, got, tt.b)
		}
		if tt.cp >= 0 && tt.cp <= 5 {
			if got := src.toCodePoint(tt.b); got != tt.cp {
				t.Errorf("toCodePoint(%d) = %d, want %d", tt.b, got, tt.cp)
			}
		}
	}
}

func TestUnterminated(t *testing.T) {
	tests := map[string]bool{
		`"abc"`: false, `"abc`: true, `"`: true, `"a\"`: true, `"a\\"`: false,
		"`abc`": false, "`abc": true, `'a'`: false, `'a`: true,
	}
	for lit, want := range tests {
		if got := unterminated(lit); got != want {
			t.Errorf("unterminated(%s) = %v, want %v", lit, got, want)
		}
	}
}

func FuzzComplete(f *testing.F) {
	for _, seed := range []string{"fmt.Pr", `import "con`, "wg.", `s := "가😀"; fmt.Pr`, "x := `a", "/* a", "f(g(h[1]).", "(((.", `"\"`} {
		f.Add(seed, len([]rune(seed)))
	}
	e := New()
	e.SetSession(testSession())
	f.Fuzz(func(t *testing.T, code string, cursor int) {
		got := e.Complete(code, cursor)
		n := len([]rune(code))
		if got.Start < 0 || got.Start > got.End || got.End > n {
			t.Fatalf("range %d..%d in %d code points", got.Start, got.End, n)
		}
		e.Inspect(code, cursor, 0)
	})
}

func BenchmarkComplete(b *testing.B) {
	e := New()
	e.SetSession(testSession())
	cases := []string{"fmt.Pr", "sync.", "wg.", "time.Now().Ad", "pri", `import "con`, "x := 1\nfor i := range 10 {\n\tfmt.Println(i)\n}\nsyscall.S"}
	for _, code := range cases {
		b.Run(strings.Fields(code)[0], func(b *testing.B) {
			cursor := len([]rune(code))
			e.Complete(code, cursor) // the index loads once
			for b.Loop() {
				e.Complete(code, cursor)
			}
		})
	}
}

func ExampleEngine_Complete() {
	e := New()
	e.SetSession([]Symbol{{Name: "wg", Kind: "var", Type: "sync.WaitGroup"}}, map[string]string{"sync": "sync"})
	r := e.Complete("wg.", 3)
	for _, m := range r.Matches {
		fmt.Println(m.Text, m.Kind)
	}
	// Output:
	// Add method
	// Done method
	// Go method
	// Wait method
}
