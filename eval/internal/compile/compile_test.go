package compile

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"strings"
	"testing"
)

// testEnv knows every import path; the package name is the last element.
func testEnv() *Env {
	return NewEnv(func(p string) (string, bool) {
		if strings.HasPrefix(p, "missing/") {
			return "", false
		}
		return path.Base(p), true
	})
}

func compileCell(t *testing.T, env *Env, src string) *Program {
	t.Helper()
	p, err := Compile(env, Cell{Seq: 7, Name: "cell[7]", Src: src})
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return p
}

var directive = regexp.MustCompile(`/\*line _\.go:\d+:\d+\*/`)

// plain returns a program's sources without line directives, one chunk per line group.
func plain(p *Program) string {
	var parts []string
	for _, c := range p.Chunks {
		parts = append(parts, directive.ReplaceAllString(c.Src, ""))
	}
	return strings.Join(parts, "\n----\n")
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // kind:text
	}{
		{"statements", "x := 1\ny := 2", []string{"stmt:x := 1\ny := 2"}},
		{"decl then stmt", "var a = 1\nfmt.Println(a)", []string{"decl:var a = 1", "stmt:\nfmt.Println(a)"}},
		{"func literal statement", "func() { println(1) }()", []string{"stmt:func() { println(1) }()"}},
		{"method", "func (t T) M() {}\nx", []string{"decl:func (t T) M() {}", "stmt:\nx"}},
		{"generic method", "func (s *S[T]) M() {}", []string{"decl:func (s *S[T]) M() {}"}},
		{"package clause", "package main\nfunc main() {}", []string{"package:package main", "decl:func main() {}"}},
		{"grouped var", "var (\n\ta = 1\n\tb = 2\n)\nb", []string{"decl:var (\n\ta = 1\n\tb = 2\n)", "stmt:\nb"}},
		{"var in a block stays", "if true {\n\tvar x = 1\n\t_ = x\n}", []string{"stmt:if true {\n\tvar x = 1\n\t_ = x\n}"}},
		{"semicolons", "import \"fmt\"; fmt.Println(1); func f() {}", []string{"decl:import \"fmt\";", "stmt: fmt.Println(1); ", "decl:func f() {}"}},
		{"for header", "for i := 0; i < 3; i++ {\n}\ntype T int", []string{"stmt:for i := 0; i < 3; i++ {\n}\n", "decl:type T int"}},
	}
	kinds := map[spanKind]string{declSpan: "decl", stmtSpan: "stmt", packageSpan: "package"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range split(tt.src, scan(tt.src)) {
				got = append(got, kinds[s.kind]+":"+tt.src[s.start:s.end])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("split(%q)\ngot  %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

// cells exercises the rewrites; TestPositions checks the positions in their chunks.
var cells = []string{
	"x := 1\nfmt.Println(x)",
	"import \"fmt\"\nvar wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n\tgo worker(i, &wg)\n}\nwg.Wait()\nfunc worker(id int, wg *sync.WaitGroup) { defer wg.Done(); fmt.Println(id) }",
	"for i := range 10 {\n\tgo func() { println(i) }()\n}",
	"m := map[string]int{}\nv, ok := m[\"a\"]\n_, ok2 := m[\"b\"]\nvar any1 any = 1\nn, isInt := any1.(int)",
	"package main\n\nfunc main() {\n\tfor _, s := range []string{\"a\"} {\n\t\tdefer func() { println(s) }()\n\t}\n}",
	"c := make(chan int)\ndone := make(chan bool)\nloop:\nfor {\n\tselect {\n\tcase <-done:\n\t\tbreak loop\n\tcase v := <-c:\n\t\t_ = v\n\t}\n}",
	"y := min(0, 2.5, x)\nmax(\"a\")",
	"type P struct{ X int }\nfunc (p *P) Inc(d int) { p.X += d }\np := &P{}\ngo p.Inc(2)\nfs := []func(){}\ngo fs[0]()",
	"func init() { println(\"init\") }\nvar m = map[string]int{}\nvar v, ok = m[\"k\"]\ndefer println(v)\nif ok {\n\treturn\n}\nprintln(min(x))",
	"for i := range 3 {\n\tfor j := 0; j < i; j++ {\n\t\tdefer func() { println(i, j) }()\n\t}\n}\nx + 1",
}

// TestPositions checks the line directives: every identifier of every chunk that yaegi would
// place in the cell is at a place of the cell that spells it.
func TestPositions(t *testing.T) {
	for _, src := range cells {
		env := testEnv()
		env.Globals["x"] = true
		env.Globals["sync"] = true
		env.Imports["sync"] = "sync"
		env.Imports["fmt"] = "fmt"
		p := compileCell(t, env, src)
		lines := strings.Split(src, "\n")
		for i, c := range p.Chunks {
			for _, chunkSrc := range []string{c.Src, c.Alt} {
				if chunkSrc == "" {
					continue
				}
				// As yaegi parses it.
				wrapped := "package main;" + chunkSrc
				if c.Stmt {
					wrapped = "package main; func main() {" + chunkSrc + "\n}"
				}
				fset := token.NewFileSet()
				f, err := parser.ParseFile(fset, "_.go", wrapped, 0)
				if err != nil {
					t.Errorf("chunk %d of %q does not parse: %v\n%s", i, src, err, chunkSrc)
					continue
				}
				ast.Inspect(f, func(n ast.Node) bool {
					id, ok := n.(*ast.Ident)
					if !ok {
						return true
					}
					pos := fset.Position(id.Pos())
					seq, line := Decode(pos.Line)
					if seq != 7 || line == 0 {
						return true // generated
					}
					if line > len(lines) || pos.Column-1 > len(lines[line-1]) ||
						!strings.HasPrefix(lines[line-1][pos.Column-1:], id.Name) {
						if !strings.HasPrefix(id.Name, "_gk") && id.Name != "Show" && !strings.HasPrefix(id.Name, "Print") { // generated, placed on purpose
							t.Errorf("%q: %s is placed at %d:%d of the cell", src, id.Name, line, pos.Column)
						}
					}
					return true
				})
			}
		}
	}
}

func TestRewrites(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // fragments of the chunks, directives removed
		not  []string
	}{
		{"go statement", "go f(x, 1)", []string{`{ _gkA0 := x; _gkrt.Go("cell[7]:1:1", func() func() { return func() { f(_gkA0, 1) } }()) }`}, nil},
		{"go method value", "go p.Inc(2)", []string{"_gkM := p.Inc; ", "_gkM(2)"}, nil},
		{"go func literal", "go func(n int) { println(n) }(x)", []string{"_gkA0 := x", "func(n int) { _gkrt.Println(n) }(_gkA0)"}, nil},
		{"go package func", "go fmt.Println(x)", []string{"{ _gkA0 := x; _gkrt.Go(", "fmt.Println(_gkA0)"}, []string{"_gkM"}},
		{"go variadic", "go f(xs...)", []string{"f(_gkA0...)"}, nil},
		{"top-level defer", "defer f(x)", []string{`{ _gkA0 := x; _gkrt.Defer("f", func() func() { return func() { f(_gkA0) } }()) }`}, nil},
		{"defer in a func is left alone", "func g() { defer f(x) }", []string{"defer f(x)"}, []string{"Defer("}},
		{"range over int", "for i := range 3 {\n\tprintln(i)\n}", []string{"for _gkI, _gkN := (3)-(3), 3; _gkI < _gkN; _gkI++ { i := _gkI; _ = i;"}, nil},
		{"range over int var", "n := 5\nfor range n {\n}", []string{"for _gkI, _gkN := (n)-(n), n; _gkI < _gkN; _gkI++ {"}, nil},
		{"range over len", "for i := range len(x) {\n\t_ = i\n}", []string{"_gkN := (len(x))-(len(x)), len(x)"}, nil},
		{"range over slice", "for i := range x {\n\t_ = i\n}", []string{"for i := range x {"}, []string{"_gkN"}},
		{"loop var with closure", "for i := 0; i < 3; i++ {\n\tf(func() { println(i) })\n}", []string{"for _gkL_i := 0; _gkL_i < 3; _gkL_i++ { i := _gkL_i; _ = i;"}, nil},
		{"loop var without closure", "for i := 0; i < 3; i++ {\n\tprintln(i)\n}", []string{"for i := 0; i < 3; i++ {"}, []string{"_gkL_"}},
		{"loop var assigned in body", "for i := 0; i < 3; i++ {\n\ti++\n\tgo f()\n}", []string{"for i := 0; i < 3; i++ {"}, []string{"_gkL_"}},
		{"range vars with closure", "for k, v := range m {\n\tgo func() { println(k, v) }()\n}", []string{"for _gkK, _gkV := range m { k, v := _gkK, _gkV;"}, nil},
		{"comma-ok map", "v, ok := m[\"a\"]", []string{`v, ok := m["a"], false; v, ok = m["a"]`}, nil},
		{"comma-ok assert", "n, ok := x.(int)", []string{"n, ok := *new(int), false; n, ok = x.(int)"}, nil},
		{"comma-ok blank", "_, ok := m[\"a\"]", []string{`ok := func() bool { _, _gkOK := m["a"]; return _gkOK }()`}, nil},
		{"comma-ok var", "var v, ok = m[\"a\"]", []string{`var v, ok = m["a"], false; v, ok = m["a"]`}, nil},
		{"comma-ok in a func is left alone", "func f() { v, ok := m[\"a\"]; _, _ = v, ok }", []string{`v, ok := m["a"];`}, []string{"false"}},
		{"min one argument", "y := min(x)", []string{"y := (x)"}, nil},
		{"min constant first", "y := min(0, x, 2)", []string{"y := min(x, 0, 2)"}, nil},
		{"max float constant", "y := max(1, 2.5)", []string{"y := max(2.5, 1)"}, nil},
		{"min declared by the cell", "func min(a, b int) int { return a }\ny := min(0, x)", []string{"y := min(0, x)"}, nil},
		{"select labeled break", "loop:\nfor {\n\tselect {\n\tcase <-c:\n\t\tbreak loop\n\t}\n}", []string{"{ break loop }"}, nil},
		{"main renamed and called", "func main() { println(1) }", []string{"func _gkMain7() { _gkrt.Println(1) }", "_gkMain7()"}, []string{"func main"}},
		{"init renamed", "func init() { println(1) }\nx = 2", []string{"func _gkInit7_0()", "_gkInit7_0()"}, nil},
		{"result shown", "x + 1", []string{"_gkrt.Show(x + 1)"}, nil},
		{"trailing semicolon hides the result", "x + 1;", nil, []string{"Show"}},
		{"println is not shown", "fmt.Println(x)", nil, []string{"Show"}},
		{"recover to the runtime", "func h() { recover() }\ndefer func() { recover(); func() { recover() }() }()\nv := func() { recover() }",
			[]string{`_gkrt.Recover("h", recover())`, `_gkrt.Recover("cell[7]:2:7", recover()); func() { _gkrt.Recover("", recover()) }()`,
				`v := func() { _gkrt.Recover("v", recover()) }`, `_gkrt.Defer("cell[7]:2:7", `}, nil},
		{"print to the runtime", "print(x)\nprintln(x, 1)", []string{"_gkrt.Print(x)", "_gkrt.Println(x, 1)"}, []string{" print(", " println("}},
		{"a cell's own println", "func println(v ...any) {}\nprintln(x)", []string{"println(x)"}, []string{"_gkrt.Println"}},
		{"Sprintf is shown", "fmt.Sprintf(\"%d\", x)", []string{"_gkrt.Show(fmt.Sprintf"}, nil},
		{"close is not shown", "close(c)", nil, []string{"Show"}},
		{"identical import dropped", "import \"fmt\"\nimport \"os\"", []string{"import (\n\"os\"\n)"}, []string{"\"fmt\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv()
			for _, g := range []string{"x", "m", "c", "f", "p", "xs"} {
				env.Globals[g] = true
			}
			env.Imports["fmt"] = "fmt"
			got := plain(compileCell(t, env, tt.src))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("chunks lack %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("chunks have %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		order []string // fragments, in the order they must appear
	}{
		{"func after its var", "func inc() { counter++ }\nvar counter int", []string{"var counter int", "func inc()"}},
		{"func before the statement using it", "fmt.Println(double(2))\nfunc double(n int) int { return 2 * n }", []string{"func double", "fmt.Println(double(2))"}},
		{"statements keep their order", "a := 1\nb := 2\na, b = b, a", []string{"a := 1", "b := 2", "a, b = b, a"}},
		{"func using a := global", "x := 5\nfunc f() int { return x }\nf()", []string{"x := 5", "func f()", "Show(f())"}},
		{"mutual recursion in one chunk", "func even(n int) bool { return n == 0 || odd(n-1) }\nfunc odd(n int) bool { return n != 0 && even(n-1) }", []string{"func even", "func odd"}},
		{"imports first", "x := strings.ToUpper(\"a\")\nimport \"strings\"", []string{"import (", "x := strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv()
			env.Imports["fmt"] = "fmt"
			got := plain(compileCell(t, env, tt.src))
			last := -1
			for _, frag := range tt.order {
				i := strings.Index(got, frag)
				if i < 0 || i < last {
					t.Fatalf("%q is missing or out of order:\n%s", frag, got)
				}
				last = i
			}
		})
	}
	t.Run("mutual recursion", func(t *testing.T) {
		p := compileCell(t, testEnv(), "func even(n int) bool { return n == 0 || odd(n-1) }\nfunc odd(n int) bool { return n != 0 && even(n-1) }")
		decls := 0
		for _, ch := range p.Chunks {
			if !ch.Stmt {
				decls++
			}
		}
		if decls != 1 {
			t.Errorf("two funcs calling each other: %d evaluations of declarations, want 1:\n%s", decls, plain(p))
		}
	})
}

func TestFinally(t *testing.T) {
	env := testEnv()
	env.Globals["f"] = true
	if p := compileCell(t, env, "defer f()\nf()"); p.Finally == nil || !strings.Contains(p.Finally.Src, "_gkrt.RunDefers()") || !p.Finally.Stmt {
		t.Errorf("a cell with a top-level defer: Finally = %+v", p.Finally)
	}
	if p := compileCell(t, env, "func g() { defer f() }"); p.Finally != nil {
		t.Errorf("a cell without a top-level defer has a Finally chunk: %+v", p.Finally)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"syntax", "x := 1\ny := x +", "2:9: expected operand, found the end of the cell"},
		{"syntax in a func", "func f() {\n\treturn 1 +\n}", "3:1: expected operand, found '}'"},
		{"undefined", "a := 1\nb := a + nope", "2:10: undefined: nope"},
		{"undefined package", "strings.ToUpper(\"a\")", "1:1: undefined: strings"},
		{"missing package", "import \"missing/pkg\"", "1:8: package missing/pkg is not available: cells can import the standard library (and os/exec), not other modules"},
		{"package name taken", "import \"math/rand\"\nimport \"crypto/rand\"", `2:8: rand is already imported as "math/rand"; to use "crypto/rand" too, import it under another name: import rand2 "crypto/rand"`},
		{"receive comma-ok", "c := make(chan int)\nv, ok := <-c", "2:10: v, ok := <-ch is not supported at the top level of a cell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(testEnv(), Cell{Seq: 1, Name: "c", Src: tt.src})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestRedeclared(t *testing.T) {
	env := testEnv()
	p := compileCell(t, env, "type T struct{ X int }\nfunc (t T) M() int { return t.X }")
	for _, c := range p.Chunks {
		env.Record(c.Defs)
	}
	if p := compileCell(t, env, "type T struct {\n\tX int\n}\nfunc (t T) M() int {\n\treturn t.X\n}"); len(p.Chunks) != 0 {
		t.Errorf("identical redeclarations give %d chunks, want none:\n%s", len(p.Chunks), plain(p))
	}
	for src, want := range map[string]string{
		"type T struct{ Y int }":                "1:6: type T was already defined by an earlier cell, differently",
		"func (t T) M() int { return 2 * t.X }": "1:12: method T.M was already defined by an earlier cell, differently",
	} {
		if _, err := Compile(env, Cell{Seq: 9, Src: src}); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want %s", src, err, want)
		}
	}
}

func TestEnvRecord(t *testing.T) {
	env := testEnv()
	p := compileCell(t, env, "import \"strings\"\nn := 3\nconst K = 2\nfunc f() {}\ns := \"x\"")
	for _, c := range p.Chunks {
		env.Record(c.Defs)
	}
	if env.Imports["strings"] != "strings" || !env.Ints["n"] || !env.Ints["K"] || !env.Consts["K"] || !env.Funcs["f"] || env.Ints["s"] {
		t.Errorf("env after recording: %+v", env)
	}
	p = compileCell(t, env, "n := \"now a string\"")
	for _, c := range p.Chunks {
		env.Record(c.Defs)
	}
	if env.Ints["n"] {
		t.Error("n is still an int after its redefinition as a string")
	}
}
