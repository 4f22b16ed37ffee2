package main

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// source is one package's declarations, parsed from its Go files.
type source struct {
	fset    *token.FileSet
	funcs   map[string]*ast.FuncDecl // top-level funcs by name
	methods map[string]*ast.FuncDecl // by "Recv.Name", the receiver's type name without '*'
	types   map[string]typeDecl      // by name
	values  map[string]valueDecl     // consts and vars by name
	doc     string                   // the package comment, when parsed with comments
}

type typeDecl struct {
	spec *ast.TypeSpec
	gen  *ast.GenDecl // for its doc comment when the spec has none
	file *ast.File    // for its imports
}

type valueDecl struct {
	spec *ast.ValueSpec
	gen  *ast.GenDecl
}

// sources finds and parses packages by Go package path, once each.
type sources struct {
	root   string // this module
	goroot string
	cache  map[string]*source
}

func newSources(root, goroot string) *sources {
	return &sources{root: root, goroot: goroot, cache: map[string]*source{}}
}

// dir is where the Go files of a package are; "" is the predeclared
// identifiers, which GOROOT documents as package builtin.
func (s *sources) dir(goPath string) string {
	switch {
	case goPath == "":
		return filepath.Join(s.goroot, "src", "builtin")
	case goPath == modulePath:
		return s.root
	case strings.HasPrefix(goPath, modulePath+"/"):
		return filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(goPath, modulePath+"/")))
	default:
		return filepath.Join(s.goroot, "src", filepath.FromSlash(goPath))
	}
}

// ours tells whether a package is in this module: its doc comments go into
// the index, since the kernel can't count on finding its sources.
func ours(goPath string) bool {
	return goPath == modulePath || strings.HasPrefix(goPath, modulePath+"/")
}

// load returns the package's declarations; nil when it has no sources here.
func (s *sources) load(goPath string) *source {
	if src, ok := s.cache[goPath]; ok {
		return src
	}
	src := s.parse(goPath)
	s.cache[goPath] = src
	return src
}

func (s *sources) parse(goPath string) *source {
	dir := s.dir(goPath)
	var names []string
	if goPath == "" {
		names = []string{"builtin.go"}
	} else if bp, err := build.Default.ImportDir(dir, 0); err == nil {
		names = append(bp.GoFiles, bp.CgoFiles...)
	} else {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil
		}
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				names = append(names, n)
			}
		}
	}
	mode := parser.SkipObjectResolution
	if ours(goPath) {
		mode |= parser.ParseComments
	}
	src := &source{
		fset:    token.NewFileSet(),
		funcs:   map[string]*ast.FuncDecl{},
		methods: map[string]*ast.FuncDecl{},
		types:   map[string]typeDecl{},
		values:  map[string]valueDecl{},
	}
	for _, name := range names {
		f, err := parser.ParseFile(src.fset, filepath.Join(dir, name), nil, mode)
		if err != nil {
			continue
		}
		if f.Doc != nil && src.doc == "" {
			src.doc = f.Doc.Text()
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					if _, dup := src.funcs[d.Name.Name]; !dup {
						src.funcs[d.Name.Name] = d
					}
					continue
				}
				if recv := recvName(d.Recv.List[0].Type); recv != "" {
					key := recv + "." + d.Name.Name
					if _, dup := src.methods[key]; !dup {
						src.methods[key] = d
					}
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if _, dup := src.types[spec.Name.Name]; !dup {
							src.types[spec.Name.Name] = typeDecl{spec: spec, gen: d, file: f}
						}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if _, dup := src.values[n.Name]; !dup {
								src.values[n.Name] = valueDecl{spec: spec, gen: d}
							}
						}
					}
				}
			}
		}
	}
	return src
}

// recvString prints a receiver as declared: "wg *WaitGroup".
func recvString(fset *token.FileSet, f *ast.Field) string {
	s := nodeString(fset, f.Type)
	if len(f.Names) > 0 {
		s = f.Names[0].Name + " " + s
	}
	return s
}

