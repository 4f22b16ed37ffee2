package eval

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval/internal/compile"
)

func TestFormatCutsLongValues(t *testing.T) {
	long := strings.Repeat("é", maxStringBytes) // two bytes a rune: the cut falls inside one
	tests := []struct {
		name string
		v    any
		want func(string) bool
	}{
		{"string", long, func(s string) bool {
			return strings.HasPrefix(s, `"éé`) && strings.HasSuffix(s, fmt.Sprintf(`é" …(%d more bytes)`, maxStringBytes))
		}},
		{"string in a struct", struct{ S string }{long}, func(s string) bool {
			return strings.HasPrefix(s, "{S:éé") && strings.HasSuffix(s, fmt.Sprintf("é …(%d more bytes)}", maxStringBytes))
		}},
		{"short string", "short", func(s string) bool { return s == `"short"` }},
		{"slice of long strings", []string{long, long, long, long, long, long, long, long, long, long, long, long, long, long, long, long, long}, func(s string) bool {
			// Each element is cut; the elements stop once the text is as long as a result may be.
			return len(s) < maxResultBytes+2*maxStringBytes && strings.HasSuffix(s, "more)]") && !strings.Contains(s, "\ufffd")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formatValue(tt.v)
			if !tt.want(got) {
				t.Errorf("formatValue = %d bytes: %q … %q", len(got), got[:min(20, len(got))], got[max(0, len(got)-40):])
			}
		})
	}
	values := make([]any, 2*maxResultBytes/maxStringBytes) // a call's many results
	for i := range values {
		values[i] = strings.Repeat("x", maxStringBytes)
	}
	if got := formatValues(values); len(got) > maxResultBytes+30 || !strings.HasSuffix(got, "more bytes)") {
		t.Errorf("formatValues of %d long strings: %d bytes ending %q", len(values), len(got), got[len(got)-30:])
	}
}

func TestClipLine(t *testing.T) {
	line := strings.Repeat("a", 1000) + "X" + strings.Repeat("b", 1000)
	got, col := clipLine(line, 1000)
	if len(got) > maxLineBytes+2*len("…") || got[col] != 'X' || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("clipLine = %q, col %d", got, col)
	}
	if got, col := clipLine("short", 2); got != "short" || col != 2 {
		t.Errorf("clipLine(short) = %q, %d", got, col)
	}
}

// level sees it, so the worker's bounded stack (64 MiB, set in cmd/gokernel) never overflows.
func TestDeepNestingKeepsTheSession(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20)) // the worker's
	ts := newTestSession(t)
	ts.run(t, "kept := 7")
	const n = 100_000
	tests := []struct{ name, code, want string }{
		{"parentheses", "x := " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n), "cell[2]:1:1006: expression nested too deeply"},
		{"func literals", strings.Repeat("func() {", n) + strings.Repeat("}()", n), "cell[3]:1:8005: expression nested too deeply"},
		{"composite literals", "x := " + strings.Repeat("[]any{", n) + strings.Repeat("}", n), "cell[4]:1:6006: expression nested too deeply"},
		{"binary operators", "x := 1" + strings.Repeat(" + 1", compile.MaxTreeDepth+10), "cell[5]:1:6: expression nested too deeply"},
		{"else if", "x := 1\nif x == 0 {\n}" + strings.Repeat(" else if x == 1 {\n}", n/10), "cell[6]:"},
	}
	for _, tt := range tests {
		out := ts.exec(t.Context(), tt.code)
		if out.Err == nil || out.Err.Name != NameCompile || !strings.HasPrefix(out.Err.Value, tt.want) || !strings.Contains(out.Err.Value, "nested too deeply") {
			t.Errorf("%s: got %v, want a CompileError starting %q", tt.name, out.Err, tt.want)
			continue
		}
		for _, l := range out.Err.Traceback {
			if len(l) > 400 {
				t.Errorf("%s: a traceback line of %d bytes, want the source clipped around the column", tt.name, len(l))
			}
		}
	}
	if got := ts.run(t, "kept"); got != "7" {
		t.Errorf("kept = %s, want 7", got)
	}
	// Nesting well within the limits still runs.
	if got := ts.run(t, strings.Repeat("(", 200)+"kept"+strings.Repeat(")", 200)); got != "7" {
		t.Errorf("200 parentheses: %s, want 7", got)
	}
}

// fits in what travels to the front end.
func TestLongResultIsCut(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import \"strings\"")
	got := ts.run(t, "strings.Repeat(\"x\", 4<<20)")
	if want := fmt.Sprintf(`" …(%d more bytes)`, 4<<20-maxStringBytes); !strings.HasSuffix(got, want) || len(got) > maxStringBytes+100 {
		t.Errorf("result of %d bytes ends %q, want it cut to %d bytes and ending %q", len(got), got[max(0, len(got)-40):], maxStringBytes, want)
	}
	got = ts.run(t, "many := make([]string, 100)\nfor i := range many {\n\tmany[i] = strings.Repeat(\"y\", 60<<10)\n}\nmany")
	if len(got) > maxResultBytes+30 || !strings.HasSuffix(got, "more bytes)") {
		t.Errorf("result of %d bytes ends %q, want it cut to %d bytes, with a note", len(got), got[max(0, len(got)-40):], maxResultBytes)
	}
	out := ts.exec(t.Context(), "panic(strings.Repeat(\"z\", 4<<20))")
	if out.Err == nil || len(out.Err.Value) > maxStringBytes+100 || !strings.HasSuffix(out.Err.Value, "more bytes)") {
		t.Errorf("a panic with a 4 MiB value: error value of %d bytes, want it cut", len(out.Err.Value))
	}
}
