package compile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestNesting: a cell nested past the limits is refused with an error at the cell's line and
// column where the limit is passed, before anything that recurses per level sees it; nesting
// within them compiles.
func TestNesting(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name string
		src  string
		want string // line:col: start of the message; "" compiles
	}{
		{"parentheses", "x := " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n), "1:1006: expression nested too deeply: more than 1000 levels of parentheses"},
		{"braces", "x := 1\n" + strings.Repeat("{", n) + strings.Repeat("}", n), "2:1001: expression nested too deeply"},
		{"brackets", "var x " + strings.Repeat("[", n) + strings.Repeat("]", n) + "int", "1:1007: expression nested too deeply"},
		{"func literals", strings.Repeat("func() {", n) + strings.Repeat("}()", n), "1:8005: expression nested too deeply"},
		{"a chain of +", "x := 1" + strings.Repeat(" + 1", MaxTreeDepth+1), "1:6: expression nested too deeply: more than 5000 levels"},
		{"unary operators", "x := " + strings.Repeat("- ", MaxTreeDepth+1) + "1", "1:10004: expression nested too deeply"},
		{"a chain of calls", "x := f" + strings.Repeat("()", MaxTreeDepth+1), "1:6: expression nested too deeply"},
		{"a long chain of else if", "x := 1\nif x == 0 {\n}" + strings.Repeat(" else if x == 1 {\n}", 2000), "expression nested too deeply"},
		{"a chain of + too long for the parser", "x := 1" + strings.Repeat("+1", n), "1:200003: expression nested too deeply"},
		{"200 parentheses", "x := " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200), ""},
		{"a chain of 1000 +", "x := 1" + strings.Repeat(" + 1", 1000), ""},
		{"200 else ifs", "x := 1\nif x == 0 {\n}" + strings.Repeat(" else if x == 1 {\n}", 200), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(testEnv(), Cell{Seq: 1, Name: "cell[1]", Src: "func f() func() { return nil }\n" + tt.src})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want it compiled", err)
				}
				return
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			// Line 1 of the cell declares f; the case's source starts on line 2.
			got := fmt.Sprintf("%d:%d: %s", list[0].Line-1, list[0].Col, list[0].Msg)
			if !strings.Contains(got, tt.want) || !strings.Contains(got, nestingHint) {
				t.Errorf("got %q, want %q … %q", got, tt.want, nestingHint)
			}
		})
	}
}
