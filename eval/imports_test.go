package eval

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/lib/display"

	"github.com/gokernel/gokernel/eval/modules"
	"github.com/gokernel/gokernel/eval/modules/modulestest"
)

// moduleEnv is the environment of sessions whose go commands take modules from the test proxy
// of package modules only (no network), with a module cache of the test's.
func moduleEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	env := append(os.Environ(), modulestest.Env(t, "modules/testdata/proxy")...)
	env = append(env, modules.CacheEnv+"="+t.TempDir())
	return append(env, extra...)
}

func newModuleSession(t *testing.T, extra ...string) *testSession {
	t.Helper()
	return newModuleSessionWith(t, nil, moduleEnv(t, extra...))
}

func newModuleSessionWith(t *testing.T, sink display.Sink, env []string) *testSession {
	t.Helper()
	ts := &testSession{hooks: newHooks(), stdout: newWatchBuffer(), stderr: newWatchBuffer()}
	s, err := New(Config{Stdout: ts.stdout, Stderr: ts.stderr, Environ: func() []string { return env }, Display: sink})
	if err != nil {
		t.Fatal(err)
	}
	ts.Session = s
	t.Cleanup(func() { s.Close() })
	return ts
}

func TestImportModule(t *testing.T) {
	ts := newModuleSession(t)
	ts.run(t, `import "example.com/chorus"`)
	if got := ts.run(t, `chorus.All("ann", "bob")`); got != `[HELLO, ANN! HELLO, BOB!]` {
		t.Errorf("chorus.All = %s", got)
	}
	ts.run(t, `import "example.com/greet"`)
	if got := ts.run(t, `greet.Version`); got != `"v1.1.0"` {
		t.Errorf("greet.Version = %s, want the version chorus requires", got)
	}
}

func TestImportModuleErrors(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"x := 1\nimport \"example.com/nope\"", "cell[1]:2:8: no module provides example.com/nope"},
		{`import "example.com/weird"`, "example.com/weird@v1.0.0/weird.go:8:2"},
		{`import "example.com/weird/alias"`, "example.com/weird@v1.0.0/alias/alias.go:5:6"},
		{`import "example.com/broken"`, "example.com/broken@v1.0.0/broken.go:6:"},
		{`import "example.com/cgo"`, "needs cgo"},
	} {
		ts := newModuleSession(t)
		out := ts.exec(t.Context(), tt.code)
		if out.Err == nil || out.Err.Name != NameImport || !strings.Contains(out.Err.Value, tt.want) {
			t.Errorf("%s: %+v, want an %s saying %q", tt.code, out.Err, NameImport, tt.want)
		}
		t.Logf("%s:\n%v", tt.code, out.Err)
	}
}

// displays records what a session displays.
type displays struct {
	mu    sync.Mutex
	texts []string
}

func (d *displays) Display(data map[string]any, _ map[string]any, id string, update bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.texts = append(d.texts, fmt.Sprintf("%s update=%v %v", id, update, data["text/plain"]))
}

func (d *displays) Clear(bool) {}

func TestImportShowsTheFetch(t *testing.T) {
	env := moduleEnv(t)
	d := &displays{}
	ts := newModuleSessionWith(t, d, env)
	ts.run(t, `import "example.com/greet"`)
	d.mu.Lock()
	texts := strings.Join(d.texts, "\n")
	d.mu.Unlock()
	if !strings.Contains(texts, "update=false fetching example.com/greet") || !strings.Contains(texts, "fetched example.com/greet in ") ||
		!strings.Contains(texts, "example.com/greet v1.1.0") {
		t.Errorf("the first import's fetch showed\n%s\nwant a status line that ends with the module fetched", texts)
	}
	// Another session shares the module cache: its import works from it.
	ts2 := newModuleSessionWith(t, nil, env)
	ts2.run(t, `import "example.com/greet"`)
	if got := ts2.run(t, `greet.Hello("cache")`); got != `"hello, cache"` {
		t.Errorf("greet.Hello = %s", got)
	}
}

func TestGoMagic(t *testing.T) {
	ts := newModuleSession(t)
	var out strings.Builder
	if e := ts.Go(t.Context(), "list", &out); e != nil || !strings.Contains(out.String(), "uses no modules yet") {
		t.Errorf("%%go list before any import: %q, %v", out.String(), e)
	}
	out.Reset()
	if e := ts.Go(t.Context(), "get example.com/greet@v1.0.0", &out); e != nil || out.String() != "example.com/greet v1.0.0\n" {
		t.Fatalf("%%go get: %q, %v", out.String(), e)
	}
	ts.run(t, `import "example.com/greet"`)
	if got := ts.run(t, `greet.Version`); got != `"v1.0.0"` {
		t.Errorf("greet.Version = %s, want the pinned v1.0.0", got)
	}
	out.Reset()
	if e := ts.Go(t.Context(), "list", &out); e != nil || !strings.Contains(out.String(), "example.com/greet  v1.0.0  pinned  imported: example.com/greet") {
		t.Errorf("%%go list: %q, %v", out.String(), e)
	}
	// chorus needs greet v1.1.0; the interpreter has v1.0.0 loaded and can't change it.
	r := ts.exec(t.Context(), "import (\n\t\"fmt\"\n\t\"example.com/chorus\"\n)")
	if r.Err == nil || !strings.Contains(r.Err.Value, "cell[3]:3:2: example.com/chorus needs example.com/greet v1.1.0, but the session already imported example.com/greet at v1.0.0") ||
		!strings.Contains(r.Err.Value, "run %reset, then %go get example.com/greet@v1.1.0") {
		t.Errorf("a version conflict: %+v", r.Err)
	}
	for _, tt := range []struct{ args, want string }{
		{"get example.com/greet@v1.1.0", "can't unload"},
		{"get example.com/greet@v9.9.9", "module example.com/greet has no version v9.9.9"},
		{"get -u example.com/greet", "not flags"},
		{"tidy", "unknown %go command tidy"},
	} {
		if e := ts.Go(t.Context(), tt.args, &out); e == nil || !strings.Contains(e.Value, tt.want) {
			t.Errorf("%%go %s: %+v, want %q", tt.args, e, tt.want)
		}
	}
}

// An interrupt stops a fetch that hangs: the proxy accepts the connection and never answers.
func TestInterruptAFetch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // ends when ln is closed
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ts := newModuleSession(t, "GOPROXY=http://"+ln.Addr().String())
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	out := ts.exec(ctx, `import "example.com/hangs"`)
	if out.Err == nil || out.Err.Name != NameInterrupted {
		t.Fatalf("an interrupted fetch: %+v, want %s", out.Err, NameInterrupted)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the interrupted fetch took %v to stop", took)
	}
	// The session goes on, and the module can be imported once the proxy answers.
	if got := ts.run(t, "1 + 1"); got != "2" {
		t.Errorf("after the interrupt 1 + 1 = %s", got)
	}
}

// A package named otherwise than its path's last element is known by its package clause's name,
// and an import may name it anew.
func TestImportedPackageName(t *testing.T) {
	ts := newModuleSession(t)
	ts.run(t, `import "example.com/go-shout"`)
	if got := ts.run(t, `shout.Loud("hey")`); got != `"HEY!"` {
		t.Errorf("shout.Loud = %s", got)
	}
	ts.run(t, `import yell "example.com/go-shout"`)
	if got := ts.run(t, `yell.Loud("ho")`); got != `"HO!"` {
		t.Errorf("yell.Loud = %s", got)
	}
}
