package compiled

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/eval"
)

// A program is a compiled cell's Go program: the cell, and the declarations of earlier cells
// it uses, as the files of package main. Every piece of a cell's text is preceded by a
// /*line cell:L:C*/ directive, so that the compiler, panics and the race detector name the
// cell's own lines; generated text follows a //line directive naming genFile.
//
// The directives name the cell "cell" and the earlier cells "cell@1", "cell@2" and so on, in the
// order of their declarations, not by their execution counts: the program of a cell run again
// unchanged is the same program, which the cache has. Messages name them as the notebook does
// (see program.cells).
type program struct {
	files   map[string]string // file name → content
	images  bool              // it may import a notebook package that draws pictures (x/image)
	sources sources           // the cells' lines by their names in the notebook, for messages
	cells   map[string]string // the directives' names of the cells → their names in the notebook
	result  *position         // the final expression, when the program shows its value
	vars    map[string]bool   // the names earlier cells gave values to
}

// thisCell is the name of the compiled cell in the program's line directives.
const thisCell = "cell"

// A position is a place in a cell.
type position struct {
	cell      string
	line, col int
}

// sources are the lines of the cells a program has text of, by cell name and line number.
type sources map[string]map[int]string

// line returns line n of a cell.
func (s sources) line(cell string, n int) (string, bool) {
	text, ok := s[cell][n]
	return text, ok
}

// add records src, which starts at line:col of cell.
func (s sources) add(cell, src string, line, col int) {
	if s[cell] == nil {
		s[cell] = map[int]string{}
	}
	for i, text := range strings.Split(src, "\n") {
		if i == 0 {
			text = strings.Repeat(" ", col-1) + text
		}
		s[cell][line+i] = strings.TrimRight(text, "\r")
	}
}

// Names of the generated parts.
const (
	genFile     = "gokernel_main.go" // generated text, in line directives
	displayName = "_gkdisplay"       // the import of gokernel/display that shows the result
)

// A cellError is a problem with the cell found before building, at a place in it.
type cellError struct {
	at  position
	msg string
}

// assemble makes the program of a cell. With show, the value of a final expression is the
// program's result. The errors are at places in the cells; with them, the program has only its
// sources.
func assemble(cell Cell, session eval.Declarations, show bool) (*program, []cellError) {
	prog := &program{files: map[string]string{}, sources: sources{}, vars: map[string]bool{},
		cells: map[string]string{thisCell: cell.Name}}
	prog.sources.add(cell.Name, cell.Code, 1, 1)
	for _, v := range session.Vars {
		prog.vars[v] = true
	}
	pieces, err := eval.Outline(cell.Code)
	if err != nil {
		var errs []cellError
		if list, ok := err.(eval.SyntaxErrors); ok {
			for _, e := range list {
				errs = append(errs, cellError{position{cell.Name, e.Line, e.Col}, e.Msg})
			}
		}
		if len(errs) == 0 {
			errs = []cellError{{position{cell.Name, 1, 1}, err.Error()}}
		}
		return prog, errs
	}
	a := &assembler{cell: cell, session: session, code: cell.Code, pieces: pieces, prog: prog}
	a.sort()
	if len(a.errs) == 0 {
		a.checkImports()
	}
	if len(a.errs) == 0 {
		a.include()
	}
	if len(a.errs) > 0 {
		return a.prog, a.errs
	}
	a.writeMain(show)
	a.writeDecls()
	return a.prog, nil
}

// assembler holds the state of assembling one program.
type assembler struct {
	cell    Cell
	session eval.Declarations
	code    string
	pieces  []eval.Piece
	prog    *program
	errs    []cellError

	imports []eval.Piece // the cell's imports
	decls   []eval.Piece // its package-level declarations
	body    []eval.Piece // its statements (and vars that use them), the body of main
	hasMain bool

	declared map[string]bool // the names the cell declares at the package level
	local    map[string]bool // the names its statements define
	used     []int           // the session's declarations the program uses, by index
}

