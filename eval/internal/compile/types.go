package compile

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The type check: each cell is checked with go/types against the session's earlier
// declarations, before it is rewritten. It gives the rewrites the types they need (the element
// types of a range over a func, the type arguments of a generic call, whether a range is over
// an integer of a named type) and the cell a better error than the interpreter's when the
// interpreter refuses it.
//
// The check is advisory: a cell it rejects still runs (the rewrites that need types are left
// out where types are missing), and its errors are shown only when the interpreter fails to
// compile the cell too (Program.TypeErrors). So a difference between the check and the
// interpreter, or a declaration of the session it can't see, never blocks a cell that runs.
//
// What the check sees of the session is source: the declarations of earlier cells as written
// (funcs and methods without their bodies) and a var declaration for each global with the type
// its cell's check found (an unknown type leaves the global invalid, which go/types then
// silently accepts everywhere). The cell itself is checked from the compiler's own syntax trees,
// so types are found by node: its declarations at package level, its statements in a function,
// in order, each := that redefines a name of the cell opening a block, as at the top of a cell.

// TypeEnv is what the type check keeps of the session, in the Env.
type TypeEnv struct {
	// Importer imports the packages cells can import; nil turns the check off.
	Importer types.Importer

	decls map[string]typeDecl // by name: "f", "T", "T.M" for a method
	seq   int
	// An index of decls, built when needed after a record: a declared name -> the keys of its
	// declarations, and a type name -> the keys of its methods.
	byName, methods map[string][]string
}

// A typeDecl is one declaration of the session, as the check sees it.
type typeDecl struct {
	src     string            // the declaration's source, or "var x T"
	names   []string          // the names it declares (a const group declares several)
	imports map[string]string // for a var's type: alias -> import path
	seq     int               // for a stable order
	uses    []string          // the names it refers to: the check of a cell takes what it needs
}

// TypeDefs are the declarations a chunk adds to the session's TypeEnv, by name.
type TypeDefs map[string]typeDecl

func (t *TypeEnv) record(d TypeDefs) {
	if len(d) == 0 {
		return
	}
	if t.decls == nil {
		t.decls = map[string]typeDecl{}
	}
	t.byName, t.methods = nil, nil
	for key, decl := range d {
		t.seq++
		decl.seq = t.seq
		decl.uses = declUses(decl.src)
		for _, n := range decl.names {
			delete(t.decls, n) // a declaration replaces every earlier one of its names
		}
		t.decls[key] = decl
	}
}

// declUses returns the names a declaration refers to that it does not declare.
func declUses(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+src, 0)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var uses []string
	useIdents(f, func(id *ast.Ident) {
		if id.Obj == nil && !seen[id.Name] {
			seen[id.Name] = true
			uses = append(uses, id.Name)
		}
	}, func(*ast.Ident) {})
	return uses
}

// unknownType is the name a global of unknown type is declared with: it is undefined, so the
// global is invalid in the check, which go/types accepts wherever it is used.
const unknownType = "_gkUnknown"

// A typeCheck is the result of checking one cell.
type typeCheck struct {
	info *types.Info
	pkg  *types.Package
	errs ErrorList // hard errors positioned in the cell
	ok   bool      // the check ran
}

// typecheck checks the cell with go/types, setting c.types.
func (c *compiler) typecheck() {
	if c.env.Types.Importer == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.types = typeCheck{} // a bug of the check must not stop the cell
		}
	}()
	cellDecls := map[string]bool{}
	for _, u := range c.units {
		for _, d := range u.defs {
			cellDecls[d] = true
		}
		if fd, ok := u.node.(*ast.FuncDecl); ok && fd.Recv != nil {
			cellDecls[recvTypeName(fd.Recv)+"."+fd.Name.Name] = true
		}
	}
	session, err := c.sessionFile(cellDecls, nil)
	if err != nil {
		return
	}
	cell := c.cellFile()
	tc := c.runCheck([]*ast.File{session, cell})
	// A func or var of the cell that uses a global the cell's statements define (x := 1 and
	// func f() int { return x } in one cell) sees it at package level: declare those with the
	// types the first check found, and check again.
	if extra := c.stmtGlobals(tc); len(extra) > 0 {
		session, err = c.sessionFile(cellDecls, extra)
		if err != nil {
			return
		}
		tc = c.runCheck([]*ast.File{session, c.cellFile()})
	}
	c.types = tc
}

