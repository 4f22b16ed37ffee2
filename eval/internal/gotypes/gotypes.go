// Package gotypes gives the cell compiler's go/types check the packages cells can import, as the
// interpreter has them: the native packages from their yaegi symbol tables (each function's,
// variable's and type's reflect.Type turned into a go/types object; untyped constants from the
// constant.Value yaegi keeps), and the interpreted packages (package modern) type-checked from
// their source, merged into the native package they add to. So a cell is checked against what
// will run: a Go 1.26 function the interpreter lacks is "undefined" in the check too, and the
// type arguments the check infers fit the interpreted generic functions.
//
// An Importer builds each package once, on first import, and is safe for concurrent use; the
// types it returns are shared by every check.
package gotypes

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/eval/internal/modern"
)

// Tables are yaegi symbol tables: "import/path/name" -> symbol -> value.
type Tables = map[string]map[string]reflect.Value

// An Importer imports packages for go/types from yaegi symbol tables and the interpreted sources.
type Importer struct {
	tables map[string]map[string]reflect.Value // import path -> symbols (merged over the tables)
	names  map[string]string                   // import path -> package name

	mu       sync.Mutex
	pkgs     map[string]*types.Package // import path -> package, complete, being built or referred to
	done     map[string]bool           // packages complete
	building map[string]bool           // packages being built
	failed   map[string]error
	named    map[reflect.Type]*types.Named
	fset     *token.FileSet            // positions of the interpreted sources
	checked  map[string]*types.Package // interpreted sources by their GoPath
}

// New returns an Importer over tables; a later table's symbol wins over an earlier one's.
func New(tables ...Tables) *Importer {
	im := &Importer{
		tables:   map[string]map[string]reflect.Value{},
		names:    map[string]string{},
		pkgs:     map[string]*types.Package{},
		done:     map[string]bool{},
		building: map[string]bool{},
		failed:   map[string]error{},
		named:    map[reflect.Type]*types.Named{},
		fset:     token.NewFileSet(),
		checked:  map[string]*types.Package{},
	}
	for _, t := range tables {
		for key, syms := range t {
			dir, name := path.Split(key)
			if dir == "" || key == "." {
				continue
			}
			p := strings.TrimSuffix(dir, "/")
			if im.tables[p] == nil {
				im.tables[p] = map[string]reflect.Value{}
			}
			for s, v := range syms {
				im.tables[p][s] = v
			}
			im.names[p] = name
		}
	}
	return im
}

// Fresh returns an Importer over the same tables that has imported nothing yet.
func (im *Importer) Fresh() *Importer {
	f := New()
	f.tables, f.names = im.tables, im.names
	return f
}

// Import implements types.Importer.
func (im *Importer) Import(importPath string) (*types.Package, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.load(importPath)
}

// Has reports whether a package can be imported.
func (im *Importer) Has(importPath string) bool {
	if importPath == "unsafe" {
		return true
	}
	if _, ok := modern.Lookup(importPath); ok {
		return true
	}
	_, ok := im.tables[importPath]
	return ok
}

// load returns the package of an import path, building it if needed. im.mu is held.
func (im *Importer) load(importPath string) (*types.Package, error) {
	if importPath == "unsafe" {
		return types.Unsafe, nil
	}
	if im.done[importPath] {
		return im.pkgs[importPath], nil
	}
	if err, ok := im.failed[importPath]; ok {
		return nil, err
	}
	if im.building[importPath] {
		return im.pkgs[importPath], nil // an interpreted source importing the native package it adds to
	}
	im.building[importPath] = true
	p, err := im.build(importPath)
	delete(im.building, importPath)
	if err != nil {
		im.failed[importPath] = err
		return nil, err
	}
	im.done[importPath] = true
	return p, nil
}

