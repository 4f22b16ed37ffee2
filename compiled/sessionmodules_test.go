package compiled

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/eval/modules"
	"github.com/gokernel/gokernel/eval/modules/modulestest"
)

// moduleSession is a session whose modules, and the builds' go commands, come from the test
// proxy of package modules: offline.
func moduleSession(t *testing.T) *eval.Session {
	t.Helper()
	for _, kv := range modulestest.Env(t, "../eval/modules/testdata/proxy") { // the build reads the process's environment
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv(modules.CacheEnv, t.TempDir())
	s, err := eval.New(eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A compiled cell imports the packages of the modules the session uses, at the versions the
// interpreter has: here from the test proxy of package modules, offline.
func TestRunWithTheSessionsModules(t *testing.T) {
	s := moduleSession(t)
	var out strings.Builder
	if e := s.Go(t.Context(), "get example.com/greet@v1.0.0", &out); e != nil {
		t.Fatal(e)
	}
	for i, c := range []string{`import "example.com/greet"`, "func hi(name string) string { return greet.Hello(name) + \" from \" + greet.Version }"} {
		if o := s.Execute(t.Context(), eval.Cell{Name: fmt.Sprintf("cell[%d]", i+1), Code: c}); o.Err != nil {
			t.Fatalf("cell %d: %v", i+1, o.Err)
		}
	}
	h := newRunHost(t)
	h.decls = s.Declarations()
	o := h.run(t.Context(), "\nhi(\"compiled\")", Options{})
	if o.Err != nil {
		t.Fatalf("%s\n%s", o.Err.Value, strings.Join(o.Err.Traceback, "\n"))
	}
	if got := o.Result["text/plain"]; got != `"hello, compiled from v1.0.0"` {
		t.Errorf("result %v, want greet v1.0.0's, the version the session pinned", got)
	}
	// A package of a module the session doesn't use is refused before a build.
	o = h.run(t.Context(), "\nimport \"example.com/chorus\"\nchorus.All(\"x\")", Options{})
	if o.Err == nil || !strings.Contains(o.Err.Value, "package example.com/chorus is not available") {
		t.Errorf("a module the session doesn't use: %+v", o.Err)
	}
}

// A package the interpreter refuses runs in a compiled cell, as its error says.
func TestRunWhatTheInterpreterRefuses(t *testing.T) {
	s := moduleSession(t)
	o := s.Execute(t.Context(), eval.Cell{Name: "cell[1]", Code: `import "example.com/weird"`})
	if o.Err == nil || !strings.Contains(o.Err.Value, "range over an integer") || !strings.Contains(o.Err.Value, "%%compile cell") {
		t.Fatalf("importing example.com/weird: %+v", o.Err)
	}
	h := newRunHost(t)
	h.decls = s.Declarations()
	out := h.run(t.Context(), "\nimport \"example.com/weird\"\nweird.Sum(5)", Options{})
	if out.Err != nil {
		t.Fatalf("%s\n%s", out.Err.Value, strings.Join(out.Err.Traceback, "\n"))
	}
	if got := out.Result["text/plain"]; got != "10" {
		t.Errorf("weird.Sum(5) = %v, want 10", got)
	}
}

func TestMergeRequires(t *testing.T) {
	got := mergeRequires([]string{"golang.org/x/image v0.48.0", "golang.org/x/sys v0.50.0"},
		[]string{"golang.org/x/sys v0.42.0", "golang.org/x/sync v0.25.0", "golang.org/x/image v0.49.0"})
	want := "golang.org/x/image v0.49.0,golang.org/x/sync v0.25.0,golang.org/x/sys v0.50.0"
	if strings.Join(got, ",") != want {
		t.Errorf("mergeRequires = %v, want %s (of each module the higher version)", got, want)
	}
}