// recvName is the type name of a method receiver: T for T, *T, T[P].
func recvName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// method finds the declaration of method name of the named type t, following
// embedded fields and embedded interfaces. recv is the receiver as written
// ("wg *WaitGroup") when the method is declared on t itself.
func (s *sources) method(t reflect.Type, name string, depth int) (ft *ast.FuncType, fset *token.FileSet, recv string, doc string) {
	if depth > 6 || t.Name() == "" {
		return nil, nil, "", ""
	}
	if src := s.load(t.PkgPath()); src != nil {
		if d, ok := src.methods[t.Name()+"."+name]; ok {
			return d.Type, src.fset, recvString(src.fset, d.Recv.List[0]), d.Doc.Text()
		}
		if td, ok := src.types[t.Name()]; ok {
			if it, ok := td.spec.Type.(*ast.InterfaceType); ok {
				ft, fset, doc := s.interfaceMethod(src, td.file, it, name, depth)
				return ft, fset, "", doc
			}
		}
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.Anonymous {
				continue
			}
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if ft, fset, _, doc := s.method(et, name, depth+1); ft != nil {
				return ft, fset, "", doc
			}
		}
	}
	return nil, nil, "", ""
}

// interfaceMethod finds a method among an interface type's methods and those
// of the interfaces it embeds.
func (s *sources) interfaceMethod(src *source, file *ast.File, it *ast.InterfaceType, name string, depth int) (*ast.FuncType, *token.FileSet, string) {
	if depth > 6 {
		return nil, nil, ""
	}
	for _, f := range it.Methods.List {
		if len(f.Names) > 0 {
			if ft, ok := f.Type.(*ast.FuncType); ok && f.Names[0].Name == name {
				return ft, src.fset, f.Doc.Text()
			}
			continue
		}
		// An embedded interface: T, pkg.T, or a predeclared one (error).
		var esrc *source
		var efile *ast.File
		var ename string
		switch e := f.Type.(type) {
		case *ast.Ident:
			esrc, ename = src, e.Name
			if _, ok := src.types[ename]; !ok {
				esrc = s.load("")
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				if p := importPath(file, x.Name); p != "" {
					esrc, ename = s.load(p), e.Sel.Name
				}
			}
		}
		if esrc == nil {
			continue
		}
		td, ok := esrc.types[ename]
		if !ok {
			continue
		}
		efile = td.file
		if eit, ok := td.spec.Type.(*ast.InterfaceType); ok {
			if ft, fset, doc := s.interfaceMethod(esrc, efile, eit, name, depth+1); ft != nil {
				return ft, fset, doc
			}
		}
	}
	return nil, nil, ""
}

// importPath is the path a file imports under the given name.
func importPath(f *ast.File, name string) string {
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		if spec.Name != nil {
			if spec.Name.Name == name {
				return p
			}
			continue
		}
		if pkgName(p) == name {
			return p
		}
	}
	return ""
}

// pkgName is the name a package path is imported under by default: its last
// element, or the one before a major-version suffix (rand for math/rand/v2).
func pkgName(p string) string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		return elems[len(elems)-2]
	}
	return last
}

// funcText prints a func type's parameters and results, as in its
// declaration: "(a ...any) (n int, err error)".
func funcText(fset *token.FileSet, ft *ast.FuncType) string {
	bare := &ast.FuncType{Params: ft.Params, Results: ft.Results}
	return strings.TrimPrefix(nodeString(fset, bare), "func")
}

var (
	openLine  = regexp.MustCompile(`([(\[{])\s*\n\s*`)
	closeLine = regexp.MustCompile(`,?\s*\n\s*([)\]}])`)
	innerLine = regexp.MustCompile(`\s*\n\s*`)
)

// nodeString prints a node on one line.
func nodeString(fset *token.FileSet, node any) string {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.UseSpaces, Tabwidth: 4}
	if err := cfg.Fprint(&buf, fset, node); err != nil {
		return ""
	}
	s := buf.String()
	if strings.Contains(s, "\n") {
		s = openLine.ReplaceAllString(s, "$1")
		s = closeLine.ReplaceAllString(s, "$1")
		s = innerLine.ReplaceAllString(s, " ")
	}
	return s
}