func (im *Importer) build(importPath string) (*types.Package, error) {
	mp, interpreted := modern.Lookup(importPath)
	if interpreted && mp.Whole {
		p, err := im.check(mp, importPath)
		if err != nil {
			return nil, err
		}
		im.pkgs[importPath] = p
		return p, nil
	}
	syms, ok := im.tables[importPath]
	if !ok {
		return nil, fmt.Errorf("package %s is not available", importPath)
	}
	p := im.pkg(importPath)
	for name, v := range syms {
		if strings.HasPrefix(name, "_") || (interpreted && mp.Has(name)) {
			continue // interface wrappers; names the interpreted source declares
		}
		if obj := im.object(p, name, v); obj != nil {
			p.Scope().Insert(obj)
		}
	}
	if interpreted {
		add, err := im.check(mp, mp.GoPath)
		if err != nil {
			return nil, err
		}
		for _, name := range add.Scope().Names() {
			if obj := add.Scope().Lookup(name); obj.Exported() {
				p.Scope().Insert(obj)
			}
		}
	}
	p.MarkComplete()
	return p, nil
}

// check type-checks an interpreted source as the package path.
func (im *Importer) check(mp modern.Package, pkgPath string) (*types.Package, error) {
	if p, ok := im.checked[pkgPath]; ok {
		return p, nil
	}
	f, err := parser.ParseFile(im.fset, mp.Path+".go", mp.Source, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	conf := types.Config{
		Importer:         importerFunc(im.load),
		IgnoreFuncBodies: true,
		FakeImportC:      true,
	}
	p, err := conf.Check(pkgPath, im.fset, []*ast.File{f}, nil)
	if err != nil {
		return nil, fmt.Errorf("checking the interpreted %s: %w", mp.Path, err)
	}
	im.checked[pkgPath] = p
	return p, nil
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(p string) (*types.Package, error) { return f(p) }

// pkg returns the package object of an import path, creating it empty.
func (im *Importer) pkg(importPath string) *types.Package {
	if p, ok := im.pkgs[importPath]; ok {
		return p
	}
	name := im.names[importPath]
	if name == "" {
		name = packageName(importPath)
	}
	p := types.NewPackage(importPath, name)
	im.pkgs[importPath] = p
	return p
}

// packageName guesses the name of a package from its path: math/rand/v2 is rand.
func packageName(importPath string) string {
	base := path.Base(importPath)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(importPath))
	}
	return strings.ReplaceAll(base, "-", "_")
}

// object turns a symbol of a yaegi table into a go/types object of package p.
func (im *Importer) object(p *types.Package, name string, v reflect.Value) types.Object {
	if !v.IsValid() {
		return nil
	}
	if !v.CanAddr() && v.CanInterface() {
		if c, ok := v.Interface().(constant.Value); ok { // an untyped constant
			return types.NewConst(token.NoPos, p, name, untyped(c), c)
		}
	}
	switch {
	case v.CanAddr():
		return types.NewVar(token.NoPos, p, name, im.typ(v.Type()))
	case v.Kind() == reflect.Pointer && v.IsNil():
		t := v.Type().Elem()
		return types.NewTypeName(token.NoPos, p, name, im.typ(t))
	case v.Kind() == reflect.Func:
		sig, ok := im.typ(v.Type()).(*types.Signature)
		if !ok {
			return nil
		}
		return types.NewFunc(token.NoPos, p, name, sig)
	}
	// A typed constant (time.Second): its value from reflect.
	var c constant.Value
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c = constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c = constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		c = constant.MakeFloat64(v.Float())
	case reflect.String:
		c = constant.MakeString(v.String())
	case reflect.Bool:
		c = constant.MakeBool(v.Bool())
	default:
		return types.NewVar(token.NoPos, p, name, im.typ(v.Type()))
	}
	return types.NewConst(token.NoPos, p, name, im.typ(v.Type()), c)
}

// untyped returns the untyped type of a constant.
func untyped(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Int:
		return types.Typ[types.UntypedInt]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.Invalid]
}

var errorType = reflect.TypeFor[error]()

// basics are the predeclared types by reflect kind.
var basics = map[reflect.Kind]types.BasicKind{
	reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
	reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
	reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
	reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
	reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
	reflect.UnsafePointer: types.UnsafePointer,
}

