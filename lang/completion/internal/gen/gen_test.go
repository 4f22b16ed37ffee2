package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// TestIndexIsCurrent regenerates the index and compares it with the one
// lang/completion embeds, so a change to yaegi, to our notebook packages or
// to this generator can't leave completion describing old symbols.
func TestIndexIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerating the index parses the standard library")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goroot, err := findGOROOT()
	if err != nil {
		t.Skip(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "lang", "completion", IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := indexfile.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if committed.Go != goVersion() {
		// Method sets and parameter names follow the toolchain's standard library.
		t.Skipf("the index was generated with %s and this is %s: regenerate it when the project moves to %s",
			committed.Go, goVersion(), goVersion())
	}
	fresh, err := buildIndex(root, goroot)
	if err != nil {
		t.Fatal(err)
	}
	if diff := firstDifference(fresh, committed); diff != "" {
		t.Errorf("lang/completion/%s is stale (%s): run go generate ./lang/completion", IndexFile, diff)
	}
}

// firstDifference names the first package or type that differs.
func firstDifference(got, want *indexfile.Index) string {
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if bytes.Equal(a, b) {
		return ""
	}
	wantPkgs := map[string]string{}
	for _, p := range want.Packages {
		j, _ := json.Marshal(p)
		wantPkgs[p.Path] = string(j)
	}
	for _, p := range got.Packages {
		j, _ := json.Marshal(p)
		if w, ok := wantPkgs[p.Path]; !ok {
			return "package " + p.Path + " is new"
		} else if w != string(j) {
			return "package " + p.Path + " changed"
		}
		delete(wantPkgs, p.Path)
	}
	for path := range wantPkgs {
		return "package " + path + " is gone"
	}
	wantTypes := map[string]string{}
	for _, typ := range want.Types {
		j, _ := json.Marshal(typ)
		wantTypes[typ.Key] = string(j)
	}
	for _, typ := range got.Types {
		j, _ := json.Marshal(typ)
		if w, ok := wantTypes[typ.Key]; !ok || w != string(j) {
			return "type " + typ.Key + " changed"
		}
	}
	return "the types changed"
}

// TestLibPackagesListed fails when a notebook package with an Exports func
// is missing from the generator's list.
func TestLibPackagesListed(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkLibPackages(root); err != nil {
		t.Error(err)
	}
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"pointer", (*os.File)(nil), "*os.File"},
		{"map", map[string][]int(nil), "map[string][]int"},
		{"empty interface", []any(nil), "[]any"},
		{"func", func(int, ...string) (bool, error) { return false, nil }, "func(int, ...string) (bool, error)"},
		{"recv chan", (<-chan struct{})(nil), "<-chan struct{}"},
		{"array", [3]byte{}, "[3]uint8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := typeString(reflect.TypeOf(tt.v))
			if got != tt.want {
				t.Errorf("typeString = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPkgName(t *testing.T) {
	for path, want := range map[string]string{"fmt": "fmt", "os/exec": "exec", "math/rand/v2": "rand", "v2": "v2"} {
		if got := pkgName(path); got != want {
			t.Errorf("pkgName(%q) = %q, want %q", path, got, want)
		}
	}
}
