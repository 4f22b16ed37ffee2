package gotypes

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
)

// A Source is a package of a module, which the check imports from its Go files (the session
// fetched its module, and the interpreter reads the same files).
type Source struct {
	ImportPath string
	Dir        string
	Files      []string // of Dir
}

// A Checked is a source package as the check found it, with the types of its function bodies
// (for the constructs the interpreter can't run in a package's source). Errors are go/types'
// errors in it: the package is there all the same, as complete as the check could make it.
type Checked struct {
	Fset    *token.FileSet
	Files   []*ast.File
	Info    *types.Info
	Package *types.Package
	Errors  []types.Error
}

// AddSource makes a source package importable.
func (im *Importer) AddSource(src Source) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.sources == nil {
		im.sources = map[string]Source{}
		im.sourceChecks = map[string]*Checked{}
	}
	im.sources[src.ImportPath] = src
}

// HasSource reports whether a source package was added.
func (im *Importer) HasSource(importPath string) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	_, ok := im.sources[importPath]
	return ok
}

// Check returns the check of a source package, checking it (and what it imports) if needed.
func (im *Importer) Check(importPath string) (*Checked, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if _, err := im.load(importPath); err != nil {
		return nil, err
	}
	return im.sourceChecks[importPath], nil
}

// checkSource type-checks a source package, bodies included. im.mu is held.
func (im *Importer) checkSource(src Source) (*types.Package, error) {
	c := &Checked{Fset: im.fset, Info: &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Uses:  map[*ast.Ident]types.Object{},
	}}
	for _, name := range src.Files {
		f, err := parser.ParseFile(im.fset, filepath.Join(src.Dir, name), nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, f)
	}
	conf := types.Config{
		Importer:    importerFunc(im.load),
		FakeImportC: true,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				c.Errors = append(c.Errors, te)
			}
		},
	}
	c.Package, _ = conf.Check(src.ImportPath, im.fset, c.Files, c.Info)
	c.Package.MarkComplete()
	im.sourceChecks[src.ImportPath] = c
	return c.Package, nil
}