func (a *assembler) errorf(line, col int, format string, args ...any) {
	a.errs = append(a.errs, cellError{position{a.cell.Name, line, col}, fmt.Sprintf(format, args...)})
}

// sort puts the cell's pieces at the package level or in main.
func (a *assembler) sort() {
	a.declared, a.local = map[string]bool{}, map[string]bool{}
	for _, p := range a.pieces {
		if p.Kind == eval.StmtsPiece {
			for _, n := range p.Names {
				a.local[n] = true
			}
		}
	}
	for _, p := range a.pieces {
		switch p.Kind {
		case eval.PackagePiece:
			if f := strings.Fields(a.code[p.Start:p.End]); len(f) == 2 && f[1] != "main" {
				a.errorf(p.Line, p.Col, "a compiled cell is package main, not package %s", f[1])
			}
		case eval.ImportPiece:
			a.imports = append(a.imports, p)
			for _, n := range p.Names {
				a.declared[n] = true
			}
		case eval.StmtsPiece:
			a.body = append(a.body, p)
		case eval.VarPiece:
			// A var that uses what the statements define runs among them, in main.
			if slices.ContainsFunc(p.Uses, func(n string) bool { return a.local[n] }) {
				a.body = append(a.body, p)
				for _, n := range p.Names {
					a.local[n] = true
				}
				continue
			}
			fallthrough
		default:
			a.decls = append(a.decls, p)
			if p.Kind == eval.FuncPiece && p.Names[0] == "main" {
				a.hasMain = true
			}
			if p.Kind != eval.MethodPiece {
				for _, n := range p.Names {
					a.declared[n] = true
				}
			}
		}
	}
	if a.hasMain && len(a.body) > 0 {
		p := a.body[0]
		a.errorf(p.Line, p.Col, "this cell has a func main and statements outside it: a compiled cell is a whole "+
			"program (with func main) or the body of main, not both")
	}
}

// checkImports refuses packages a compiled cell can't build with.
func (a *assembler) checkImports() {
	for _, p := range a.imports {
		for _, path := range p.Paths {
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				line, col := a.find(p, strconv.Quote(path))
				a.errorf(line, col, "package %s is not available: compiled cells import the standard library "+
					"and the notebook packages (gokernel/display, progress, timeline, coro), not other modules", path)
			}
		}
	}
}

// find returns where the first occurrence of text in piece p is, or p's start.
func (a *assembler) find(p eval.Piece, text string) (line, col int) {
	if i := strings.Index(a.code[p.Start:p.End], text); i >= 0 {
		return lineCol(a.code, p.Start+i)
	}
	return p.Line, p.Col
}

// lineCol returns the line and column (from 1) of an offset of src.
func lineCol(src string, off int) (line, col int) {
	before := src[:off]
	line = strings.Count(before, "\n") + 1
	return line, off - (strings.LastIndex(before, "\n") + 1) + 1
}

// include chooses the session's declarations the cell uses, directly or through other
// declarations, and refuses the cell when they, or it, use an earlier cell's variable.
func (a *assembler) include() {
	byName := map[string]int{}
	methods := map[string][]int{}
	for i, d := range a.session.Decls {
		if d.Kind == eval.MethodPiece {
			if !a.declared[d.Recv] {
				methods[d.Recv] = append(methods[d.Recv], i)
			}
			continue
		}
		if slices.ContainsFunc(d.Names, func(n string) bool { return a.declared[n] }) {
			continue // the cell declares it anew
		}
		for _, n := range d.Names {
			byName[n] = i
		}
	}

	// The cell's own uses first: its variables are the learner's to fix first.
	taken := map[int]bool{}
	var queue []int
	use := func(names []string) {
		for _, n := range names {
			if i, ok := byName[n]; ok && !taken[i] {
				taken[i] = true
				queue = append(queue, i)
				for _, m := range methods[n] {
					if !taken[m] {
						taken[m] = true
						queue = append(queue, m)
					}
				}
			}
		}
	}
	said := map[string]bool{}
	for _, p := range a.pieces {
		uses := a.free(p.Uses)
		for _, n := range uses {
			if a.prog.vars[n] && !said[n] {
				said[n] = true
				line, col := identIn(a.code[p.Start:p.End], n, p.Line, p.Col)
				a.errorf(line, col, "%s", earlierVar(n, ""))
			}
		}
		use(uses)
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		d := a.session.Decls[i]
		for _, n := range d.Uses {
			if a.prog.vars[n] && !a.declared[n] {
				line, col := identIn(d.Src, n, d.Line, d.Col)
				a.errs = append(a.errs, cellError{position{d.Cell, line, col}, earlierVar(n, d.Names[0])})
				a.prog.sources.add(d.Cell, d.Src, d.Line, d.Col)
			}
		}
		use(d.Uses)
		a.used = append(a.used, i)
	}
	slices.Sort(a.used) // in the order the session evaluated them
}

