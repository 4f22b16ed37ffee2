package compiled

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval"
)

// session runs interpreted cells, cell[1], cell[2], ..., and returns what they declared.
func session(t *testing.T, cells ...string) eval.Declarations {
	t.Helper()
	s, err := eval.New(eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cells {
		if out := s.Execute(t.Context(), eval.Cell{Name: fmt.Sprintf("cell[%d]", i+1), Code: c}); out.Err != nil {
			t.Fatalf("cell %d: %v", i+1, out.Err)
		}
	}
	return s.Declarations()
}

var earlierCells = []string{
	"import (\"fmt\"; \"strings\")\ntype point struct{ X, Y int }\n\nfunc (p point) String() string { return fmt.Sprint(p.X, \",\", p.Y) }",
	"const scale = 2\nfunc double(n int) int { return n * scale }\nfunc shout(s string) string { return strings.ToUpper(s) }\ncounter := 0\n" +
		"func bump() { counter++ }",
}

func TestAssemble(t *testing.T) {
	decls := session(t, earlierCells...)
	tests := []struct {
		name, code string
		files      map[string]string
	}{
		{
			name: "body of main, earlier declarations it uses and a result",
			code: "\np := point{1, double(3)}\nfmt.Println(p)\np",
			files: map[string]string{
				"main.go": "package main\n\n//line gokernel_main.go:1\nimport (\n\t\"fmt\"\n\t_gkdisplay \"gokernel/display\"\n)\n\n" +
					"//line gokernel_main.go:1\nfunc main() {\n/*line cell:2:1*/p := point{1, double(3)}\nfmt.Println(p)\n" +
					"_gkdisplay.Result(/*line cell:4:1*/p)\n\n//line gokernel_main.go:1\n}\n",
				"decls.go": "package main\n\n//line gokernel_main.go:1\nimport (\n\t\"fmt\"\n)\n\n" +
					"/*line cell@1:2:1*/type point struct{ X, Y int }\n\n" +
					"/*line cell@1:4:1*/func (p point) String() string { return fmt.Sprint(p.X, \",\", p.Y) }\n\n" +
					"/*line cell@2:1:1*/const scale = 2\n\n/*line cell@2:2:1*/func double(n int) int { return n * scale }\n",
			},
		},
		{
			name: "a whole program with its own imports",
			code: "\npackage main\n\nimport \"os\"\n\nfunc main() {\n\tos.Stdout.WriteString(shout(\"hi\"))\n}",
			files: map[string]string{
				"main.go": "package main\n/*line cell:4:1*/import \"os\"\n\n/*line cell:6:1*/func main() {\n\tos.Stdout.WriteString(shout(\"hi\"))\n}\n",
				"decls.go": "package main\n\n//line gokernel_main.go:1\nimport (\n\t\"strings\"\n)\n\n" +
					"/*line cell@1:3:1*/func shout(s string) string { return strings.ToUpper(s) }\n",
			},
		},
		{
			name: "the cell's own declarations win, its vars stay in main when they use its statements",
			code: "\nfunc double(n int) int { return n + n }\nvar sb strings.Builder\nn := 3\nvar xs = make([]int, n)\n" +
				"fmt.Println(double(len(xs)), scale);",
			files: map[string]string{
				"main.go": "package main\n\n//line gokernel_main.go:1\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n" +
					"/*line cell:2:1*/func double(n int) int { return n + n }\n\n/*line cell:3:1*/var sb strings.Builder\n\n" +
					"//line gokernel_main.go:1\nfunc main() {\n/*line cell:4:1*/n := 3\n/*line cell:5:1*/var xs = make([]int, n)\n" +
					"/*line cell:6:1*/fmt.Println(double(len(xs)), scale);\n\n//line gokernel_main.go:1\n}\n",
				"decls.go": "package main\n\n/*line cell@1:1:1*/const scale = 2\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog, errs := assemble(Cell{Name: "cell[3]", Code: tt.code}, decls, true)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			for name, want := range tt.files {
				if got := prog.files[name]; got != want {
					t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
				}
			}
			for name := range prog.files {
				if _, ok := tt.files[name]; !ok {
					t.Errorf("unexpected file %s:\n%s", name, prog.files[name])
				}
			}
		})
	}
}

