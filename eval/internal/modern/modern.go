//lint:file-ignore SA1019 go/parser's objects resolve the few package-level names of our own sources well enough.

// Package modern is the Go 1.23–1.26 standard library the interpreter lacks, as Go source it
// runs: the generic and iterator functions of iter, cmp, slices, maps, strings, bytes, sync,
// sync/atomic, errors and math/rand/v2. Each subdirectory is a real Go package with the standard
// library's signatures (it compiles natively too, so its tests compare it with the standard
// library); the interpreter compiles the same file under a name of its own (_gkslices), and the
// cell compiler sends a cell's slices.Sorted there.
//
// A package is whole (iter, cmp, slices, maps: the interpreter has nothing else of it) or adds
// to the interpreter's native table of the package (strings.Lines next to the native
// strings.Split). The cell compiler's type check sees the same: these sources, checked, and the
// native tables.
package modern

import (
	"embed"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed iter/iter.go cmp/cmp.go slices/slices.go maps/maps.go strings/strings.go bytes/bytes.go
//go:embed sync/sync.go errors/errors.go atomic/atomic.go rand/rand.go
var sources embed.FS

// NativePath is the import path of the native helpers the interpreted packages call (package native).
const NativePath = "github.com/gokernel/gokernel/eval/internal/modern/native"

// A Package is one interpreted package.
type Package struct {
	Path  string // the import path cells use: "slices", "sync/atomic"
	Name  string // the interpreter's name for the compiled source: "_gkslices"
	Whole bool   // the source is the whole package; otherwise it adds to the native table
	// GoPath is the source's own import path (its directory in this module), under which the
	// type check checks an adding source before merging it into the native package.
	GoPath string
	Source string   // the Go source, as in its directory
	Names  []string // the exported names the source declares, sorted
	// generic are its generic funcs and types, exported or not: the interpreter knows them by
	// another name (see YaegiName).
	generic map[string]bool
}

// Packages returns the interpreted packages in the order the interpreter must compile them (a
// package after the packages it uses).
func Packages() []Package { return packages }

var packages = load()

// Lookup returns the interpreted package of an import path.
func Lookup(importPath string) (Package, bool) {
	for _, p := range packages {
		if p.Path == importPath {
			return p, true
		}
	}
	return Package{}, false
}

func load() []Package {
	list := []struct {
		dir, path string
		whole     bool
	}{
		{"cmp", "cmp", true},
		{"iter", "iter", true},
		{"slices", "slices", true},
		{"maps", "maps", true},
		{"strings", "strings", false},
		{"bytes", "bytes", false},
		{"sync", "sync", false},
		{"atomic", "sync/atomic", false},
		{"errors", "errors", false},
		{"rand", "math/rand/v2", false},
	}
	var out []Package
	for _, e := range list {
		src, err := sources.ReadFile(e.dir + "/" + e.dir + ".go")
		if err != nil {
			panic(err) // embedded above
		}
		p := Package{
			Path:   e.path,
			Name:   "_gk" + e.dir,
			Whole:  e.whole,
			GoPath: "github.com/gokernel/gokernel/eval/internal/modern/" + e.dir,
			Source: string(src),
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			panic(err) // the package compiles
		}
		p.generic = map[string]bool{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					p.Names = append(p.Names, d.Name.Name)
				}
				if d.Recv == nil && d.Type.TypeParams != nil {
					p.generic[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if ts.Name.IsExported() {
							p.Names = append(p.Names, ts.Name.Name)
						}
						if ts.TypeParams != nil {
							p.generic[ts.Name.Name] = true
						}
					}
				}
			}
		}
		sort.Strings(p.Names)
		out = append(out, p)
	}
	return out
}

// Has reports whether the package's source declares an exported name.
func (p Package) Has(name string) bool {
	i := sort.SearchStrings(p.Names, name)
	return i < len(p.Names) && p.Names[i] == name
}

// YaegiName returns the name the interpreter knows a name of the package by. A generic func or
// type gets a name of its own, _gkslices_Sorted: yaegi keeps the instances of generic
// functions by name and type arguments, not by package, so a cell's Sorted[int] would get
// slices.Sorted[int] (or the other way round).
func (p Package) YaegiName(name string) string {
	if p.generic[name] {
		return p.Name + "_" + name
	}
	return name
}

// Interpreted returns the interpreter's package and name for a name of an import path that the
// interpreted sources provide: ("slices", "Sorted") is _gkslices._gkslices_Sorted, ("strings",
// "Split") is native.
func Interpreted(importPath, name string) (pkg, yaegiName string, ok bool) {
	p, ok := Lookup(importPath)
	if !ok || !p.Has(name) {
		return "", "", false
	}
	return p.Name, p.YaegiName(name), true
}

