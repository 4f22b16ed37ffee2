// Package symtest checks that the yaegi symbol table of a notebook package
// lists the package's whole notebook API, so a function added to the Go code
// can't be forgotten in its Exports.
package symtest

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Check fails t unless table holds exactly the notebook API of the package
// in dir, read with go/parser from its non-test files of the default build:
//
//   - every exported top-level function, type, constant and variable, except
//     the names in nativeOnly (such as Exports itself);
//   - every exported method of the unexported type named binder, whose
//     methods are the package-level functions notebook code sees, bound to a
//     session (binder may be empty);
//   - a "_T" wrapper for every exported interface type T, whose pointer
//     type implements T.
//
// It also checks the shape of each value: functions are funcs, types are
// nil pointers.
func Check(t testing.TB, dir string, table map[string]reflect.Value, binder string, nativeOnly ...string) {
	t.Helper()
	api := notebookAPI(t, dir, binder, nativeOnly)

	want := map[string]bool{}
	for name, kind := range api {
		want[name] = true
		if kind == interfaceType {
			want["_"+name] = true
		}
	}
	got := slices.Sorted(maps.Keys(table))
	for _, name := range got {
		if !want[name] {
			t.Errorf("table has %s, which is not in the package's notebook API", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if _, ok := table[name]; !ok {
			t.Errorf("table lacks %s", name)
		}
	}

	for name, kind := range api {
		v, ok := table[name]
		if !ok {
			continue
		}
		switch kind {
		case function:
			if got := v.Kind(); got != reflect.Func {
				t.Errorf("table[%s] is a %v, want a func", name, got)
			}
		case otherType, interfaceType:
			if v.Kind() != reflect.Pointer || !v.IsNil() {
				t.Errorf("table[%s] is %v, want a nil pointer to the type", name, v)
				continue
			}
			if kind != interfaceType {
				continue
			}
			w, ok := table["_"+name]
			if !ok || w.Kind() != reflect.Pointer {
				continue
			}
			if !w.Type().Elem().Implements(v.Type().Elem()) {
				t.Errorf("table[_%s] (%v) does not implement %s", name, w.Type().Elem(), name)
			}
		}
	}
}

type declKind int

const (
	function declKind = iota
	otherType
	interfaceType
	value // constant or variable
)

// notebookAPI returns the names notebook code should see, by kind.
func notebookAPI(t testing.TB, dir, binder string, nativeOnly []string) map[string]declKind {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read package: %v", err)
	}
	fset := token.NewFileSet()
	api := map[string]declKind{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		// Files for other builds (compiled cells' gokernel_compiled) are not what yaegi sees.
		if ok, err := build.Default.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		for _, decl := range file.Decls {
			addDecl(api, decl, binder)
		}
	}
	for _, name := range nativeOnly {
		if _, ok := api[name]; !ok {
			t.Errorf("nativeOnly names %s, which the package does not declare", name)
		}
		delete(api, name)
	}
	return api
}

func addDecl(api map[string]declKind, decl ast.Decl, binder string) {
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		if !decl.Name.IsExported() {
			return
		}
		if decl.Recv == nil || binder != "" && receiverName(decl.Recv) == binder {
			api[decl.Name.Name] = function
		}
	case *ast.GenDecl:
		for _, spec := range decl.Specs {
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				if !spec.Name.IsExported() {
					continue
				}
				api[spec.Name.Name] = otherType
				if _, ok := spec.Type.(*ast.InterfaceType); ok {
					api[spec.Name.Name] = interfaceType
				}
			case *ast.ValueSpec:
				for _, name := range spec.Names {
					if name.IsExported() {
						api[name.Name] = value
					}
				}
			}
		}
	}
}

// receiverName returns the base type name of a method's receiver.
func receiverName(recv *ast.FieldList) string {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
