package eval

import (
	"fmt"
	"strings"
	"testing"
)

func TestOutline(t *testing.T) {
	code := "package main\n\nimport (\n\t\"fmt\"\n\tr \"math/rand\"\n)\n\nconst (\n\tA = iota\n\tB\n)\n" +
		"type T struct{ X int }\n\nfunc (t *T) Inc() { t.X += B }\n\nx := T{X: A}\nx.Inc()\n\nfunc f(n int) int { return n + r.Int() }\n" +
		"fmt.Println(f(x.X))\n"
	pieces, err := Outline(code)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pieces {
		got = append(got, fmt.Sprintf("%v %d:%d %v %s uses %v: %q", p.Kind, p.Line, p.Col, p.Names, p.Recv, p.Uses, code[p.Start:p.End]))
	}
	want := []string{
		`package 1:1 []  uses []: "package main"`,
		`import 3:1 [fmt r]  uses []: "import (\n\t\"fmt\"\n\tr \"math/rand\"\n)"`,
		`const 8:1 [A B]  uses [iota]: "const (\n\tA = iota\n\tB\n)"`,
		`type 12:1 [T]  uses [int]: "type T struct{ X int }"`,
		`method 14:1 [Inc] T uses [B T]: "func (t *T) Inc() { t.X += B }"`,
		`statements 16:1 [x]  uses [A T]: "x := T{X: A}\nx.Inc()"`,
		`func 19:1 [f]  uses [int r]: "func f(n int) int { return n + r.Int() }"`,
		`statements 20:1 []  uses [f fmt x]: "fmt.Println(f(x.X))"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Outline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if _, err := Outline("x := (1 +\n"); err == nil {
		t.Error("Outline of a cell that doesn't parse: no error")
	} else if list, ok := err.(SyntaxErrors); !ok || list[0].Line != 1 {
		t.Errorf("Outline error %v: want SyntaxErrors at line 1", err)
	}
}

func TestDeclarations(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"fmt\"\ntype point struct{ X, Y int }\n\nfunc (p point) String() string { return fmt.Sprint(p.X, p.Y) }")
	ts.run(t, "const scale = 2\nfunc double(n int) int { return n * scale }\ncounter := 0\nvar total int")
	ts.run(t, "func double(n int) int { return n * scale * 1 }") // redefined
	ts.exec(t.Context(), "func half(n int) int { return n / 2 }\npanic(\"after half\")")
	ts.exec(t.Context(), "func broken() int { return undefinedName }")
	ts.run(t, "func main() { fmt.Println(\"a program\") }")

	d := ts.Declarations()
	var got []string
	for _, decl := range d.Decls {
		got = append(got, fmt.Sprintf("%v %v %s %s:%d:%d %q", decl.Kind, decl.Names, decl.Recv, decl.Cell, decl.Line, decl.Col, decl.Src))
	}
	want := []string{
		`type [point]  cell[1]:2:1 "type point struct{ X, Y int }"`,
		`method [String] point cell[1]:4:1 "func (p point) String() string { return fmt.Sprint(p.X, p.Y) }"`,
		`const [scale]  cell[2]:1:1 "const scale = 2"`,
		`func [double]  cell[3]:1:1 "func double(n int) int { return n * scale * 1 }"`,
		`func [half]  cell[4]:1:1 "func half(n int) int { return n / 2 }"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Declarations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fmt.Sprint(d.Vars) != "[counter total]" {
		t.Errorf("Vars = %v, want [counter total]", d.Vars)
	}
	if d.Imports["fmt"] != "fmt" || len(d.Imports) != 1 {
		t.Errorf("Imports = %v, want fmt", d.Imports)
	}

	ts.run(t, "double := 3") // a func's name now holds a value
	d = ts.Declarations()
	for _, decl := range d.Decls {
		if decl.Names[0] == "double" {
			t.Errorf("double is a var now, but Declarations still has its func: %q", decl.Src)
		}
	}
	if fmt.Sprint(d.Vars) != "[counter double total]" {
		t.Errorf("Vars = %v, want [counter double total]", d.Vars)
	}
}