// runCheck checks the files.
func (c *compiler) runCheck(files []*ast.File) typeCheck {
	tc := typeCheck{
		info: &types.Info{
			Types:     map[ast.Expr]types.TypeAndValue{},
			Instances: map[*ast.Ident]types.Instance{},
			Defs:      map[*ast.Ident]types.Object{},
			Uses:      map[*ast.Ident]types.Object{},
			Scopes:    map[ast.Node]*types.Scope{},
		},
		ok: true,
	}
	conf := types.Config{
		Importer:  c.env.Types.Importer,
		GoVersion: "go1.26",
		Error: func(err error) {
			te, ok := err.(types.Error)
			if !ok || te.Soft || !te.Pos.IsValid() {
				return // unused variables and imports are fine in a cell
			}
			f := c.fset.File(te.Pos)
			if _, inCell := c.deltas[f]; !inCell {
				return // in the session's declarations
			}
			if strings.HasSuffix(te.Msg, " is not used") && c.isResult(te.Pos) {
				return // len(s) as the cell's last line: its value is the result
			}
			line, col := position(c.lines, c.off(te.Pos))
			tc.errs = append(tc.errs, Error{Line: line, Col: col, Msg: te.Msg})
		},
	}
	tc.pkg, _ = conf.Check("main", c.fset, files, tc.info)
	return tc
}

// isResult tells the position of the cell's final expression, whose value is its result.
func (c *compiler) isResult(pos token.Pos) bool {
	for _, u := range c.units {
		if es, ok := u.node.(*ast.ExprStmt); ok && u.result && es.X.Pos() == pos {
			return true
		}
	}
	return false
}

// sessionFile parses the session's declarations (those the cell does not declare again) and
// extra var declarations.
func (c *compiler) sessionFile(cellDecls map[string]bool, extra map[string]string) (*ast.File, error) {
	var b strings.Builder
	b.WriteString("package main\n")
	imports := map[string]string{}
	for name, p := range c.env.Imports {
		imports[name] = p
	}
	var decls []typeDecl
	for key, d := range c.neededDecls() {
		if cellDecls[key] {
			continue
		}
		skip := false
		for _, n := range d.names {
			skip = skip || cellDecls[n]
		}
		if skip {
			continue
		}
		decls = append(decls, d)
		for alias, p := range d.imports {
			imports[alias] = p
		}
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].seq < decls[j].seq })
	for _, n := range slices.Sorted(maps.Keys(imports)) {
		fmt.Fprintf(&b, "import %s %q\n", n, imports[n])
	}
	for _, d := range decls {
		b.WriteString(d.src)
		b.WriteString("\n")
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		fmt.Fprintf(&b, "var %s %s\n", k, extra[k])
	}
	return parser.ParseFile(c.fset, "", b.String(), parser.SkipObjectResolution)
}

// neededDecls returns the session's declarations the cell refers to, and those they refer to, in
// turn, with the methods of the types among them: the check of a cell costs what the cell uses,
// not what the session holds.
func (c *compiler) neededDecls() map[string]typeDecl {
	te := &c.env.Types
	all := te.decls
	if te.byName == nil {
		te.byName, te.methods = map[string][]string{}, map[string][]string{}
		for key, d := range all {
			for _, n := range d.names {
				if recv, _, ok := strings.Cut(n, "."); ok {
					te.methods[recv] = append(te.methods[recv], key)
				} else {
					te.byName[n] = append(te.byName[n], key)
				}
			}
		}
	}
	byName, methods := te.byName, te.methods
	need := map[string]typeDecl{}
	var queue []string
	add := func(name string) {
		for _, key := range byName[name] {
			if _, ok := need[key]; !ok {
				need[key] = all[key]
				queue = append(queue, key)
			}
		}
	}
	for _, u := range c.units {
		for n := range u.uses {
			add(n)
		}
	}
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		d := need[key]
		for _, n := range d.uses {
			add(n)
		}
		for _, n := range d.names {
			for _, m := range methods[n] {
				if _, ok := need[m]; !ok {
					need[m] = all[m]
					queue = append(queue, m)
				}
			}
		}
	}
	return need
}

