package main

import (
	"bytes"
	"fmt"
	"github.com/gokernel/gokernel/lib"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
)

// table is a yaegi symbol table: "import/path/name" → symbol → value.
type table = map[string]map[string]reflect.Value

// libPackages are the notebook packages under lib/; [checkLibPackages]
// refuses to write an index while a package with an Exports func is missing
// from lib.Packages.
var libPackages = lib.Packages()

// libPrefix starts the import path of every notebook package.
const libPrefix = "gokernel/"

// tables returns what the worker gives yaegi, merged: the standard library
// tables, then the notebook packages (their entries under other keys, such as
// yaegi's interface wrappers and ".", are not importable and are dropped).
func tables() table {
	merged := table{}
	add := func(key string, syms map[string]reflect.Value) {
		m := merged[key]
		if m == nil {
			m = map[string]reflect.Value{}
			merged[key] = m
		}
		for name, v := range syms {
			if _, ok := m[name]; !ok {
				m[name] = v
			}
		}
	}
	for _, t := range []table{unrestricted.Symbols, syscall.Symbols, stdlib.Symbols} {
		for key, syms := range t {
			if importable(key) {
				add(key, syms)
			}
		}
	}
	for _, pkg := range libPackages {
		for key, syms := range pkg.Exports(nil) {
			if strings.HasPrefix(key, libPrefix) {
				add(key, syms)
			}
		}
	}
	return merged
}

// importable tells whether a table key names a package a cell can import:
// not "." (yaegi's MapTypes), not yaegi's own packages.
func importable(key string) bool {
	dir, _ := path.Split(key)
	return dir != "" && !strings.HasPrefix(key, "github.com/")
}

// checkLibPackages fails when a package under lib/ declares an Exports
// func that [libPackages] doesn't list.
func checkLibPackages(root string) error {
	libDir := filepath.Join(root, "lib")
	listed := map[string]bool{}
	for _, pkg := range libPackages {
		listed[pkg.Dir] = true
	}
	var missing []string
	err := filepath.WalkDir(libDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "internal" || d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte("\nfunc Exports(")) {
			rel, err := filepath.Rel(libDir, filepath.Dir(p))
			if err != nil {
				return err
			}
			if rel = filepath.ToSlash(rel); !listed[rel] {
				missing = append(missing, rel)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("looking for notebook packages: %w", err)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("lib/%s declares Exports: add it to lib.Packages in lib/lib.go", strings.Join(missing, ", lib/"))
	}
	return nil
}
