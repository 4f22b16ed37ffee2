package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"path"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// libGoPrefix is the Go package path of the notebook packages' directory.
const libGoPrefix = modulePath + "/lib/"

// buildIndex makes the index from the symbol tables and the sources under root
// (this module) and goroot.
func buildIndex(root, goroot string) (*indexfile.Index, error) {
	if err := checkLibPackages(root); err != nil {
		return nil, err
	}
	g := &generator{src: newSources(root, goroot), seen: map[string]bool{}}
	ix := &indexfile.Index{Go: goVersion()}

	t := tables()
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		p, name := path.Split(key)
		p = strings.TrimSuffix(p, "/")
		ix.Packages = append(ix.Packages, g.pkg(p, name, t[key]))
	}
	// Types found along the way queue more types: a method's result, a field.
	for i := 0; i < len(g.queue); i++ {
		if typ, ok := g.typ(g.queue[i]); ok {
			ix.Types = append(ix.Types, typ)
		}
	}
	sort.Slice(ix.Types, func(i, j int) bool { return ix.Types[i].Key < ix.Types[j].Key })
	return ix, nil
}

// goVersion is the toolchain's release without its patch: go1.26.
func goVersion() string {
	v := runtime.Version()
	if parts := strings.SplitN(v, ".", 3); len(parts) == 3 {
		return parts[0] + "." + parts[1]
	}
	return v
}

type generator struct {
	src   *sources
	queue []reflect.Type
	seen  map[string]bool
}

// importOf maps a Go package path to the path cells import it by.
func importOf(goPath string) string {
	if rest, ok := strings.CutPrefix(goPath, libGoPrefix); ok && !strings.Contains(rest, "/") {
		return libPrefix + rest
	}
	return goPath
}

// goOf maps an import path to the Go package path of its sources.
func goOf(importPath string) string {
	if rest, ok := strings.CutPrefix(importPath, libPrefix); ok {
		return libGoPrefix + rest
	}
	return importPath
}

// key is the index's name for a type: the named type under any pointers.
func key(t reflect.Type) string {
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	if t.Name() == "" || strings.ContainsAny(t.Name(), "[") {
		return ""
	}
	return indexfile.TypeKey(importOf(t.PkgPath()), t.Name())
}

// want queues a type for the Types section.
func (g *generator) want(t reflect.Type) string {
	k := key(t)
	if k == "" || g.seen[k] {
		return k
	}
	g.seen[k] = true
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	g.queue = append(g.queue, t)
	return k
}