// Yaegi returns the source the interpreter compiles: the package clause names p.Name, generic
// funcs and types have their YaegiName, references to other interpreted packages (cmp.Less) name
// theirs (_gkcmp._gkcmp_Less), imports of whole interpreted packages go (the interpreter has no
// such native package), and the iterator types are written as the func types they are (see
// SeqFunc).
func (p Package) Yaegi() string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", p.Source, 0) // resolved: the generic names are renamed
	if err != nil {
		panic(err)
	}
	off := func(pos token.Pos) int { return fset.Position(pos).Offset }
	var edits []srcEdit
	generic := map[*ast.Object]bool{} // the package's generic funcs and types
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if p.generic[d.Name.Name] && d.Recv == nil {
				generic[d.Name.Obj] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && p.generic[ts.Name.Name] {
					generic[ts.Name.Obj] = true
				}
			}
		}
	}
	edits = append(edits, srcEdit{start: off(f.Name.Pos()), end: off(f.Name.End()), text: p.Name})
	local := map[string]Package{} // name in this file -> interpreted package
	iterName := ""                // the name of package iter in this file
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, s := range gd.Specs {
			spec := s.(*ast.ImportSpec)
			ipath, _ := strconv.Unquote(spec.Path.Value)
			name := path.Base(ipath)
			if spec.Name != nil {
				name = spec.Name.Name
			}
			ip, ok := Lookup(ipath)
			if !ok || !ip.Whole {
				continue
			}
			local[name] = ip
			if ipath == "iter" {
				iterName = name
			}
			if gd.Lparen.IsValid() {
				edits = append(edits, srcEdit{start: off(spec.Pos()), end: off(spec.End())})
			} else {
				edits = append(edits, srcEdit{start: off(gd.Pos()), end: off(gd.End())})
			}
		}
	}
	isSeq := func(x ast.Expr) (string, bool) {
		switch x := x.(type) {
		case *ast.Ident:
			if p.Path == "iter" && (x.Name == "Seq" || x.Name == "Seq2") {
				return x.Name, true
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && iterName != "" && id.Name == iterName &&
				(x.Sel.Name == "Seq" || x.Sel.Name == "Seq2") {
				return x.Sel.Name, true
			}
		}
		return "", false
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IndexExpr:
			if _, ok := isSeq(n.X); ok {
				edits = append(edits, srcEdit{start: off(n.Pos()), end: off(n.End()),
					args: [][2]int{{off(n.Index.Pos()), off(n.Index.End())}}})
			}
		case *ast.IndexListExpr:
			if _, ok := isSeq(n.X); ok {
				e := srcEdit{start: off(n.Pos()), end: off(n.End())}
				for _, ix := range n.Indices {
					e.args = append(e.args, [2]int{off(ix.Pos()), off(ix.End())})
				}
				edits = append(edits, e)
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if ip, ok := local[id.Name]; ok {
					edits = append(edits, srcEdit{start: off(id.Pos()), end: off(n.End()), text: ip.Name + "." + ip.YaegiName(n.Sel.Name)})
				}
			}
		case *ast.Ident:
			if n.Obj != nil && generic[n.Obj] {
				edits = append(edits, srcEdit{start: off(n.Pos()), end: off(n.End()), text: p.YaegiName(n.Name)})
			}
		}
		return true
	})
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end > edits[j].end // a container before what it contains
	})
	return render(p.Source, edits, 0, len(p.Source))
}

// A srcEdit replaces [start, end) of a source by text, or, when args is set, by the iterator
// func type over the (edited) sources of args.
type srcEdit struct {
	start, end int
	text       string
	args       [][2]int
}

// render writes src[start:end] with the edits inside it applied; edits nest (an iterator type
// over an iterator type).
func render(src string, edits []srcEdit, start, end int) string {
	var b strings.Builder
	cur := start
	for _, e := range edits {
		if e.start < cur || e.end > end || (e.start == cur && e.end == cur && cur != start) {
			continue
		}
		b.WriteString(src[cur:e.start])
		if e.args == nil {
			b.WriteString(e.text)
		} else {
			elems := make([]string, len(e.args))
			for i, a := range e.args {
				elems[i] = render(src, edits, a[0], a[1])
			}
			b.WriteString(SeqFunc(elems))
		}
		cur = e.end
	}
	b.WriteString(src[cur:end])
	return b.String()
}

// SeqFunc writes the func type of an iterator over elems: iter.Seq[int] is func(func(int) bool).
// The interpreter keeps the instances of generic types by name and type arguments, whatever
// their package: with no instance of iter.Seq at all, none meets a cell's own Seq[int].
func SeqFunc(elems []string) string {
	return "func(func(" + strings.Join(elems, ", ") + ") bool)"
}