// free drops from uses the names the cell itself defines.
func (a *assembler) free(uses []string) []string {
	var out []string
	for _, n := range uses {
		if !a.declared[n] && !a.local[n] {
			out = append(out, n)
		}
	}
	return out
}

// earlierVar says that a compiled cell can't use an earlier cell's variable; user, if not
// empty, is the earlier declaration that uses it.
func earlierVar(name, user string) string {
	what := name + " is a variable of an earlier cell"
	if user != "" {
		what = user + " uses " + name + ", a variable of an earlier cell"
	}
	return what + ": a compiled cell sees the types, funcs, consts and imports of earlier cells, " +
		"but not their variables, whose values live in the interpreter; declare " + name + " in this cell"
}

// identIn returns where name first appears in src as an identifier that is not a selector's
// name, src starting at line:col.
func identIn(src, name string, line, col int) (int, int) {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), nil, 0)
	prev := token.ILLEGAL
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return line, col
		}
		if tok == token.IDENT && lit == name && prev != token.PERIOD {
			p := fset.Position(pos)
			if p.Line == 1 {
				return line, col + p.Column - 1
			}
			return line + p.Line - 1, p.Column
		}
		prev = tok
	}
}

// directive returns the line directive for text of cell at line:col.
func directive(cell string, line, col int) string {
	return fmt.Sprintf("/*line %s:%d:%d*/", cell, line, col)
}

// genLine is the directive that starts generated lines: it must begin a line.
const genLine = "\n//line " + genFile + ":1\n"

// writeMain writes main.go: the cell.
func (a *assembler) writeMain(show bool) {
	var b strings.Builder
	b.WriteString("package main\n")
	piece := func(p eval.Piece, text string) {
		b.WriteString(directive(thisCell, p.Line, p.Col))
		b.WriteString(text)
		b.WriteString("\n")
	}
	names := map[string]bool{}
	for _, p := range a.imports {
		piece(p, a.code[p.Start:p.End])
		for _, path := range p.Paths {
			a.notePath(path)
		}
		for _, n := range p.Names {
			names[n] = true
		}
	}

	var result *resultExpr
	if show && !a.hasMain {
		result = a.finalExpr()
	}
	var auto []string
	var uses []string
	for _, p := range a.pieces {
		uses = append(uses, a.free(p.Uses)...)
	}
	for _, n := range uses {
		if path, ok := a.session.Imports[n]; ok && !names[n] {
			names[n] = true
			auto = append(auto, importSpec(n, path))
			a.notePath(path)
		}
	}
	if result != nil {
		auto = append(auto, displayName+` "gokernel/display"`)
	}
	if len(auto) > 0 {
		slices.Sort(auto)
		b.WriteString(genLine + "import (\n\t" + strings.Join(auto, "\n\t") + "\n)\n")
	}

	for _, p := range a.decls {
		b.WriteString("\n")
		piece(p, a.code[p.Start:p.End])
	}
	if !a.hasMain {
		b.WriteString(genLine + "func main() {\n")
		for _, p := range a.body {
			text := a.code[p.Start:p.End]
			if result != nil && result.piece.Start == p.Start {
				rs, re := result.start-p.Start, result.end-p.Start
				text = text[:rs] + displayName + ".Result(" + directive(thisCell, result.line, result.col) +
					text[rs:re] + ")" + text[re:]
				a.prog.result = &position{a.cell.Name, result.line, result.col}
			}
			piece(p, text)
		}
		b.WriteString(genLine + "}\n")
	}
	a.prog.files["main.go"] = b.String()
}

