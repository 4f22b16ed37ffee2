package compile

import (
	"go/ast"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// A PieceKind says what a top-level piece of a cell is.
type PieceKind int

// The kinds of pieces.
const (
	PackagePiece PieceKind = iota // a package clause
	ImportPiece
	ConstPiece
	VarPiece
	TypePiece
	FuncPiece
	MethodPiece
	StmtsPiece // a run of statements between declarations
)

var pieceKinds = [...]string{"package", "import", "const", "var", "type", "func", "method", "statements"}

func (k PieceKind) String() string { return pieceKinds[k] }

// A Piece is a top-level part of a cell as written: one declaration, or a run of statements.
type Piece struct {
	Kind PieceKind
	// Names are what the piece declares at the top level: a declaration's names (for a method,
	// its name; Recv is its receiver's type), the names statements define with := at their top
	// level, the package names of an import (the last element of the path unless renamed).
	Names []string
	Recv  string
	// Paths are an import's paths, one for each of Names.
	Paths []string
	// Uses are the names the piece refers to and does not declare itself, sorted: names of
	// other pieces, of earlier cells, of packages and predeclared ones. Struct fields, selectors
	// and labels are not uses.
	Uses []string
	// Start and End are the piece's bytes in the cell, without the space around it; Line and Col
	// (from 1) are where it starts.
	Start, End int
	Line, Col  int
}

// Outline cuts a cell into its top-level pieces, in source order, the way Compile does, without
// compiling them. The error is an ErrorList: the first syntax error.
func Outline(src string) ([]Piece, error) {
	c := &compiler{src: src, fset: token.NewFileSet(), deltas: map[*token.File]int{}, lines: lineStarts(src),
		env: NewEnv(nil), imports: map[string]string{}, declared: map[string]bool{}}
	var out []Piece
	for _, s := range split(src, scan(src)) {
		start, end := s.start, s.end
		for start < end && strings.ContainsRune(" \t\r\n;", rune(src[start])) {
			start++
		}
		for end > start && strings.ContainsRune(" \t\r\n", rune(src[end-1])) {
			end--
		}
		if start == end {
			continue
		}
		line, col := position(c.lines, start)
		p := Piece{Start: start, End: end, Line: line, Col: col}
		switch s.kind {
		case packageSpan:
			p.Kind = PackagePiece
		case declSpan:
			f := c.parse("package main;"+src[s.start:s.end], s.start-len("package main;"), s.end)
			if f == nil || len(f.Decls) == 0 {
				continue
			}
			outlineDecl(&p, f.Decls[0])
			p.Uses = uses(f.Decls[0])
		case stmtSpan:
			const prefix = "package main;func _(){"
			f := c.parse(prefix+src[s.start:s.end]+"\n}", s.start-len(prefix), s.end)
			if f == nil || len(f.Decls) == 0 {
				continue
			}
			body := f.Decls[0].(*ast.FuncDecl).Body
			p.Kind = StmtsPiece
			for _, st := range body.List {
				if a, ok := st.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
					for _, lhs := range a.Lhs {
						if id, ok := lhs.(*ast.Ident); ok && id.Name != "_" {
							p.Names = append(p.Names, id.Name)
						}
					}
				}
			}
			p.Uses = uses(body)
		}
		out = append(out, p)
	}
	if len(c.errs) > 0 {
		return nil, c.sorted()
	}
	return out, nil
}

// outlineDecl fills in the kind and names of a declaration.
func outlineDecl(p *Piece, d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		p.Kind = FuncPiece
		p.Names = []string{d.Name.Name}
		if d.Recv != nil {
			p.Kind = MethodPiece
			p.Recv = recvTypeName(d.Recv)
		}
	case *ast.GenDecl:
		p.Kind = map[token.Token]PieceKind{token.IMPORT: ImportPiece, token.CONST: ConstPiece,
			token.VAR: VarPiece, token.TYPE: TypePiece}[d.Tok]
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ImportSpec:
				path, _ := strconv.Unquote(s.Path.Value)
				name := path[strings.LastIndex(path, "/")+1:]
				if s.Name != nil {
					name = s.Name.Name
				}
				p.Names = append(p.Names, name)
				p.Paths = append(p.Paths, path)
			case *ast.ValueSpec:
				for _, id := range s.Names {
					if id.Name != "_" {
						p.Names = append(p.Names, id.Name)
					}
				}
			case *ast.TypeSpec:
				p.Names = append(p.Names, s.Name.Name)
			}
		}
	}
}

// uses returns the names n refers to without declaring them, sorted.
func uses(n ast.Node) []string {
	seen := map[string]bool{}
	useIdents(n, func(id *ast.Ident) {
		if id.Obj == nil && id.Name != "_" {
			seen[id.Name] = true
		}
	}, func(*ast.Ident) {})
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
