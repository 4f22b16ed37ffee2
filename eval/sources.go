package eval

import (
	"go/ast"
	"maps"
	"slices"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/compile"
)

// The session keeps the source of every declaration its cells made, as the cells have it, for
// programs built from a cell and the session's code (compiled cells): the types, funcs, methods
// and consts that are live now, where each was written, and the names that hold values.

// A Piece is a top-level part of a cell: a declaration or a run of statements (see [Outline]).
type Piece = compile.Piece

// PieceKind says what a Piece is.
type PieceKind = compile.PieceKind

// The kinds of pieces.
const (
	PackagePiece = compile.PackagePiece
	ImportPiece  = compile.ImportPiece
	ConstPiece   = compile.ConstPiece
	VarPiece     = compile.VarPiece
	TypePiece    = compile.TypePiece
	FuncPiece    = compile.FuncPiece
	MethodPiece  = compile.MethodPiece
	StmtsPiece   = compile.StmtsPiece
)

// SyntaxErrors is the error of [Outline]: positions in the cell, sorted.
type SyntaxErrors = compile.ErrorList

// Outline cuts a cell into its top-level pieces the way the session does, without running
// anything. A cell that doesn't parse gives SyntaxErrors.
func Outline(code string) ([]Piece, error) { return compile.Outline(code) }

// Showable reports whether the value of a cell's final expression x is shown, as the session
// decides: not for calls whose results Go programmers discard (fmt.Println) or that have none.
// pkgPath returns the import path a package name stands for; isFunc tells the names cells
// declare as funcs.
func Showable(x ast.Expr, pkgPath func(name string) string, isFunc func(name string) bool) bool {
	return compile.Showable(x, pkgPath, isFunc)
}

// A Declaration is a declaration of an earlier cell that is live in the session.
type Declaration struct {
	Kind  PieceKind // ConstPiece, TypePiece, FuncPiece or MethodPiece
	Names []string  // what it declares; a method's name, with its receiver's type in Recv
	Recv  string
	Uses  []string // the names it refers to (Piece.Uses)
	Src   string   // its source, as the cell has it
	Cell  string   // the cell's name, as positions show it: "cell[3]"
	Line  int      // where Src starts in the cell, from 1
	Col   int

	order int
}

// Declarations are what earlier cells defined, as source.
type Declarations struct {
	Decls   []Declaration     // the live declarations, in the order they were evaluated
	Imports map[string]string // package name → import path, for every package cells imported
	Vars    []string          // the names cells gave values to (var, :=), sorted
}

// sourceBook is the session's record of declarations.
type sourceBook struct {
	seq     int // the cell outline is of
	name    string
	code    string
	outline []Piece

	order int
	decls map[string]*Declaration // by name; a method by "T.M"
	vars  map[string]bool
}

// Declarations returns the source of what earlier cells declared, as it is live now: a
// redefined func or type has its latest source. It is not safe to call while a cell runs.
func (s *Session) Declarations() Declarations {
	d := Declarations{Imports: maps.Clone(s.env.Imports)}
	b := s.sources
	if b == nil {
		return d
	}
	seen := map[*Declaration]bool{}
	for _, decl := range b.decls {
		if !seen[decl] {
			seen[decl] = true
			d.Decls = append(d.Decls, *decl)
		}
	}
	slices.SortFunc(d.Decls, func(a, b Declaration) int { return a.order - b.order })
	d.Vars = slices.Sorted(maps.Keys(b.vars))
	return d
}

// noteSources records the declarations of the running cell that a chunk, just compiled, defined.
func (s *Session) noteSources(defs compile.Defs) {
	if len(defs.Globals) == 0 && len(defs.Decls) == 0 {
		return
	}
	if s.sources == nil {
		s.sources = &sourceBook{seq: -1, decls: map[string]*Declaration{}, vars: map[string]bool{}}
	}
	b := s.sources
	if b.seq != s.seq {
		s.cellsMu.RLock()
		c := s.cells[s.seq]
		s.cellsMu.RUnlock()
		b.seq, b.name, b.code = s.seq, c.name, strings.Join(c.lines, "\n")
		b.outline, _ = compile.Outline(b.code) // a cell that compiled parses
	}
	defined := map[string]bool{}
	for _, g := range defs.Globals {
		defined[g] = true
	}
	for key := range defs.Decls {
		if m, ok := strings.CutPrefix(key, "method "); ok {
			defined[m] = true
		}
	}
	declared := map[string]bool{}
	for _, p := range b.outline {
		keys := p.Names
		switch p.Kind {
		case ConstPiece, TypePiece, FuncPiece:
		case MethodPiece:
			keys = []string{p.Recv + "." + p.Names[0]}
		default:
			continue
		}
		if len(keys) == 0 || !allIn(keys, defined) {
			continue
		}
		b.order++
		decl := &Declaration{Kind: p.Kind, Names: p.Names, Recv: p.Recv, Uses: p.Uses, Src: b.code[p.Start:p.End],
			Cell: b.name, Line: p.Line, Col: p.Col, order: b.order}
		for _, k := range keys {
			b.decls[k] = decl
			declared[k] = true
			delete(b.vars, k)
		}
	}
	for _, g := range defs.Globals {
		if !declared[g] && !generated(g) && !slices.Contains(defs.Funcs, g) {
			b.vars[g] = true // a var or :=: its value lives here, its source is no use elsewhere
			delete(b.decls, g)
		}
	}
}

func allIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}