// writeDecls writes decls.go: the session's declarations the cell uses.
func (a *assembler) writeDecls() {
	if len(a.used) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("package main\n")
	var imports []string
	seen := map[string]bool{}
	for _, i := range a.used {
		for _, n := range a.session.Decls[i].Uses {
			if path, ok := a.session.Imports[n]; ok && !seen[n] {
				seen[n] = true
				imports = append(imports, importSpec(n, path))
				a.notePath(path)
			}
		}
	}
	if len(imports) > 0 {
		slices.Sort(imports)
		b.WriteString(genLine + "import (\n\t" + strings.Join(imports, "\n\t") + "\n)\n")
	}
	names := map[string]string{}
	for _, i := range a.used {
		d := a.session.Decls[i]
		a.prog.sources.add(d.Cell, d.Src, d.Line, d.Col)
		name, ok := names[d.Cell]
		if !ok {
			name = fmt.Sprintf("%s@%d", thisCell, len(names)+1)
			names[d.Cell] = name
			a.prog.cells[name] = d.Cell
		}
		b.WriteString("\n" + directive(name, d.Line, d.Col) + d.Src + "\n")
	}
	a.prog.files["decls.go"] = b.String()
}

// importSpec returns an import of path under name.
func importSpec(name, path string) string {
	if path == name || strings.HasSuffix(path, "/"+name) {
		return strconv.Quote(path)
	}
	return name + " " + strconv.Quote(path)
}

// notePath notes what an import of path needs.
func (a *assembler) notePath(path string) {
	if strings.HasPrefix(path, "gokernel/") && path != "gokernel/display" && path != "gokernel/coro" {
		a.prog.images = true // progress and timeline draw with gokernel/internal/picture
	}
}

// A resultExpr is the cell's final expression, whose value the program shows.
type resultExpr struct {
	piece      eval.Piece
	start, end int // in the cell
	line, col  int
}

// finalExpr returns the cell's final expression if its value is worth showing: not a call
// whose results Go programmers discard (fmt.Println), and not one followed by a ';'.
func (a *assembler) finalExpr() *resultExpr {
	if len(a.pieces) == 0 {
		return nil
	}
	p := a.pieces[len(a.pieces)-1]
	if p.Kind != eval.StmtsPiece || strings.HasSuffix(strings.TrimSpace(a.code[p.End:]), ";") {
		return nil
	}
	const prefix = "package main;func _(){"
	text := a.code[p.Start:p.End]
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", prefix+text+"\n}", 0)
	if err != nil {
		return nil
	}
	body := f.Decls[0].(*ast.FuncDecl).Body.List
	if len(body) == 0 {
		return nil
	}
	es, ok := body[len(body)-1].(*ast.ExprStmt)
	if !ok || !a.showable(es.X) {
		return nil
	}
	start := p.Start + fset.Position(es.X.Pos()).Offset - len(prefix)
	end := p.Start + fset.Position(es.X.End()).Offset - len(prefix)
	if strings.HasPrefix(strings.TrimLeft(a.code[end:p.End], " \t"), ";") {
		return nil // a trailing ';' hides the result
	}
	line, col := lineCol(a.code, start)
	return &resultExpr{piece: p, start: start, end: end, line: line, col: col}
}

// showable tells whether the value of a final expression is shown, as in an interpreted cell.
func (a *assembler) showable(x ast.Expr) bool {
	return eval.Showable(x, a.importPath, func(name string) bool { return a.declared[name] })
}

// importPath returns the path a package name of the cell stands for.
func (a *assembler) importPath(name string) string {
	for _, p := range a.imports {
		if i := slices.Index(p.Names, name); i >= 0 {
			return p.Paths[i]
		}
	}
	if a.declared[name] || a.local[name] {
		return ""
	}
	return a.session.Imports[name]
}