// typ turns a reflect.Type into a go/types type. A named type becomes a types.Named of its
// package (created on the way if that package was not imported yet), with its methods.
func (im *Importer) typ(t reflect.Type) types.Type {
	if t == errorType {
		return types.Universe.Lookup("error").Type()
	}
	if t.Name() != "" && t.PkgPath() == "" {
		if k, ok := basics[t.Kind()]; ok {
			return types.Typ[k]
		}
	}
	if t.Name() != "" && t.PkgPath() != "" {
		return im.namedType(t)
	}
	return im.structure(t)
}

// namedType returns the types.Named of a named reflect type.
func (im *Importer) namedType(t reflect.Type) types.Type {
	if n, ok := im.named[t]; ok {
		return n
	}
	var p *types.Package
	if strings.Contains(t.Name(), "[") {
		// An instance of a generic type (atomic.Pointer[readOnly] in a field of sync.Map,
		// iter.Seq[reflect.Value]): a named type of its own, outside its package's scope.
		p = types.NewPackage(t.PkgPath(), packageName(t.PkgPath()))
	} else {
		p = im.pkg(t.PkgPath())
	}
	obj := types.NewTypeName(token.NoPos, p, t.Name(), nil)
	n := types.NewNamed(obj, nil, nil)
	im.named[t] = n
	if p.Scope().Lookup(t.Name()) == nil {
		p.Scope().Insert(obj)
	}
	n.SetUnderlying(im.structure(t).Underlying())
	if t.Kind() == reflect.Interface {
		return n // the methods are the interface's
	}
	ptr := reflect.PointerTo(t)
	for i := range ptr.NumMethod() {
		m := ptr.Method(i)
		_, onValue := t.MethodByName(m.Name)
		var recv types.Type = types.NewPointer(n)
		if onValue {
			recv = n
		}
		n.AddMethod(im.method(p, m.Name, recv, m.Type))
	}
	return n
}

// method makes a method object from a reflect method type, whose first parameter is the receiver.
func (im *Importer) method(p *types.Package, name string, recv types.Type, mt reflect.Type) *types.Func {
	var params, results []*types.Var
	for i := 1; i < mt.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, p, "", im.typ(mt.In(i))))
	}
	for i := range mt.NumOut() {
		results = append(results, types.NewParam(token.NoPos, p, "", im.typ(mt.Out(i))))
	}
	r := types.NewParam(token.NoPos, p, "", recv)
	sig := types.NewSignatureType(r, nil, nil, types.NewTuple(params...), types.NewTuple(results...), mt.IsVariadic())
	return types.NewFunc(token.NoPos, p, name, sig)
}

// structure converts the structure of a type, ignoring its name.
func (im *Importer) structure(t reflect.Type) types.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(im.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(im.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(im.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(im.typ(t.Key()), im.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, im.typ(t.Elem()))
	case reflect.Func:
		var params, results []*types.Var
		for i := range t.NumIn() {
			params = append(params, types.NewParam(token.NoPos, nil, "", im.typ(t.In(i))))
		}
		for i := range t.NumOut() {
			results = append(results, types.NewParam(token.NoPos, nil, "", im.typ(t.Out(i))))
		}
		return types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
	case reflect.Struct:
		var fields []*types.Var
		var tags []string
		for i := range t.NumField() {
			f := t.Field(i)
			var fp *types.Package // an exported field needs none
			if f.PkgPath != "" {
				fp = im.pkg(f.PkgPath)
			}
			fields = append(fields, types.NewField(token.NoPos, fp, f.Name, im.typ(f.Type), f.Anonymous))
			tags = append(tags, string(f.Tag))
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := range t.NumMethod() {
			m := t.Method(i)
			var mp *types.Package
			if m.PkgPath != "" {
				mp = im.pkg(m.PkgPath)
			}
			sig := im.structure(m.Type).(*types.Signature)
			methods = append(methods, types.NewFunc(token.NoPos, mp, m.Name, sig))
		}
		it := types.NewInterfaceType(methods, nil)
		it.Complete()
		return it
	}
	if k, ok := basics[t.Kind()]; ok {
		return types.Typ[k]
	}
	return types.Typ[types.Invalid]
}
