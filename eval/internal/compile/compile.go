// Package compile turns a notebook cell into a sequence of yaegi evaluations ("chunks").
//
// Yaegi evaluates either a file (declarations only) or a list of statements wrapped in a main
// function, chosen by the first token, and its global scope has bugs that statements inside a
// function don't have. The cell compiler therefore works in stages:
//
//	split     cut the cell into declarations and runs of statements (split.go: go/scanner,
//	          depth-0 tokens)
//	depth     refuse a cell nested deeper than parsing it and compiling it can recurse (depth.go):
//	          brackets on the tokens, before parsing; the syntax trees, after
//	parse     declarations as a file, statement runs as a function body (compile.go: go/parser)
//	classify  what each unit is and defines; imports, the result, the vars of funcs
//	          (classify.go, redefine.go)
//	check     names nothing defines (check.go)
//	typecheck go/types over the cell's syntax trees and the session's declarations as their
//	          cells wrote them (types.go): types for the rewrites, better errors
//	redefine  which vars declared again are assignments, by their types (redefine.go)
//	rewrite   edits on the source, which nest: go statements, defers and recover, Go 1.22
//	          loops, comma-ok forms, min/max, select branches (rewrite.go, recover.go, ...);
//	          calls from methods, generic funcs and func literals through the funcs' vars
//	          (redefine.go); Go 1.23–1.26: interpreted packages, iterator types, type
//	          arguments of generic calls, errors.As (modern.go); range over a function
//	          (rangefunc.go). Then the funcs' vars get their types as the edits render them.
//	order     declarations move before the units that use them; statements, vars and :=
//	          keep their order (order.go)
//	emit      chunks (emit.go): declarations together in file mode; each var and := alone in
//	          statement mode (they define globals); every other statement alone in a generated
//	          function, declared in file mode and called once in statement mode, after the
//	          declarations that redefine something
//
// Every piece of the cell's text is preceded by a /*line _.go:L:C*/ directive where
// L = Seq*LineBase + line (edit.go), so that yaegi's messages and panic positions name the cell
// and its own line and column (see [Decode]); generated text gets line 0. This package does not
// import yaegi.
package compile

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strings"
)

// LineBase separates the cell's sequence number from its line in the line numbers of the
// generated code: line = seq*LineBase + line in cell. Go's line numbers stop below 2^30, so
// sequence numbers wrap at SeqWrap (the session numbers its cells 1..SeqWrap, round and
// round) and a cell has fewer than LineBase lines.
const (
	LineBase = 100_000
	SeqWrap  = 10_000
)

// Decode splits a line number of generated code into the cell's sequence number and its line.
// Line 0 of a cell is generated code.
func Decode(line int) (seq, cellLine int) { return line / LineBase, line % LineBase }

// RuntimePackage is the import path of the native helpers generated code calls, and RuntimeName
// the name it is imported under.
const (
	RuntimePackage = "gokernel/internal/rt"
	RuntimeName    = "_gkrt"
)

// A Cell is the source to compile. Seq is unique per evaluation (from 1) and is encoded in
// positions; Name is what positions show ("cell[3]").
type Cell struct {
	Seq  int
	Name string
	Src  string
}

// A Program is a compiled cell: chunks to evaluate in order.
type Program struct {
	Chunks []Chunk
	// Finally, if not nil, runs the cell's top-level defers: evaluate it after the chunks, also
	// when one failed (not after an interrupt).
	Finally *Chunk
	// TypeErrors are the errors the type check found in the cell (see types.go): show them,
	// rather than the interpreter's message, if the interpreter refuses the cell too.
	TypeErrors ErrorList
}

