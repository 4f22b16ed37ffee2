// Package modulestest serves Go modules to tests from a folder of readable sources, as a
// file-based module proxy (GOPROXY=file://...): the tests of module imports run offline.
//
// The sources are a folder per module version, named path@version (example.com/greet@v1.0.0),
// holding the module's files as they would be in the module cache, go.mod included.
package modulestest

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Proxy builds a module proxy from the module versions under src in a temporary folder of t and
// returns its GOPROXY URL.
func Proxy(t testing.TB, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := Build(dir, src); err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(dir)
}

// Env returns the environment a go command needs to take modules from the proxy built from src
// alone, without the network: GOPROXY, GONOSUMDB for its modules, and a module cache of its own
// (writable, so that the test's temporary folder can be removed).
func Env(t testing.TB, src string) []string {
	t.Helper()
	return []string{
		"GOPROXY=" + Proxy(t, src),
		"GONOSUMDB=example.com",
		"GOFLAGS=-mod=mod -modcacherw",
		"GOMODCACHE=" + t.TempDir(),
	}
}

// Build writes the module proxy of the module versions under src into dir: for each version its
// .info, .mod and .zip, and each module's list of versions.
func Build(dir, src string) error {
	versions := map[string][]string{} // module path -> versions
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || !strings.Contains(d.Name(), "@") {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		mod, version, _ := strings.Cut(filepath.ToSlash(rel), "@")
		versions[mod] = append(versions[mod], version)
		if err := writeVersion(dir, p, mod, version); err != nil {
			return fmt.Errorf("module %s@%s: %w", mod, version, err)
		}
		return filepath.SkipDir
	})
	if err != nil {
		return err
	}
	for mod, vs := range versions {
		slices.Sort(vs)
		list := strings.Join(vs, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(mod), "@v", "list"), []byte(list), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeVersion writes one module version into the proxy at dir.
func writeVersion(dir, src, mod, version string) error {
	at := filepath.Join(dir, filepath.FromSlash(mod), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(at, version+".mod"), gomod, 0o644); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(at, version+".info"), info, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// A module zip holds the module's files under path@version/.
		w, err := zw.Create(path.Join(mod+"@"+version, filepath.ToSlash(rel)))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