// cellFile builds the file the check sees of the cell from the compiler's syntax trees: imports
// (the cell's and, for what it doesn't import again, the session's), declarations, and the
// statements in a function.
func (c *compiler) cellFile() *ast.File {
	f := &ast.File{Name: ast.NewIdent("main")}
	cellImports := map[string]bool{}
	for _, u := range c.units {
		if u.kind != importUnit {
			continue
		}
		for _, s := range u.node.(*ast.GenDecl).Specs {
			spec := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(spec.Path.Value)
			cellImports[c.pkgName(spec, p)] = true
		}
	}
	var specs []ast.Spec
	for _, n := range slices.Sorted(maps.Keys(c.env.Imports)) {
		if !cellImports[n] {
			specs = append(specs, &ast.ImportSpec{Name: ast.NewIdent(n), Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(c.env.Imports[n])}})
		}
	}
	if len(specs) > 0 {
		f.Decls = append(f.Decls, &ast.GenDecl{Tok: token.IMPORT, Specs: specs})
	}
	var body []ast.Stmt
	blocks := []*[]ast.Stmt{&body} // the innermost block last
	defined := map[string]bool{}   // names := defined in the innermost block
	for _, u := range c.units {
		switch u.kind {
		case importUnit, declUnit, varUnit:
			if d, ok := u.node.(ast.Decl); ok {
				f.Decls = append(f.Decls, d)
			}
		case defineUnit, stmtUnit:
			st, ok := u.node.(ast.Stmt)
			if !ok {
				continue
			}
			if a, ok := st.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
				redefines := false
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok && defined[id.Name] {
						redefines = true
					}
				}
				if redefines { // x := 1; ...; x := "s": a new block, as the cell means
					inner := &ast.BlockStmt{Lbrace: st.Pos(), Rbrace: c.units[len(c.units)-1].node.End()}
					*blocks[len(blocks)-1] = append(*blocks[len(blocks)-1], inner)
					blocks = append(blocks, &inner.List)
					defined = map[string]bool{}
				}
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						defined[id.Name] = true
					}
				}
			}
			if es, ok := st.(*ast.ExprStmt); ok && u.result {
				if _, call := ast.Unparen(es.X).(*ast.CallExpr); !call {
					// The cell's result: a value, not an unused expression.
					st = &ast.AssignStmt{Lhs: []ast.Expr{&ast.Ident{Name: "_", NamePos: es.Pos()}}, Tok: token.ASSIGN, TokPos: es.Pos(), Rhs: []ast.Expr{es.X}}
				}
			}
			*blocks[len(blocks)-1] = append(*blocks[len(blocks)-1], st)
		}
	}
	if len(body) > 0 {
		fn := &ast.FuncDecl{
			Name: ast.NewIdent("_gkCell"),
			Type: &ast.FuncType{Func: body[0].Pos(), Params: &ast.FieldList{}},
			Body: &ast.BlockStmt{Lbrace: body[0].Pos(), List: body, Rbrace: body[len(body)-1].End()},
		}
		f.Decls = append(f.Decls, fn)
	}
	// Imports first, as go/types wants them.
	sort.SliceStable(f.Decls, func(i, j int) bool {
		gi, iok := f.Decls[i].(*ast.GenDecl)
		gj, jok := f.Decls[j].(*ast.GenDecl)
		return iok && gi.Tok == token.IMPORT && !(jok && gj.Tok == token.IMPORT)
	})
	return f
}

// stmtGlobals returns the globals the cell's statements define that its declarations use, with
// their types as the check found them.
func (c *compiler) stmtGlobals(tc typeCheck) map[string]string {
	used := map[string]bool{}
	for _, u := range c.units {
		if u.kind == declUnit || u.kind == varUnit {
			for n := range u.uses {
				used[n] = true
			}
		}
	}
	extra := map[string]string{}
	for _, u := range c.units {
		a, ok := u.node.(*ast.AssignStmt)
		if u.kind != defineUnit || !ok {
			continue
		}
		for _, l := range a.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok || !used[id.Name] {
				continue
			}
			t := unknownType
			if obj := tc.info.Defs[id]; obj != nil {
				if s, _, ok := c.sessionType(obj.Type(), tc.pkg); ok {
					t = s
				}
			}
			extra[id.Name] = t
		}
	}
	return extra
}

// sessionType writes a type for the session's declarations: package main's types by name, other
// packages' under aliases (returned), iterator types as they are. It fails for a type that can't
// be named at package level (a func's local type).
func (c *compiler) sessionType(t types.Type, pkg *types.Package) (string, map[string]string, bool) {
	imports := map[string]string{}
	ok := true
	s := types.TypeString(t, func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		alias := "_gkq_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(p.Path())
		imports[alias] = p.Path()
		return alias
	})
	var visit func(types.Type)
	seen := map[types.Type]bool{}
	visit = func(t types.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			obj := t.Obj()
			if obj.Pkg() == pkg && obj.Parent() != pkg.Scope() {
				ok = false // a local type
			}
			if obj.Pkg() != nil && obj.Pkg() != pkg && !obj.Exported() {
				ok = false
			}
			for i := range t.TypeArgs().Len() {
				visit(t.TypeArgs().At(i))
			}
		case *types.Alias:
			visit(types.Unalias(t))
		case *types.Pointer:
			visit(t.Elem())
		case *types.Slice:
			visit(t.Elem())
		case *types.Array:
			visit(t.Elem())
		case *types.Map:
			visit(t.Key())
			visit(t.Elem())
		case *types.Chan:
			visit(t.Elem())
		case *types.Signature:
			for i := range t.Params().Len() {
				visit(t.Params().At(i).Type())
			}
			for i := range t.Results().Len() {
				visit(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := range t.NumFields() {
				visit(t.Field(i).Type())
			}
		case *types.Basic:
			if t.Kind() == types.Invalid || t.Info()&types.IsUntyped != 0 {
				ok = false
			}
		case *types.Tuple, *types.TypeParam:
			ok = false
		}
	}
	visit(t)
	return s, imports, ok
}

