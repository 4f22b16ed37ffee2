package eval

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"reflect"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/workerproto"
)

// Generation changes whenever a cell defines or redefines a name: Symbols
// needs to be read again only then.
func (s *Session) Generation() int { return s.env.Generation }

// Symbols describes what the cells defined so far, for completion and
// inspection in the kernel: funcs, types with their fields and methods,
// vars and consts with their types; and the imports, by local name. Call it
// between cells.
func (s *Session) Symbols() ([]workerproto.Symbol, map[string]string) {
	var syms []workerproto.Symbol
	methods := map[string][]workerproto.Member{}
	for key, canon := range s.env.Decls {
		kind, name, _ := strings.Cut(key, " ")
		if kind != "method" {
			continue
		}
		recv, method, _ := strings.Cut(name, ".")
		methods[recv] = append(methods[recv], workerproto.Member{Name: method, Kind: "method", Signature: methodSignature(canon)})
	}
	structs := map[string]string{} // field names of a cell's struct type -> the type's name
	for key, canon := range s.env.Decls {
		kind, name, _ := strings.Cut(key, " ")
		if kind != "type" || generated(name) {
			continue
		}
		underlying, fields := typeSpec(canon)
		if strings.HasPrefix(underlying, "struct") {
			structs[fieldKey(fields)] = name
		}
		members := append(fields, methods[name]...)
		sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })
		syms = append(syms, workerproto.Symbol{Name: name, Kind: "type", Type: underlying, Members: members})
	}
	for name := range s.env.Funcs {
		if !generated(name) {
			syms = append(syms, workerproto.Symbol{Name: name, Kind: "func"})
		}
	}
	for name, v := range s.yi.Globals() {
		if generated(name) || s.env.Funcs[name] {
			continue
		}
		sym := workerproto.Symbol{Name: name, Kind: "var"}
		if s.env.Consts[name] {
			sym.Kind = "const"
		}
		switch {
		case !v.IsValid():
		case v.CanInterface() && isConstant(v.Interface()):
			sym.Type = untypedDefault(v.Interface().(constant.Value))
		default:
			sym.Type = cellTypeName(v.Type(), structs)
		}
		syms = append(syms, sym)
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].Name < syms[j].Name })
	return syms, maps.Clone(s.env.Imports)
}

// generated tells names the cell compiler made up from a cell's own names.
func generated(name string) bool { return strings.HasPrefix(name, "_gk") || name == "_" }

func isConstant(v any) bool {
	_, ok := v.(constant.Value)
	return ok
}

// untypedDefault is the type an untyped constant gets by default.
func untypedDefault(c constant.Value) string {
	switch c.Kind() {
	case constant.Bool:
		return "bool"
	case constant.String:
		return "string"
	case constant.Int:
		return "int"
	case constant.Float:
		return "float64"
	case constant.Complex:
		return "complex128"
	}
	return ""
}

// cellTypeName names a variable's type. A type declared in a cell reaches
// reflect as its bare structure, so a struct is matched by its field names
// to the cell type that declares them.
func cellTypeName(t reflect.Type, structs map[string]string) string {
	ptr := ""
	if t.Kind() == reflect.Pointer {
		ptr, t = "*", t.Elem()
	}
	if t.Kind() == reflect.Struct && t.Name() == "" {
		var names []string
		for i := range t.NumField() {
			names = append(names, t.Field(i).Name)
		}
		if name, ok := structs[strings.Join(names, ",")]; ok {
			return ptr + name
		}
	}
	return ptr + t.String()
}

func fieldKey(fields []workerproto.Member) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ",")
}

// typeSpec parses a type declaration as the compiler recorded it ("point
// struct { X , Y int }") into its underlying type and struct fields.
func typeSpec(canon string) (string, []workerproto.Member) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", "package p; type "+canon, 0)
	if err != nil || len(f.Decls) == 0 {
		return "", nil
	}
	gd, ok := f.Decls[0].(*ast.GenDecl)
	if !ok || len(gd.Specs) == 0 {
		return "", nil
	}
	ts := gd.Specs[0].(*ast.TypeSpec)
	var fields []workerproto.Member
	if st, ok := ts.Type.(*ast.StructType); ok {
		for _, fl := range st.Fields.List {
			typ := source(fset, fl.Type)
			for _, n := range fl.Names {
				if n.Name != "_" {
					fields = append(fields, workerproto.Member{Name: n.Name, Kind: "field", Signature: typ})
				}
			}
			if len(fl.Names) == 0 { // embedded
				name := strings.TrimPrefix(typ, "*")
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					name = name[i+1:]
				}
				fields = append(fields, workerproto.Member{Name: name, Kind: "field", Signature: typ})
			}
		}
	}
	return source(fset, ts.Type), fields
}

// methodSignature turns a recorded method declaration into its func type.
func methodSignature(canon string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", "package p; "+canon, 0)
	if err != nil || len(f.Decls) == 0 {
		return ""
	}
	fd, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok {
		return ""
	}
	return source(fset, fd.Type)
}

func source(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, n); err != nil {
		return ""
	}
	return b.String()
}

// Preview shows the value of a variable the cells defined, for inspection:
// like the cell's result would show it, but bounded, so a variable holding a
// million elements costs no more than a glance. Call it between cells. While
// code of the cells runs it says why it shows no value (see mayChange): only a
// constant can't change under the reader.
func (s *Session) Preview(name string) (string, bool) {
	v, ok := s.yi.Globals()[name]
	if !ok || !v.IsValid() || !v.CanInterface() {
		return "", false
	}
	if why := s.mayChange(); why != "" && !s.env.Consts[name] {
		return "not shown: " + why, true
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		if v.Len() > previewItems {
			return fmt.Sprintf("%s of length %d", v.Type(), v.Len()), true
		}
	}
	text := formatValue(v.Interface())
	if len(text) > previewBytes {
		text = text[:previewBytes] + "…"
	}
	return text, true
}

const (
	previewItems = 50
	previewBytes = 500
)