// A Chunk is one yaegi evaluation.
type Chunk struct {
	// Stmt tells a chunk of statements, which run code, from declarations, which only define.
	Stmt bool
	// Src is yaegi source: it starts with a declaration keyword (after a line directive) for
	// declarations, or with ';' for statements (yaegi picks its mode by the first token).
	Src string
	// Alt, when not empty, is compiled instead when Src does not compile: Src shows the value
	// of the cell's final expression and fails when that is a call without results.
	Alt string
	// Defs is what the chunk defines; record it in the Env once the chunk compiled.
	Defs Defs
	// Ranges are the range statements of the chunk left as they are. If yaegi fails with "nil
	// type", one may range over an integer (Go 1.22) yaegi cannot: name them.
	Ranges []Note
	// Units are the cell's declarations and statements in the chunk, for redefinitions
	// (redefine.go).
	Units []*Unit
	// Always marks generated statements that run no code of the cell (setting the vars of
	// funcs just declared): evaluate them even when the cell is being interrupted.
	Always bool
}

// A Note points at a piece of a cell.
type Note struct {
	Line, Col int
	Text      string
}

// Defs are the names a chunk defines.
type Defs struct {
	Imports map[string]string // package name -> import path
	Globals []string          // vars, consts, types and funcs
	Decls   map[string]string // "type T" or "method T.M" -> canonical source
	Funcs   []string          // funcs
	Ints    []string          // globals known to hold an integer
	Consts  []string          // constants
	// Where funcs and methods are declared, by the name yaegi gives their frames in panic
	// messages (main.f, main.M for a method, main._gkMain3 for a renamed main).
	Declared map[string]Pos
	FuncVars map[string]FuncVar // the vars of funcs (redefine.go)
	VarTypes map[string]string  // what is known of the types of vars (redefine.go)
	Types    TypeDefs           // what the type check of later cells sees of the declarations
}

// A Pos is a line and column in a cell.
type Pos struct{ Line, Col int }

// Env is what earlier cells defined. The session records each compiled chunk's Defs.
type Env struct {
	Imports map[string]string
	Globals map[string]bool
	Decls   map[string]string
	Funcs   map[string]bool
	Ints    map[string]bool
	Consts  map[string]bool
	// Package returns the package name for an import path, and whether the interpreter has it.
	Package func(path string) (name string, ok bool)
	// Generation counts the Records that defined something.
	Generation int
	// For redefinitions (redefine.go): the vars of funcs, what is known of the types of vars,
	// and how many times each global was defined.
	FuncVars map[string]FuncVar
	VarTypes map[string]string
	Gens     map[string]int
	// Types is what the type check knows of the session (types.go).
	Types TypeEnv
}

// NewEnv returns an empty Env using pkg to look up import paths.
func NewEnv(pkg func(path string) (string, bool)) *Env {
	return &Env{
		Imports: map[string]string{},
		Globals: map[string]bool{},
		Decls:   map[string]string{},
		Funcs:   map[string]bool{},
		Ints:    map[string]bool{},
		Consts:  map[string]bool{},
		Package: pkg,

		FuncVars: map[string]FuncVar{},
		VarTypes: map[string]string{},
		Gens:     map[string]int{},
	}
}

// Record adds what a compiled chunk defined.
func (e *Env) Record(d Defs) {
	if len(d.Imports)+len(d.Decls)+len(d.Globals)+len(d.Funcs) > 0 {
		e.Generation++
	}
	e.recordRedefinitions(d)
	for name, path := range d.Imports {
		e.Imports[name] = path
	}
	for k, v := range d.Decls {
		e.Decls[k] = v
	}
	for _, g := range d.Globals {
		e.Globals[g] = true
		// A redefinition may change what kind of value the name holds.
		delete(e.Ints, g)
		delete(e.Consts, g)
	}
	for _, f := range d.Funcs {
		e.Funcs[f] = true
	}
	for _, n := range d.Ints {
		e.Ints[n] = true
	}
	for _, n := range d.Consts {
		e.Consts[n] = true
	}
	e.Types.record(d.Types)
}

// An Error is a problem found before evaluation, at a line and column of the cell.
type Error struct {
	Line, Col int
	Msg       string
}

