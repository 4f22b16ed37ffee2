package modules

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
)

// A Problem is a construct of a package's source the interpreter can't run, where it is.
type Problem struct {
	File      string // the file's base name
	Line, Col int
	What      string // "range over an integer (Go 1.22)"
}

// Lint finds the constructs of a package's source the interpreter fails on without saying
// where (it panics with "nil type", or crashes): range over an integer or a function, a
// generic type alias, and the builtins min, max and clear. info holds the types the check found.
func Lint(fset *token.FileSet, files []*ast.File, info *types.Info) []Problem {
	var out []Problem
	add := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		out = append(out, Problem{File: filepath.Base(p.Filename), Line: p.Line, Col: p.Column, What: what})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.RangeStmt:
				if tv, ok := info.Types[n.X]; ok && tv.Type != nil {
					switch u := tv.Type.Underlying().(type) {
					case *types.Basic:
						if u.Info()&types.IsInteger != 0 {
							add(n.Pos(), "range over an integer (Go 1.22)")
						}
					case *types.Signature:
						add(n.Pos(), "range over a function (Go 1.23 iterators)")
					}
				}
			case *ast.TypeSpec:
				if n.Assign.IsValid() && n.TypeParams != nil {
					add(n.Pos(), "a generic type alias (Go 1.24)")
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
					if b, ok := info.Uses[id].(*types.Builtin); ok {
						switch b.Name() {
						case "min", "max", "clear":
							add(n.Pos(), fmt.Sprintf("the builtin %s (Go 1.21)", b.Name()))
						}
					}
				}
			}
			return true
		})
	}
	return out
}