// recordTypes records, for each unit, what the later cells' checks need to know of what it
// declares.
func (c *compiler) recordTypes() {
	if !c.types.ok {
		return
	}
	for _, u := range c.units {
		if u.skip {
			continue
		}
		td := TypeDefs{}
		switch n := u.node.(type) {
		case *ast.FuncDecl:
			name := n.Name.Name
			if n.Recv == nil && n.Type.TypeParams == nil && (name == "main" || name == "init") {
				continue // run once by its cell
			}
			key := name
			if n.Recv != nil {
				key = recvTypeName(n.Recv) + "." + name
			}
			src := c.src[c.off(n.Pos()):c.off(n.End())]
			if n.Body != nil {
				src = c.src[c.off(n.Pos()):c.off(n.Body.Lbrace)]
			}
			names := []string{key}
			td[key] = typeDecl{src: src, names: names}
		case *ast.GenDecl:
			switch n.Tok {
			case token.TYPE, token.CONST:
				var names []string
				for _, s := range n.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names = append(names, s.Name.Name)
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.Name != "_" {
								names = append(names, id.Name)
							}
						}
					}
				}
				if len(names) > 0 {
					td[names[0]] = typeDecl{src: c.text(n), names: names}
				}
			case token.VAR:
				for _, s := range n.Specs {
					for _, id := range s.(*ast.ValueSpec).Names {
						c.recordVar(td, id)
					}
				}
			}
		case *ast.AssignStmt:
			if u.kind == defineUnit {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						c.recordVar(td, id)
					}
				}
			}
		}
		if len(td) > 0 {
			u.recorded.Types = td
		}
	}
}

// recordVar records a global variable with its type, or as unknown.
func (c *compiler) recordVar(td TypeDefs, id *ast.Ident) {
	if id.Name == "_" {
		return
	}
	src := "var " + id.Name + " = " + unknownType
	var imports map[string]string
	if obj := c.types.info.Defs[id]; obj != nil {
		if s, imp, ok := c.sessionType(obj.Type(), c.types.pkg); ok {
			src, imports = "var "+id.Name+" "+s, imp
		}
	}
	td[id.Name] = typeDecl{src: src, names: []string{id.Name}, imports: imports}
}

// typeOf returns the type the check found for an expression of the cell, or nil.
func (c *compiler) typeOf(e ast.Expr) types.Type {
	if !c.types.ok {
		return nil
	}
	tv, ok := c.types.info.Types[e]
	if !ok || tv.Type == nil {
		return nil
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Kind() == types.Invalid {
		return nil
	}
	return tv.Type
}

// typeSet returns the underlying types a value of type t can have: t's underlying type, or for a
// type parameter those of the types its constraint lists (a superset when it embeds several);
// false when the constraint lists none (any, comparable, methods only).
func typeSet(t types.Type) ([]types.Type, bool) {
	tp, ok := types.Unalias(t).(*types.TypeParam)
	if !ok {
		return []types.Type{t.Underlying()}, true
	}
	return constraintTerms(tp.Constraint(), 0)
}

func constraintTerms(c types.Type, depth int) ([]types.Type, bool) {
	iface, ok := c.Underlying().(*types.Interface)
	if !ok || depth > 8 {
		return nil, false
	}
	var out []types.Type
	for i := range iface.NumEmbeddeds() {
		terms := []types.Type{iface.EmbeddedType(i)}
		if u, ok := types.Unalias(terms[0]).(*types.Union); ok {
			terms = terms[:0]
			for j := range u.Len() {
				terms = append(terms, u.Term(j).Type())
			}
		}
		for _, t := range terms {
			if !types.IsInterface(t) {
				out = append(out, t.Underlying())
				continue
			}
			inner, ok := constraintTerms(t, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, inner...)
		}
	}
	return out, len(out) > 0
}