func (e Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// ErrorList is a list of errors, sorted by position.
type ErrorList []Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// unitKind says how a top-level piece of the cell is evaluated.
type unitKind int

const (
	importUnit unitKind = iota // import declaration
	declUnit                   // type, const, func or method: file mode
	varUnit                    // var declaration: statement mode, so it may use := globals
	defineUnit                 // x := ...: statement mode, defines globals
	stmtUnit                   // any other statement: inside a generated function
	callUnit                   // generated call of a renamed init or main
)

// A unit is a top-level declaration or statement of the cell.
type unit struct {
	kind       unitKind
	index      int // source order
	start, end int // range in the cell
	node       ast.Node
	defs       []string          // global names it defines
	uses       map[string]bool   // names it refers to that it does not declare itself
	skip       bool              // identical redeclaration: nothing to evaluate
	result     bool              // the final expression: its value is the cell's result
	showable   bool              // result: try showing the value (false: a call whose results are discarded)
	call       string            // the function a callUnit calls; "main" or "init" on a renamed func
	imports    []*ast.ImportSpec // importUnit: the specs earlier cells did not import
	ranges     []Note            // range statements left alone
	recorded   Defs              // what evaluating the unit defines

	// For redefinitions (redefine.go).
	funcVar    *FuncVar // a func's var
	newVar     bool     // declare it
	assign     bool     // a var unit run as an assignment to the session's variables
	binds, via []string // see Unit
	gen        string   // a declaration the compiler made up, in place of the cell's text
	regs       []string // statements to run after the unit's declaration (registerErrorMethods)
}

// compiler holds the state of compiling one cell.
type compiler struct {
	env  *Env
	cell Cell
	src  string

	fset   *token.FileSet
	deltas map[*token.File]int // cell offset = file offset + delta
	toks   []tok
	lines  []int

	units     []*unit
	edits     []edit
	errs      ErrorList
	imports   map[string]string // package names in scope: earlier cells and this one
	declared  map[string]bool   // every name declared anywhere in the cell
	funcs     map[string]bool   // funcs defined by this cell
	ints      map[string]bool   // globals of this cell known to hold integers
	consts    map[string]bool   // constants of this cell
	dotImport bool
	hasGoto   bool // a top-level goto: the cell's statements run in one function

	// For redefinitions (redefine.go).
	funcVars   map[string]*FuncVar           // the vars of the cell's funcs
	forwards   []*ast.Ident                  // funcs used as values, to forward through their vars
	redeclares map[string]bool               // globals the cell declares anew
	topDecls   map[any]bool                  // the cell's top-level := (the Decl of their objects)
	types      typeCheck                     // the type check's result (types.go)
	rangeFuncs map[*ast.RangeStmt]*rangeFunc // ranges over funcs to rewrite (rangefunc.go)
	genImports map[string]string             // imports generated code needs: alias -> path
	// topRangeDefers: a defer in a range over func at the top of the cell runs at its end.
	topRangeDefers bool
	generic        map[*ast.CallExpr]bool // calls rewritten into calls of a generic function
	named          map[*ast.Ident]bool    // function names rewriteGenericCalls wrote
	aliases        map[string]*unit       // type aliases made for type arguments, by the type's text
	aliasBefore    map[*unit][]*unit      // where they go: before the first unit using them
}

// Compile compiles a cell. The error, if any, is an ErrorList with positions in the cell.
func Compile(env *Env, cell Cell) (*Program, error) {
	c := &compiler{
		env:      env,
		cell:     cell,
		src:      cell.Src,
		fset:     token.NewFileSet(),
		deltas:   map[*token.File]int{},
		lines:    lineStarts(cell.Src),
		imports:  map[string]string{},
		declared: map[string]bool{},
		funcs:    map[string]bool{},
		ints:     map[string]bool{},
		consts:   map[string]bool{},

		funcVars:   map[string]*FuncVar{},
		redeclares: map[string]bool{},
		topDecls:   map[any]bool{},
	}
	for name, path := range env.Imports {
		c.imports[name] = path
	}
	c.toks = scan(c.src)
	if c.checkBrackets(); len(c.errs) > 0 {
		return nil, c.sorted()
	}
	for _, s := range split(c.src, c.toks) {
		c.parseSpan(s)
	}
	if c.checkDepth(); len(c.errs) > 0 {
		return nil, c.sorted()
	}
	c.classify()
	c.check()
	if len(c.errs) > 0 {
		return nil, c.sorted()
	}
	c.typecheck()
	c.classifyRedefinitions() // with the types the check found
	c.findRangeFuncs()
	c.rewrite()
	c.rewriteModern()
	c.rewriteRangeFuncs()
	if len(c.errs) > 0 {
		return nil, c.sorted()
	}
	c.finishFuncVars()
	c.recordTypes()
	c.placeAliases()
	c.registerErrorMethods()
	return &Program{Chunks: c.emit(c.order()), Finally: c.finally(), TypeErrors: c.types.errs}, nil
}

func (c *compiler) sorted() ErrorList {
	sort.SliceStable(c.errs, func(i, j int) bool {
		a, b := c.errs[i], c.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.errs
}

// off returns the cell offset of a position in a parsed piece.
func (c *compiler) off(pos token.Pos) int {
	f := c.fset.File(pos)
	return f.Offset(pos) + c.deltas[f]
}

// errorf records an error at a cell offset.
func (c *compiler) errorf(off int, format string, args ...any) {
	line, col := position(c.lines, off)
	c.errs = append(c.errs, Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// errorAt records an error at a node.
func (c *compiler) errorAt(n ast.Node, format string, args ...any) {
	c.errorf(c.off(n.Pos()), format, args...)
}

// text returns the cell's source of a node.
func (c *compiler) text(n ast.Node) string { return c.src[c.off(n.Pos()):c.off(n.End())] }

// parseSpan parses one span into units.
func (c *compiler) parseSpan(s span) {
	switch s.kind {
	case packageSpan:
		return // the cell is always package main
	case declSpan:
		const prefix = "package main;"
		f := c.parse(prefix+c.src[s.start:s.end], s.start-len(prefix), s.end)
		if f == nil {
			return
		}
		for _, d := range f.Decls {
			c.units = append(c.units, &unit{node: d, start: c.off(d.Pos()), end: c.off(d.End())})
		}
	case stmtSpan:
		const prefix = "package main;func _(){"
		f := c.parse(prefix+c.src[s.start:s.end]+"\n}", s.start-len(prefix), s.end)
		if f == nil || len(f.Decls) == 0 {
			return
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		for _, st := range body.List {
			if _, empty := st.(*ast.EmptyStmt); empty {
				continue
			}
			c.units = append(c.units, &unit{node: st, start: c.off(st.Pos()), end: c.off(st.End())})
		}
	}
}

// parse parses src, whose offset 0 is at cell offset delta; errors are clamped to before limit.
func (c *compiler) parse(src string, delta, limit int) *ast.File {
	f, err := parser.ParseFile(c.fset, "", src, 0)
	if err != nil {
		if list, ok := err.(scanner.ErrorList); ok {
			// The first syntax error is the one to fix; the others mostly follow from it.
			for _, e := range list[:1] {
				off := e.Pos.Offset + delta
				msg := nestingMessage(e.Msg)
				if off >= limit {
					// Past the cell's text: what the parser found is the end of our wrapper. Show
					// the error just after the last token.
					msg = strings.Replace(strings.Replace(msg, "found '}'", "found the end of the cell", 1), "found 'EOF'", "found the end of the cell", 1)
					off = len(strings.TrimRight(c.src[:min(limit, len(c.src))], " \t\r\n"))
				}
				off = max(0, min(off, limit, len(c.src)))
				c.errorf(off, "%s", msg)
			}
		} else {
			c.errorf(max(0, delta), "%v", err)
		}
		return nil
	}
	c.fset.Iterate(func(tf *token.File) bool {
		if _, ok := c.deltas[tf]; !ok {
			c.deltas[tf] = delta
		}
		return true
	})
	return f
}

// pkgName returns the name an import spec binds.
func (c *compiler) pkgName(spec *ast.ImportSpec, path string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	if c.env.Package != nil {
		if name, ok := c.env.Package(path); ok {
			return name
		}
	}
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[i+1:]
	}
	return path
}
