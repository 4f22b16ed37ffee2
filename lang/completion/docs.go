package completion

import (
	"bytes"
	"context"
	"go/ast"
	"go/build"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// builtinPath is where GOROOT documents the predeclared identifiers.
const builtinPath = "builtin"

// findGOROOT finds the Go sources for doc comments: the kernel binary is
// built with -trimpath, so runtime.GOROOT may know nothing, and then the go
// command or the usual install place may. "" when none has sources.
func findGOROOT() string {
	//lint:ignore SA1019 the first of several places to look; it can be empty
	if dir := runtime.GOROOT(); hasSources(dir) {
		return dir
	}
	if dir := os.Getenv("GOROOT"); hasSources(dir) {
		return dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasSources(dir) {
			return dir
		}
	}
	if dir := "/usr/local/go"; hasSources(dir) {
		return dir
	}
	return ""
}

func hasSources(goroot string) bool {
	if goroot == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(goroot, "src", builtinPath, "builtin.go"))
	return err == nil
}

// gorootDir is the GOROOT whose sources give doc comments, found on first use.
func (e *Engine) gorootDir() string {
	e.gorootOnce.Do(func() {
		if e.goroot == "" {
			e.goroot = findGOROOT()
		}
	})
	return e.goroot
}

// pkgDocs is one package's documentation, read from its sources.
type pkgDocs struct {
	fset   *token.FileSet
	pkg    *doc.Package
	funcs  map[string]*doc.Func // including those go/doc files under a type
	types  map[string]*doc.Type
	values map[string]*doc.Value // consts and vars, by each name they declare
}

// docCache reads each package's sources once.
type docCache struct {
	mu      sync.Mutex
	entries map[string]*docEntry
}

type docEntry struct {
	once sync.Once
	docs *pkgDocs // nil when the sources could not be read
}

// docsFor returns the documentation of a standard package, nil when its
// sources aren't installed.
func (e *Engine) docsFor(path string) *pkgDocs {
	goroot := e.gorootDir()
	if goroot == "" {
		return nil
	}
	e.docs.mu.Lock()
	if e.docs.entries == nil {
		e.docs.entries = map[string]*docEntry{}
	}
	entry := e.docs.entries[path]
	if entry == nil {
		entry = &docEntry{}
		e.docs.entries[path] = entry
	}
	e.docs.mu.Unlock()
	entry.once.Do(func() { entry.docs = readDocs(goroot, path) })
	return entry.docs
}

// readDocs parses a package's Go files for this platform.
func readDocs(goroot, path string) *pkgDocs {
	dir := filepath.Join(goroot, "src", filepath.FromSlash(path))
	var names []string
	if path == builtinPath {
		names = []string{"builtin.go"}
	} else {
		bp, err := build.Default.ImportDir(dir, 0)
		if err != nil {
			return nil
		}
		names = append(bp.GoFiles, bp.CgoFiles...)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil
	}
	var mode doc.Mode
	if path == builtinPath {
		mode = doc.AllDecls // its names are lower case
	}
	p, err := doc.NewFromFiles(fset, files, path, mode)
	if err != nil {
		return nil
	}
	d := &pkgDocs{fset: fset, pkg: p, funcs: map[string]*doc.Func{}, types: map[string]*doc.Type{}, values: map[string]*doc.Value{}}
	addValues := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, n := range v.Names {
				d.values[n] = v
			}
		}
	}
	for _, f := range p.Funcs {
		d.funcs[f.Name] = f
	}
	addValues(p.Consts)
	addValues(p.Vars)
	for _, t := range p.Types {
		d.types[t.Name] = t
		for _, f := range t.Funcs {
			d.funcs[f.Name] = f
		}
		addValues(t.Consts)
		addValues(t.Vars)
	}
	return d
}

// memberDoc is the doc comment of a package member.
func (d *pkgDocs) memberDoc(name string) string {
	if f, ok := d.funcs[name]; ok {
		return f.Doc
	}
	if t, ok := d.types[name]; ok {
		return t.Doc
	}
	if v, ok := d.values[name]; ok {
		if doc := specDoc(v.Decl, name); doc != "" {
			return doc
		}
		return v.Doc
	}
	return ""
}

// specDoc is the comment on one name of a const or var group.
func specDoc(decl *ast.GenDecl, name string) string {
	for _, spec := range decl.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if !ok {
			continue
		}
		for _, n := range vs.Names {
			if n.Name == name {
				if vs.Doc != nil {
					return vs.Doc.Text()
				}
				return vs.Comment.Text()
			}
		}
	}
	return ""
}

// typeMemberDoc is the doc comment of a method or field of a type.
func (d *pkgDocs) typeMemberDoc(typeName, name string) string {
	t, ok := d.types[typeName]
	if !ok {
		return ""
	}
	for _, m := range t.Methods {
		if m.Name == name {
			return m.Doc
		}
	}
	for _, spec := range t.Decl.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			continue
		}
		var fields *ast.FieldList
		switch x := ts.Type.(type) {
		case *ast.StructType:
			fields = x.Fields
		case *ast.InterfaceType:
			fields = x.Methods
		}
		if fields == nil {
			continue
		}
		for _, f := range fields.List {
			for _, n := range f.Names {
				if n.Name == name {
					if f.Doc != nil {
						return f.Doc.Text()
					}
					return f.Comment.Text()
				}
			}
		}
	}
	return ""
}

// typeDecl prints a type's declaration as go doc does, unexported fields
// left out.
func (d *pkgDocs) typeDecl(typeName string) string {
	t, ok := d.types[typeName]
	if !ok {
		return ""
	}
	// The group's other types and comments are not this type's.
	for _, spec := range t.Decl.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			continue
		}
		one := &ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{&ast.TypeSpec{Name: ts.Name, TypeParams: ts.TypeParams, Assign: ts.Assign, Type: ts.Type}}}
		var buf bytes.Buffer
		if err := (&printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}).Fprint(&buf, d.fset, one); err != nil {
			return ""
		}
		return buf.String()
	}
	return ""
}

// docText renders a doc comment as plain text: its first paragraph, or all
// of it when full.
func docText(text string, full bool) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	var p comment.Parser
	d := p.Parse(text)
	if !full && len(d.Content) > 1 {
		d.Content = d.Content[:1]
	}
	var pr comment.Printer
	return strings.TrimRight(string(pr.Text(d)), "\n")
}
