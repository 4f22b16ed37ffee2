package syntax

import "testing"

func TestIsComplete(t *testing.T) {
	tests := []struct {
		name, code  string
		status, ind string
	}{
		{"empty", "", Complete, ""},
		{"statement", "x := 1", Complete, ""},
		{"call", `fmt.Println("hi")`, Complete, ""},
		{"open brace", "func f() {", Incomplete, "    "},
		{"nested", "func f() {\n\tfor {", Incomplete, "        "},
		{"closed func", "func f() {\n\treturn\n}", Complete, ""},
		{"open paren", "fmt.Println(1,", Incomplete, "    "},
		{"open bracket", "xs := []int{", Incomplete, "    "},
		{"raw string", "s := `line one", Incomplete, ""},
		{"block comment", "/* still", Incomplete, ""},
		{"trailing plus", "x := 1 +", Incomplete, "    "},
		{"trailing assign", "x :=", Incomplete, "    "},
		{"trailing dot", "fmt.", Incomplete, "    "},
		{"increment", "i++", Complete, ""},
		{"stray close", "}", Invalid, ""},
		{"mismatched", "f(]", Invalid, ""},
		{"bad char", "x := 1 # 2", Invalid, ""},
		{"unterminated string", "s := \"abc", Invalid, ""},
		{"label colon", "default:", Complete, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, indent := IsComplete(tt.code)
			if status != tt.status || indent != tt.ind {
				t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.ind)
			}
		})
	}
}