func (g *generator) pkg(importPath, name string, syms map[string]reflect.Value) indexfile.Package {
	goPath := goOf(importPath)
	src := g.src.load(goPath)
	p := indexfile.Package{Path: importPath, Name: name}
	if ours(goPath) && src != nil {
		p.Doc = src.doc
	}
	names := make([]string, 0, len(syms))
	for n := range syms {
		if token.IsExported(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		m := g.member(importPath, src, n, syms[n])
		if !ours(goPath) {
			m.Doc = ""
		}
		p.Members = append(p.Members, m)
	}
	return p
}

// member describes one entry of a yaegi table. yaegi's tables hold a type as
// a nil pointer to it, a variable as an addressable value, a function as
// itself and a constant as its value (a go/constant.Value when untyped).
func (g *generator) member(importPath string, src *source, name string, v reflect.Value) indexfile.Member {
	switch {
	case v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr():
		t := v.Type().Elem()
		m := indexfile.Member{Name: name, Kind: indexfile.KindType, Type: g.want(t)}
		m.Sig, m.Doc = g.typeSig(importPath, src, name, t)
		return m
	case v.CanAddr():
		m := indexfile.Member{Name: name, Kind: indexfile.KindVar, Type: g.want(v.Type())}
		m.Sig = "var " + name + " " + typeString(v.Type())
		m.Doc = valueDoc(src, name)
		return m
	case v.Kind() == reflect.Func:
		m := indexfile.Member{Name: name, Kind: indexfile.KindFunc}
		if v.Type().NumOut() > 0 {
			m.Type = g.want(v.Type().Out(0))
		}
		m.Sig, m.Doc = g.funcSig(src, name, v)
		return m
	default:
		m := indexfile.Member{Name: name, Kind: indexfile.KindConst, Doc: valueDoc(src, name)}
		if cv, ok := v.Interface().(constant.Value); ok {
			m.Sig = "const " + name + " = " + cv.String()
			return m
		}
		m.Type = g.want(v.Type())
		m.Sig = "const " + name + " " + typeString(v.Type()) + " = " + valueString(v)
		return m
	}
}

// funcSig is a function's declaration, from its sources when they are found.
// Our notebook packages export methods bound to a sink ("d.Show"), found by
// the name the runtime gives them.
func (g *generator) funcSig(src *source, name string, v reflect.Value) (sig, doc string) {
	if src != nil {
		d := src.funcs[name]
		if d == nil {
			if fn := runtime.FuncForPC(v.Pointer()); fn != nil {
				full := strings.TrimSuffix(fn.Name(), "-fm")
				if i := strings.LastIndex(full, "/"); i >= 0 {
					full = full[i+1:]
				}
				if parts := strings.Split(full, "."); len(parts) == 3 && parts[2] == name {
					d = src.methods[strings.Trim(parts[1], "(*)")+"."+name]
				}
			}
		}
		if d != nil {
			return "func " + name + funcText(src.fset, d.Type), d.Doc.Text()
		}
	}
	return "func " + name + signature(v.Type(), false), ""
}

// typeSig is a type's declaration, its body elided for structs and
// interfaces: "type WaitGroup struct{ ... }", "type Duration int64".
func (g *generator) typeSig(importPath string, src *source, name string, t reflect.Type) (sig, doc string) {
	if t.Name() != name || importOf(t.PkgPath()) != importPath {
		return "type " + name + " = " + typeString(t), ""
	}
	if src != nil {
		if td, ok := src.types[name]; ok {
			doc = td.spec.Doc.Text()
			if doc == "" && len(td.gen.Specs) == 1 {
				doc = td.gen.Doc.Text()
			}
			switch td.spec.Type.(type) {
			case *ast.StructType:
				return "type " + name + " struct{ ... }", doc
			case *ast.InterfaceType:
				return "type " + name + " interface{ ... }", doc
			}
			return "type " + name + " " + nodeString(src.fset, td.spec.Type), doc
		}
	}
	return "type " + name + " " + underlyingString(t), ""
}

// valueDoc is the doc comment of a const or var: its own, or its group's.
func valueDoc(src *source, name string) string {
	if src == nil {
		return ""
	}
	vd, ok := src.values[name]
	if !ok {
		return ""
	}
	if doc := vd.spec.Doc.Text(); doc != "" {
		return doc
	}
	return vd.gen.Doc.Text()
}

// typ describes a named type's fields and methods.
func (g *generator) typ(t reflect.Type) (indexfile.Type, bool) {
	typ := indexfile.Type{Key: key(t), Kind: t.Kind().String()}
	ourType := ours(t.PkgPath())
	if t.Kind() == reflect.Struct {
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() {
				continue
			}
			m := indexfile.Member{Name: f.Name, Kind: indexfile.KindField, Sig: f.Name + " " + typeString(f.Type), Type: g.want(f.Type)}
			typ.Members = append(typ.Members, m)
		}
	}
	mt := t
	if t.Kind() != reflect.Interface {
		mt = reflect.PointerTo(t)
	}
	for i := range mt.NumMethod() {
		meth := mt.Method(i)
		if !meth.IsExported() {
			continue
		}
		ft := meth.Type
		m := indexfile.Member{Name: meth.Name, Kind: indexfile.KindMethod}
		if ft.NumOut() > 0 {
			m.Type = g.want(ft.Out(0))
		}
		decl, fset, recv, doc := g.src.method(t, meth.Name, 0)
		if recv == "" {
			recv = t.Name()
			if _, ok := t.MethodByName(meth.Name); !ok && t.Kind() != reflect.Interface {
				recv = "*" + recv
			}
		}
		if decl != nil {
			m.Sig = "func (" + recv + ") " + meth.Name + funcText(fset, decl)
		} else {
			m.Sig = "func (" + recv + ") " + meth.Name + signature(ft, t.Kind() != reflect.Interface)
		}
		if ourType {
			m.Doc = doc
		}
		typ.Members = append(typ.Members, m)
	}
	sort.Slice(typ.Members, func(i, j int) bool { return typ.Members[i].Name < typ.Members[j].Name })
	return typ, len(typ.Members) > 0
}

// typeString writes a type as Go source would, qualified by package name:
// "*os.File", "map[string][]int", "func(int) error", "any".
func typeString(t reflect.Type) string {
	if t.Name() != "" {
		return t.String()
	}
	return underlyingString(t)
}

// underlyingString writes a type's structure, even when the type is named.
func underlyingString(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeString(t.Elem())
	case reflect.Slice:
		return "[]" + typeString(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + typeString(t.Elem())
	case reflect.Map:
		return "map[" + typeString(t.Key()) + "]" + typeString(t.Elem())
	case reflect.Chan:
		switch t.ChanDir() {
		case reflect.RecvDir:
			return "<-chan " + typeString(t.Elem())
		case reflect.SendDir:
			return "chan<- " + typeString(t.Elem())
		}
		return "chan " + typeString(t.Elem())
	case reflect.Func:
		return "func" + signature(t, false)
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any"
		}
		return "interface{ ... }"
	case reflect.Struct:
		if t.NumField() == 0 {
			return "struct{}"
		}
		return "struct{ ... }"
	}
	return t.Kind().String()
}

// signature writes a func type's parameters and results, without names;
// skipRecv drops a method's receiver.
func signature(t reflect.Type, skipRecv bool) string {
	var params []string
	start := 0
	if skipRecv {
		start = 1
	}
	for i := start; i < t.NumIn(); i++ {
		if t.IsVariadic() && i == t.NumIn()-1 {
			params = append(params, "..."+typeString(t.In(i).Elem()))
			continue
		}
		params = append(params, typeString(t.In(i)))
	}
	s := "(" + strings.Join(params, ", ") + ")"
	switch t.NumOut() {
	case 0:
	case 1:
		s += " " + typeString(t.Out(0))
	default:
		var results []string
		for i := range t.NumOut() {
			results = append(results, typeString(t.Out(i)))
		}
		s += " (" + strings.Join(results, ", ") + ")"
	}
	return s
}

// valueString writes a typed constant's value.
func valueString(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.String:
		s := v.String()
		if len(s) > 60 {
			return strconv.Quote(s[:57]) + "..."
		}
		return strconv.Quote(s)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return fmt.Sprint(v.Interface())
}
