package modules

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/eval/modules/modulestest"
)

// testEnv is the environment of a session whose go commands take modules from the test proxy
// only, with a module cache and a cache folder of the test's.
func testEnv(t *testing.T, extra ...string) func() []string {
	t.Helper()
	env := append(os.Environ(), modulestest.Env(t, "testdata/proxy")...)
	env = append(env, CacheEnv+"="+t.TempDir())
	env = append(env, extra...)
	return func() []string { return env }
}

func newResolver(t *testing.T, env func() []string) *Resolver {
	r := New(Config{Environ: env})
	t.Cleanup(func() { r.Close() })
	return r
}

func importPaths(pkgs []*Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.ImportPath+"@"+p.Module.Version)
	}
	return out
}

func TestResolveWithDependencies(t *testing.T) {
	r := newResolver(t, testEnv(t))
	pkgs, _, err := r.Resolve(t.Context(), []string{"example.com/chorus"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, want := importPaths(pkgs), []string{"example.com/greet@v1.1.0", "example.com/chorus@v1.0.0"}
	if !slices.Equal(got, want) {
		t.Fatalf("Resolve gave %v, want %v (a dependency first)", got, want)
	}
	if pkgs[1].Name != "chorus" || !slices.Equal(pkgs[1].Files, []string{"chorus.go"}) {
		t.Errorf("chorus is %+v", pkgs[1])
	}
	// Resolved once: a later import of the same packages fetches nothing.
	again, _, err := r.Resolve(t.Context(), []string{"example.com/chorus", "example.com/greet"}, func(line string) {
		t.Errorf("a second resolution fetched: %s", line)
	})
	if err != nil || len(again) != 0 {
		t.Errorf("a second resolution gave %v, %v; want nothing new", importPaths(again), err)
	}
}

func TestTreeServesThePackageFiles(t *testing.T) {
	r := newResolver(t, testEnv(t))
	pkgs, _, err := r.Resolve(t.Context(), []string{"example.com/weird/alias"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tree := NewTree("/nonexistent/gk")
	tree.Add(pkgs...)
	entries, err := fs.ReadDir(tree, "/nonexistent/gk/src/example.com/weird/alias")
	if err != nil || len(entries) != 1 || entries[0].Name() != "alias.go" {
		t.Fatalf("ReadDir = %v, %v; want alias.go", entries, err)
	}
	data, err := fs.ReadFile(tree, "/nonexistent/gk/src/example.com/weird/alias/alias.go")
	if err != nil || !strings.Contains(string(data), "type List[T any] = []T") {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
	for _, name := range []string{"/nonexistent/gk/src/example.com/weird/weird.go", "/nonexistent/gk/src/vendor/example.com/weird/alias",
		"/nonexistent/gk/src/main/example.com/weird/alias"} {
		if _, err := fs.Stat(tree, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s) = %v, want not found: only resolved packages are in the tree", name, err)
		}
	}
}

func TestPinAndMove(t *testing.T) {
	ctx := t.Context()
	r := newResolver(t, testEnv(t))
	if _, err := r.Get(ctx, []string{"example.com/greet@v1.0.0"}, nil); err != nil {
		t.Fatal(err)
	}
	pkgs, _, err := r.Resolve(ctx, []string{"example.com/greet"}, nil)
	if err != nil || len(pkgs) != 1 || pkgs[0].Module.Version != "v1.0.0" {
		t.Fatalf("the pinned greet resolved to %v, %v; want v1.0.0", importPaths(pkgs), err)
	}
	// chorus requires greet v1.1.0: the interpreter has greet v1.0.0 and can't take another.
	_, _, err = r.Resolve(ctx, []string{"example.com/chorus"}, nil)
	if err == nil || !strings.Contains(err.Error(), "example.com/chorus needs example.com/greet v1.1.0, but the session already imported example.com/greet at v1.0.0") ||
		!strings.Contains(err.Error(), "%reset") {
		t.Fatalf("importing chorus over the loaded greet v1.0.0: %v", err)
	}
	mods, err := r.List(ctx)
	if err != nil || len(mods) != 1 || mods[0].Version.String() != "example.com/greet@v1.0.0" || !mods[0].Pinned {
		t.Errorf("after the refusal the session's modules are %+v, %v; want greet v1.0.0 pinned, as before", mods, err)
	}
	// So is a pin that moves greet.
	if _, err := r.Get(ctx, []string{"example.com/greet@v1.1.0"}, nil); err == nil || !strings.Contains(err.Error(), "can't unload") {
		t.Errorf("pinning greet again after its import: %v", err)
	}
}

func TestMoveOfWhatIsNotImported(t *testing.T) {
	ctx := t.Context()
	r := newResolver(t, testEnv(t))
	if _, err := r.Get(ctx, []string{"example.com/greet@v1.0.0"}, nil); err != nil {
		t.Fatal(err)
	}
	pkgs, moves, err := r.Resolve(ctx, []string{"example.com/chorus"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := importPaths(pkgs); !slices.Equal(got, []string{"example.com/greet@v1.1.0", "example.com/chorus@v1.0.0"}) {
		t.Errorf("got %v", got)
	}
	want := Move{Path: "example.com/greet", From: "v1.0.0", To: "v1.1.0", Pinned: true}
	if !slices.Contains(moves, want) {
		t.Errorf("moves = %+v, want %+v among them (the pin went up with chorus's requirement)", moves, want)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		extra []string
		want  []string
	}{
		{"unknown module", "example.com/nope", nil, []string{"no module provides example.com/nope", "GOPRIVATE=example.com/nope"}},
		{"no such package", "example.com/greet/sub", nil, []string{"module example.com/greet v1.1.0 has no package example.com/greet/sub"}},
		{"cgo", "example.com/cgo", nil, []string{"package example.com/cgo (example.com/cgo@v1.0.0) needs cgo", "example.com/cgo@v1.0.0/cgo.go imports \"C\"", "a %%compile cell, built with the Go toolchain and a C compiler, can use it once the session has its module (%go get example.com/cgo@v1.0.0)"}},
		{"assembly", "example.com/asm", nil, []string{"written partly in assembly (add_amd64.s)", "func Add at example.com/asm@v1.0.0/asm.go:5:1", "a %%compile cell, built with the Go toolchain, can use it once the session has its module (%go get example.com/asm@v1.0.0)"}},
		{"network", "example.com/other", []string{"GOPROXY=http://127.0.0.1:9"}, []string{"can't reach the module proxy for example.com/other (GOPROXY=http://127.0.0.1:9)", "connection refused", "GOPROXY=file:///"}},
		{"proxy off", "example.com/other", []string{"GOPROXY=off"}, []string{"GOPROXY=off turns module downloads off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(t, testEnv(t, tt.extra...))
			_, _, err := r.Resolve(t.Context(), []string{tt.path}, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Resolve(%s) = %v, want an *Error", tt.path, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Msg, w) {
					t.Errorf("Resolve(%s) says\n%s\nwant it to say %q", tt.path, e.Msg, w)
				}
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	r := newResolver(t, testEnv(t))
	_, err := r.Get(t.Context(), []string{"example.com/greet@v9.9.9"}, nil)
	if err == nil || !strings.Contains(err.Error(), "module example.com/greet has no version v9.9.9") {
		t.Errorf("go get of an unknown version: %v", err)
	}
	_, err = r.Get(t.Context(), []string{"example.com/nope@v1.0.0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "example.com/nope") {
		t.Errorf("go get of an unknown module: %v", err)
	}
}

// Two sessions fetch the same modules into one module cache at once.
func TestTwoSessionsAtOnce(t *testing.T) {
	env := testEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		r := newResolver(t, env)
		wg.Add(1)
		go func() { // ends when the resolution does
			defer wg.Done()
			pkgs, _, err := r.Resolve(context.Background(), []string{"example.com/chorus"}, nil)
			if err == nil && len(pkgs) != 2 {
				err = errors.New("resolved " + strings.Join(importPaths(pkgs), " "))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i, err)
		}
	}
}

// The session's module lives in the cache folder, and only while the session does.
func TestSessionModuleFolder(t *testing.T) {
	env := testEnv(t)
	r := newResolver(t, env)
	if _, _, err := r.Resolve(t.Context(), []string{"example.com/greet"}, nil); err != nil {
		t.Fatal(err)
	}
	cache := goEnvValue(env(), CacheEnv, "")
	mods, _ := filepath.Glob(filepath.Join(cache, "modules", "session-*", "go.mod"))
	if len(mods) != 1 {
		t.Fatalf("go.mod files in the cache folder: %v, want the session's", mods)
	}
	r.Close()
	if _, err := os.Stat(mods[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Close the session's module is still there: %v", err)
	}
}

// A proxy that restricts what it serves refuses an unknown module with 403 and says why.
func TestClassifyRefusal(t *testing.T) {
	msg := "go: module golang.org/x/nosuch: reading https://proxy.example/golang.org/x/nosuch/@v/list: 403 Forbidden\n\tserver response: This module version is not available."
	e := classify("golang.org/x/nosuch", "", msg, []string{"GOPROXY=https://proxy.example"})
	for _, w := range []string{"the module proxy refused golang.org/x/nosuch (GOPROXY=https://proxy.example): 403 Forbidden (This module version is not available)",
		"spelling", "GOPRIVATE=golang.org/x"} {
		if !strings.Contains(e.Msg, w) {
			t.Errorf("classify says\n%s\nwant it to say %q", e.Msg, w)
		}
	}
}