func TestAssembleRefuses(t *testing.T) {
	decls := session(t, earlierCells...)
	tests := []struct{ name, code, want string }{
		{"an earlier variable", "\nx := 1\nfmt.Println(x, counter)",
			"cell[3]:3:16: counter is a variable of an earlier cell: a compiled cell sees the types, funcs, consts and " +
				"imports of earlier cells, but not their variables, whose values live in the interpreter; declare counter in this cell"},
		{"an earlier func that uses one", "\nbump()",
			"cell[2]:5:15: bump uses counter, a variable of an earlier cell: a compiled cell sees the types, funcs, consts and " +
				"imports of earlier cells, but not their variables, whose values live in the interpreter; declare counter in this cell"},
		{"func main beside statements", "\nfmt.Println(1)\nfunc main() {}",
			"cell[3]:2:1: this cell has a func main and statements outside it: a compiled cell is a whole program (with func main) or the body of main, not both"},
		{"another module", "\nimport \"github.com/x/y\"\ny.Do()",
			"cell[3]:2:8: package github.com/x/y is not available: compiled cells import the standard library and the notebook packages (gokernel/display, progress, timeline, coro), not other modules"},
		{"a syntax error", "\nx := (1 +\n", "cell[3]:2:10: expected operand, found the end of the cell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog, errs := assemble(Cell{Name: "cell[3]", Code: tt.code}, decls, true)
			if len(errs) == 0 {
				t.Fatalf("no error; main.go:\n%s", prog.files["main.go"])
			}
			e := errorOf(errs, prog.sources)
			if e.Value != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", e.Value, tt.want)
			}
			if len(e.Traceback) < 3 || !strings.HasSuffix(e.Traceback[2], "^") {
				t.Errorf("traceback shows no line with a caret: %q", e.Traceback)
			}
		})
	}
}

func TestFinalExpression(t *testing.T) {
	decls := session(t, earlierCells...)
	tests := []struct {
		code string
		want string // the result's position, or "" for none
	}{
		{"\nx := 2\nx * 3", "cell[3]:3:1"},
		{"\nx := 2\nfmt.Println(x)", ""},
		{"\nx := 2\nx * 3;", ""},
		{"\nx := 2\n_ = x\ndouble(x) // a comment", "cell[3]:4:1"},
		{"\nfunc main() { fmt.Println(1) }", ""},
		{"\n\"go\" + \"pher\"\nfunc f() {}", ""},
	}
	for _, tt := range tests {
		prog, errs := assemble(Cell{Name: "cell[3]", Code: tt.code}, decls, true)
		if errs != nil {
			t.Fatalf("%q: %v", tt.code, errs)
		}
		got := ""
		if prog.result != nil {
			got = fmt.Sprintf("%s:%d:%d", prog.result.cell, prog.result.line, prog.result.col)
		}
		if got != tt.want {
			t.Errorf("%q: result at %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestParseMagic(t *testing.T) {
	tests := []struct {
		cell     string
		ok       bool
		race     bool
		args     []string
		code     string
		hasError bool
	}{
		{"%%compile\nfmt.Println(1)", true, false, nil, "\nfmt.Println(1)", false},
		{"\n  %%compile -race -- a b\nx", true, true, []string{"a", "b"}, "\n\nx", false},
		{"%%compile -fast\nx", true, false, nil, "", true},
		{"%time\nx", false, false, nil, "", false},
		{"x := 1 // %%compile", false, false, nil, "", false},
	}
	for _, tt := range tests {
		opts, code, ok, err := ParseMagic(tt.cell)
		if ok != tt.ok || (err != nil) != tt.hasError || opts.Race != tt.race ||
			fmt.Sprint(opts.Args) != fmt.Sprint(tt.args) || (ok && err == nil && code != tt.code) {
			t.Errorf("ParseMagic(%q) = %+v, %q, %v, %v", tt.cell, opts, code, ok, err)
		}
	}
}
