package compile

import (
	"strings"
	"testing"
)

// compileAndRecord compiles a cell and records its chunks in env, as the session does.
func compileAndRecord(t *testing.T, env *Env, seq int, src string) *Program {
	t.Helper()
	p, err := Compile(env, Cell{Seq: seq, Name: "cell", Src: src})
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	for _, ch := range p.Chunks {
		env.Record(ch.Defs)
	}
	return p
}

func TestFuncVars(t *testing.T) {
	env := testEnv()
	p := compileAndRecord(t, env, 1, "func f(n int, rest ...string) (int, error) { return n, nil }")
	got := plain(p)
	for _, w := range []string{"var _gkV_f func(int, ...string) (int, error)", "_gkV_f = f"} {
		if !strings.Contains(got, w) {
			t.Errorf("the declaring cell lacks %q:\n%s", w, got)
		}
	}

	p = compileAndRecord(t, env, 2, "type T struct{}\nfunc (T) M() int { n, _ := f(1); return n }\nh := func() { f(2) }\ng := f\nfunc k() int { n, _ := f(3); return n }")
	got = plain(p)
	for _, w := range []string{
		"func (T) M() int { n, _ := _gkV_f(1); return n }",                                      // a method calls through the var
		"h := func() { _gkV_f(2) }",                                                             // so does a func literal
		"g := func(_gkP0 int, _gkP1 ...string) (int, error) { return _gkV_f(_gkP0, _gkP1...) }", // a value forwards
		"func k() int { n, _ := f(3); return n }",                                               // a func calls directly
	} {
		if !strings.Contains(got, w) {
			t.Errorf("the calling cell lacks %q:\n%s", w, got)
		}
	}
	units := map[string]*Unit{}
	for _, ch := range p.Chunks {
		for _, u := range ch.Units {
			units[u.Name] = u
		}
	}
	if u := units["T.M"]; u == nil || u.Kind != MethodUnit || strings.Join(u.Via, ",") != "f" || strings.Contains(strings.Join(u.Binds, ","), "f") {
		t.Errorf("method unit: %+v", u)
	}
	if u := units["k"]; u == nil || u.Kind != FuncUnit || strings.Join(u.Binds, ",") != "f" || u.Assign != "_gkV_k = k" || u.Src == "" {
		t.Errorf("func unit: %+v", u)
	}
	if u := units["h"]; u == nil || u.Kind != VarUnit || strings.Join(u.Via, ",") != "f" {
		t.Errorf("var unit: %+v", u)
	}

	// The same signature keeps the var; another one gets a new var.
	if got := plain(compileAndRecord(t, env, 3, "func f(a int, b ...string) (n int, err error) { return 2 * a, nil }")); strings.Contains(got, "var _gkV") || !strings.Contains(got, "_gkV_f = f") {
		t.Errorf("same signature:\n%s", got)
	}
	if got := plain(compileAndRecord(t, env, 4, "func f(s string) int { return len(s) }")); !strings.Contains(got, "var _gkV2_f func(string) (int)") || !strings.Contains(got, "_gkV2_f = f") {
		t.Errorf("new signature:\n%s", got)
	}
}

// A func var's type and forwarder have the func's types as its declaration renders them: an
// iterator type as its func type, a name of an interpreted package in its compiled source.
func TestFuncVarTypesRewritten(t *testing.T) {
	env := testEnv()
	env.Imports["iter"] = "iter"
	compileAndRecord(t, env, 1, "func count(n int) iter.Seq[int] { return func(yield func(int) bool) {} }")
	fv := env.FuncVars["count"]
	if want := "func(int) (func(func(int) bool))"; fv.Type != want {
		t.Errorf("the var's type is %q, want %q", fv.Type, want)
	}
	if want := "func(_gkP0 int) (func(func(int) bool)) { return _gkV_count(_gkP0) }"; fv.Forward != want {
		t.Errorf("the forwarder is %q, want %q", fv.Forward, want)
	}
	got := plain(compileAndRecord(t, env, 2, "type T int\nc := count\nfunc (T) Seq() iter.Seq[int] { return count(2) }"))
	for _, w := range []string{"c := func(_gkP0 int) (func(func(int) bool)) { return _gkV_count(_gkP0) }", "return _gkV_count(2)"} {
		if !strings.Contains(got, w) {
			t.Errorf("the calling cell lacks %q:\n%s", w, got)
		}
	}
}

func TestVarsAssignedAgain(t *testing.T) {
	env := testEnv()
	env.Imports["time"] = "time"
	compileAndRecord(t, env, 1, "x := 0\nvar y int\nz := 1.5\nvar w = []string{}\nstart := time.Now()\nfunc load() map[string]int { return nil }\nm := load()")
	tests := []struct {
		src, want string
	}{
		{"x := 5", "x = 5"},
		{"var y int = 3", "y = 3"},
		{"var y int", "y = *new(int)"},
		{"z := 2", "z := 2"}, // an int now: a new variable
		{"w := []string{\"a\"}", "w = []string{\"a\"}"},
		{"start := time.Now()", "start = time.Now()"},
		{"m := load()", "m = load()"},
		{"x, q := 1, 2", "x, q := 1, 2"}, // q is new
	}
	for i, tt := range tests {
		if got := plain(compileAndRecord(t, env, 2+i, tt.src)); !strings.Contains(got, tt.want) {
			t.Errorf("%q: chunks lack %q:\n%s", tt.src, tt.want, got)
		}
	}
}

func TestGenericRedefinition(t *testing.T) {
	env := testEnv()
	compileAndRecord(t, env, 1, "func Id[T any](v T) T { return v }")
	compileAndRecord(t, env, 2, "func Id[T any](v T) T { return v }") // the same: fine
	_, err := Compile(env, Cell{Seq: 3, Name: "cell", Src: "func Id[T any](v T) T { var z T; return z }"})
	if err == nil || !strings.Contains(err.Error(), "generic func Id was already defined") {
		t.Errorf("a changed generic func: %v", err)
	}
}
