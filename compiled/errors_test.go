package compiled

import (
	"strings"
	"testing"
)

// TestBuildErrors maps what go build said (captured from a real build of the cell below) to the
// cells' lines, names the earlier cell's variable, and shows each line with a caret.
func TestBuildErrors(t *testing.T) {
	decls := session(t, "import \"fmt\"\nfunc quiet() {\n\tunused := 1\n}\ncounter := 0")
	code := "\nquiet()\nm := map[int]string{counter: \"x\"}\nfmt.Println(m, undefinedThing)\nvar s string = 1"
	prog, errs := assemble(Cell{Name: "cell[2]", Code: code}, decls, true)
	if errs != nil {
		t.Fatal(errs)
	}
	const out = "# gokernel\ncell:5:16: cannot use 1 (untyped int constant) as string value in variable declaration\n" +
		"cell@1:3:2: declared and not used: unused\ncell:3:21: undefined: counter\ncell:4:16: undefined: undefinedThing\n" +
		"note: a line go build adds"
	errs, other := buildErrors(out, prog)
	e := errorOf(errs, prog.sources)
	want := []string{
		"cell[2]:5:16: cannot use 1 (untyped int constant) as string value in variable declaration",
		"    var s string = 1",
		"                   ^",
		"cell[1]:3:2: declared and not used: unused",
		"        unused := 1",
		"        ^",
		"cell[2]:3:21: " + earlierVar("counter", ""),
		"    m := map[int]string{counter: \"x\"}",
		"                        ^",
		"cell[2]:4:16: undefined: undefinedThing",
		"    fmt.Println(m, undefinedThing)",
		"                   ^",
	}
	if got := strings.Join(e.Traceback, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("traceback:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if e.Value != want[0] || e.Name != NameCompile {
		t.Errorf("error %s: %s", e.Name, e.Value)
	}
	if strings.Join(other, "\n") != "note: a line go build adds" {
		t.Errorf("other lines: %q", other)
	}
}
