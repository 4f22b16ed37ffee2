//lint:file-ignore SA1019 go/parser's objects resolve a cell's loop variables well enough: a cell has no type information to offer.

package compile

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// rewrite records the source edits for the Go that yaegi gets wrong (see each rewrite).
func (c *compiler) rewrite() {
	for _, u := range c.units {
		if u.node == nil || u.skip || u.kind == importUnit {
			continue
		}
		switch {
		case u.assign:
			c.rewriteAssign(u) // see redefine.go
		case u.kind == defineUnit:
			c.rewriteDefineCommaOK(u.node.(*ast.AssignStmt))
		case u.kind == varUnit:
			c.rewriteVarCommaOK(u.node.(*ast.GenDecl))
		case u.kind == stmtUnit:
			if d, ok := u.node.(*ast.DeferStmt); ok {
				c.rewriteDefer(d)
			}
		}
		c.rewriteRecovers(u)
		c.rewriteRefs(u)
		comm := map[ast.Stmt]bool{}
		ast.Inspect(u.node, func(n ast.Node) bool {
			c.rewriteRecvValues(n, comm) // recv.go
			switch n := n.(type) {
			case *ast.GoStmt:
				c.rewriteGo(n)
			case *ast.RangeStmt:
				if c.rangeFuncs[n] != nil {
					break // rewriteRangeFuncs
				}
				if !c.rewriteRangeInt(n) && !c.rewriteRangeIntTyped(n) {
					c.rewriteRangeVars(n)
					u.ranges = append(u.ranges, c.rangeNote(n))
				}
			case *ast.ForStmt:
				c.rewriteForVars(n)
			case *ast.CallExpr:
				c.rewriteMinMax(n)
				c.rewritePrint(n)
			case *ast.CommClause:
				comm[n.Comm] = true
				c.rewriteSelectBranches(n)
			}
			return true
		})
	}
}

// ref refers to a node's source.
func (c *compiler) ref(n ast.Node) part { return ref(c.off(n.Pos()), c.off(n.End())) }

// replace records an edit replacing a node.
func (c *compiler) replace(n ast.Node, parts ...part) {
	c.edits = append(c.edits, edit{start: c.off(n.Pos()), end: c.off(n.End()), parts: parts})
}

// insert records an insertion at a position.
func (c *compiler) insert(pos token.Pos, parts ...part) {
	off := c.off(pos)
	c.edits = append(c.edits, edit{start: off, end: off, parts: parts})
}

// posString names a position for messages: cell[3]:2:5.
func (c *compiler) posString(pos token.Pos) string {
	line, col := position(c.lines, c.off(pos))
	name := c.cell.Name
	if name == "" {
		name = "cell"
	}
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// rewriteGo runs a go statement's goroutine under the runtime's Go, which recovers a panic
// instead of letting it end the process:
//
//	go f(x, 1)  =>  { _gkA0 := x; _gkrt.Go("cell[3]:2:1", func() func() { return func() { f(_gkA0, 1) } }()) }
//
// Arguments are evaluated at the go statement, as Go does; constants need no copy (and keep
// their untyped constant conversions). The goroutine's function is a closure made by a call,
// for two yaegi bugs: a func literal passed straight to a native function shares the frame it
// was written in (it sees later values of the copies), and a closure writes the frame it was
// made in when it returns, which races with the next iteration of a loop making the next
// closure there (a closure made in the call's own frame writes that frame instead).
func (c *compiler) rewriteGo(g *ast.GoStmt) {
	c.replace(g, c.deferredCall(g.Call, fmt.Sprintf("Go(%q, ", c.posString(g.Pos())))...)
}

// rewriteDefer makes a defer at the top level of a cell run at the end of the cell, as it would
// at the end of main: the statement runs in a generated function of its own, so it registers the
// call with the runtime (arguments evaluated now), which the Program's Finally chunk runs. The
// call is registered with the name of the function it calls, for recover (see recover.go).
//
//	defer f(x)  =>  { _gkA0 := x; _gkrt.Defer("f", func() func() { return func() { f(_gkA0) } }()) }
func (c *compiler) rewriteDefer(d *ast.DeferStmt) {
	c.replace(d, c.deferredCall(d.Call, "Defer("+strconv.Quote(c.deferID(d.Call))+", ")...)
}

// deferredCall returns the parts of a block that evaluates a call's function and arguments and
// passes a closure making the call to the runtime's function (rtCall is "Go(pos, " or "Defer(").
func (c *compiler) deferredCall(call *ast.CallExpr, rtCall string) []part {
	parts := []part{gen("{ ")}
	closure := c.callClosure(call, &parts)
	parts = append(parts, gen("%s.%s", RuntimeName, rtCall))
	parts = append(parts, closure...)
	return append(parts, gen(") }"))
}

// rewriteSelectBranches puts a labeled break or continue that is a statement of a select case
// in a block: yaegi ignores the label there and only leaves the select (measured with
// "case <-done: break loop" in a for loop; inside a block or an if it works).
func (c *compiler) rewriteSelectBranches(cc *ast.CommClause) {
	// yaegi breaks on a receive assigned to existing variables in a case
	// ("case x = <-ch:" leaves x unchanged, or panics with reflect.Select:
	// invalid Dir): receive into fresh names and assign them in the body.
	//
	//	case x, ok = <-ch:  =>  case _gkSel0, _gkSel1 := <-ch: x, ok = _gkSel0, _gkSel1;
	if a, ok := cc.Comm.(*ast.AssignStmt); ok && a.Tok == token.ASSIGN && len(a.Rhs) == 1 {
		if u, ok := a.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			tmps := make([]string, len(a.Lhs))
			for i := range a.Lhs {
				tmps[i] = fmt.Sprintf("_gkSel%d", i)
			}
			c.replace(a, gen("%s := ", strings.Join(tmps, ", ")), c.ref(u))
			assign := []part{gen(" ")}
			for i, l := range a.Lhs {
				if i > 0 {
					assign = append(assign, gen(", "))
				}
				assign = append(assign, c.ref(l))
			}
			assign = append(assign, gen(" = %s;", strings.Join(tmps, ", ")))
			c.insert(cc.Colon+1, assign...)
		}
	}
	for _, st := range cc.Body {
		if b, ok := st.(*ast.BranchStmt); ok && b.Label != nil && (b.Tok == token.BREAK || b.Tok == token.CONTINUE) {
			c.replace(b, gen("{ "), c.ref(b), gen(" }"))
		}
	}
}

// isStable reports whether an expression has the same value wherever it is evaluated:
// constants, func literals, package-level names of imported packages.
func (c *compiler) isStable(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit, *ast.FuncLit:
		return true
	case *ast.Ident:
		if e.Obj != nil {
			return e.Obj.Kind == ast.Con
		}
		return e.Name == "nil" || e.Name == "true" || e.Name == "false" || c.consts[e.Name] || c.env.Consts[e.Name]
	case *ast.SelectorExpr:
		return c.isPackage(e.X)
	case *ast.ParenExpr:
		return c.isStable(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.AND && e.Op != token.ARROW && c.isStable(e.X)
	case *ast.BinaryExpr:
		return c.isStable(e.X) && c.isStable(e.Y)
	}
	return false
}

// isPackage reports whether an expression is the name of an imported package.
func (c *compiler) isPackage(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Obj == nil && c.imports[id.Name] != ""
}

// needsFuncCopy reports whether the function of a go statement must be evaluated at the
// statement: a method value (its receiver), an element of a slice or map, a call's result.
func (c *compiler) needsFuncCopy(fun ast.Expr) bool {
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident, *ast.FuncLit, *ast.IndexListExpr:
		return false
	case *ast.SelectorExpr:
		return !c.isPackage(f.X)
	}
	return true
}

// rewriteRangeInt turns a range over an integer (Go 1.22) into a three-clause loop:
//
//	for i := range n {  =>  for _gkI, _gkN := (n)-(n), n; _gkI < _gkN; _gkI++ { i := _gkI;
//
// (n)-(n) gives the counter n's type. The copy gives each iteration its own i. It applies when
// n is visibly an integer and can be evaluated twice.
func (c *compiler) rewriteRangeInt(r *ast.RangeStmt) bool {
	if r.Tok == token.ASSIGN || !c.isInt(r.X, 0) || !isPure(r.X) {
		return false
	}
	x := c.ref(r.X)
	c.edits = append(c.edits, edit{start: c.off(r.For), end: c.off(r.Body.Lbrace), parts: []part{
		gen("for _gkI, _gkN := ("), x, gen(")-("), x, gen("), "), x, gen("; _gkI < _gkN; _gkI++ "),
	}})
	if id, ok := r.Key.(*ast.Ident); ok && id.Name != "_" {
		c.insert(r.Body.Lbrace+1, gen(" %s := _gkI; _ = %[1]s;", id.Name))
	}
	return true
}

// rangeNote describes a range the cell compiler left alone, for the message should yaegi fail on
// it: it might be over an integer.
func (c *compiler) rangeNote(r *ast.RangeStmt) Note {
	line, col := position(c.lines, c.off(r.X.Pos()))
	return Note{Line: line, Col: col, Text: c.text(r.X)}
}

// rewriteForVars gives each iteration of a three-clause loop its own variables (Go 1.22) when
// the body could keep one: a closure, a go statement or an address taken. Yaegi has one variable
// for the whole loop (the closures all see its last value). The header works on a renamed
// variable; the body starts with a copy under the original name:
//
//	for i := 0; i < 3; i++ {  =>  for _gkL_i := 0; _gkL_i < 3; _gkL_i++ { i := _gkL_i;
//
// A body that assigns the variable keeps the old semantics: its change would not reach the
// header.
func (c *compiler) rewriteForVars(f *ast.ForStmt) {
	init, ok := f.Init.(*ast.AssignStmt)
	if !ok || init.Tok != token.DEFINE {
		return
	}
	objs := map[*ast.Object]bool{}
	var names []string
	for _, e := range init.Lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" && id.Obj != nil {
			objs[id.Obj] = true
			names = append(names, id.Name)
		}
	}
	if len(names) == 0 || !keepsVars(f.Body, objs) || assigns(f.Body, objs) {
		return
	}
	for _, n := range []ast.Node{init, f.Cond, f.Post} {
		if n == nil {
			continue
		}
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && objs[id.Obj] {
				c.replace(id, gen("_gkL_%s", id.Name))
			}
			return true
		})
	}
	renamed := make([]string, len(names))
	for i, n := range names {
		renamed[i] = "_gkL_" + n
	}
	c.insert(f.Body.Lbrace+1, gen(" %s := %s; _ = %s;", strings.Join(names, ", "), strings.Join(renamed, ", "), names[0]))
}

// rewriteRangeVars gives each iteration of a range loop its own variables (Go 1.22), like
// rewriteForVars: for k, v := range x { => for _gkK, _gkV := range x { k, v := _gkK, _gkV;
func (c *compiler) rewriteRangeVars(r *ast.RangeStmt) {
	if r.Tok != token.DEFINE {
		return
	}
	objs := map[*ast.Object]bool{}
	var ids []*ast.Ident
	var names, renamed []string
	for i, e := range []ast.Expr{r.Key, r.Value} {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" || id.Obj == nil {
			continue
		}
		objs[id.Obj] = true
		ids = append(ids, id)
		names = append(names, id.Name)
		renamed = append(renamed, [...]string{"_gkK", "_gkV"}[i])
	}
	if len(names) == 0 || !keepsVars(r.Body, objs) {
		return
	}
	for i, id := range ids {
		c.replace(id, gen("%s", renamed[i]))
	}
	c.insert(r.Body.Lbrace+1, gen(" %s := %s; _ = %s;", strings.Join(names, ", "), strings.Join(renamed, ", "), names[0]))
}

// keepsVars reports whether a loop body may keep its loop variables beyond the iteration: it
// has a func literal, a go statement, or takes the address of one of them.
func keepsVars(body *ast.BlockStmt, objs map[*ast.Object]bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			found = true
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND && objs[id.Obj] {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether a body assigns one of the variables.
func assigns(body *ast.BlockStmt, objs map[*ast.Object]bool) bool {
	found := false
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && objs[id.Obj]
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if is(l) {
					found = true
				}
			}
		case *ast.IncDecStmt:
			if is(n.X) {
				found = true
			}
		}
		return !found
	})
	return found
}

// rewriteMinMax helps the prelude's generic min and max, which infer their type from the first
// argument: min(x) becomes (x), and an untyped constant first argument moves behind a typed one
// (min(0, f) would make f an int).
func (c *compiler) rewriteMinMax(call *ast.CallExpr) {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || id.Obj != nil || (id.Name != "min" && id.Name != "max") || c.funcs[id.Name] || c.env.Funcs[id.Name] ||
		call.Ellipsis.IsValid() || len(call.Args) == 0 {
		return
	}
	args := call.Args
	if len(args) == 1 {
		c.replace(call, gen("("), c.ref(args[0]), gen(")"))
		return
	}
	if !isConstLit(args[0]) {
		return
	}
	first := -1
	for i, a := range args {
		if !isConstLit(a) {
			first = i
			break
		}
	}
	if first < 0 {
		// All constants: a float one decides the type.
		for i, a := range args {
			if lit, ok := ast.Unparen(a).(*ast.BasicLit); ok && lit.Kind == token.FLOAT {
				first = i
				break
			}
		}
	}
	if first <= 0 {
		return
	}
	parts := []part{c.ref(args[first])}
	for i, a := range args {
		if i != first {
			parts = append(parts, gen(", "), c.ref(a))
		}
	}
	c.edits = append(c.edits, edit{start: c.off(args[0].Pos()), end: c.off(args[len(args)-1].End()), parts: parts})
}

// isConstLit reports whether an expression is an untyped constant literal, possibly negated.
func isConstLit(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD) && isConstLit(e.X)
	}
	return false
}

// rewriteDefineCommaOK rewrites the comma-ok forms yaegi fails on at global scope ("nil type"):
//
//	v, ok := m[k]     =>  v, ok := m[k], false; v, ok = m[k]
//	v, ok := x.(T)    =>  v, ok := *new(T), false; v, ok = x.(T)
//	_, ok := <any>    =>  ok := func() bool { _, _gkOK := <any>; return _gkOK }()
//
// A receive v, ok := <-ch cannot be rewritten without knowing ch's type: it is refused.
func (c *compiler) rewriteDefineCommaOK(a *ast.AssignStmt) {
	if len(a.Lhs) != 2 || len(a.Rhs) != 1 {
		return
	}
	l0, l1 := c.ref(a.Lhs[0]), c.ref(a.Lhs[1])
	parts, ok := c.commaOK(a.Lhs[0], a.Rhs[0])
	if !ok {
		return
	}
	if isBlank(a.Lhs[0]) {
		c.replace(a, append([]part{l1, gen(" := ")}, parts...)...)
		return
	}
	c.replace(a, append([]part{l0, gen(", "), l1, gen(" := ")}, append(parts, gen("; "), l0, gen(", "), l1, gen(" = "), c.ref(a.Rhs[0]))...)...)
}

// rewriteVarCommaOK does for var v, ok = m[k] what rewriteDefineCommaOK does for :=.
func (c *compiler) rewriteVarCommaOK(d *ast.GenDecl) {
	if len(d.Specs) != 1 {
		return
	}
	vs := d.Specs[0].(*ast.ValueSpec)
	if len(vs.Names) != 2 || len(vs.Values) != 1 || vs.Type != nil {
		return
	}
	parts, ok := c.commaOK(vs.Names[0], vs.Values[0])
	if !ok {
		return
	}
	l0, l1 := c.ref(vs.Names[0]), c.ref(vs.Names[1])
	if isBlank(vs.Names[0]) {
		c.replace(d, append([]part{gen("var "), l1, gen(" = ")}, parts...)...)
		return
	}
	c.replace(d, append([]part{gen("var "), l0, gen(", "), l1, gen(" = ")}, append(parts, gen("; "), l0, gen(", "), l1, gen(" = "), c.ref(vs.Values[0]))...)...)
}

// commaOK returns the value parts for a comma-ok rewrite of rhs, and false when rhs is not a
// comma-ok form.
func (c *compiler) commaOK(first ast.Expr, rhs ast.Expr) ([]part, bool) {
	x := c.ref(rhs)
	switch r := ast.Unparen(rhs).(type) {
	case *ast.IndexExpr, *ast.TypeAssertExpr, *ast.UnaryExpr:
		if u, ok := r.(*ast.UnaryExpr); ok && u.Op != token.ARROW {
			return nil, false
		}
		if t, ok := r.(*ast.TypeAssertExpr); ok && t.Type == nil {
			return nil, false
		}
		if isBlank(first) {
			return []part{gen("func() bool { _, _gkOK := "), x, gen("; return _gkOK }()")}, true
		}
		switch r := r.(type) {
		case *ast.IndexExpr:
			return []part{x, gen(", false")}, true
		case *ast.TypeAssertExpr:
			return []part{gen("*new("), c.ref(r.Type), gen("), false")}, true
		default:
			c.errorAt(rhs, "v, ok := <-ch is not supported at the top level of a cell (the interpreter fails on it); "+
				"declare the variables first (var v T; var ok bool) and assign them with v, ok = <-ch, or receive inside a func")
			return nil, false
		}
	}
	return nil, false
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// isInt reports whether an expression visibly has an integer type.
func (c *compiler) isInt(e ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.ParenExpr:
		return c.isInt(e.X, depth+1)
	case *ast.UnaryExpr:
		switch e.Op {
		case token.SUB, token.ADD, token.XOR:
			return c.isInt(e.X, depth+1)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.SHL, token.SHR:
			return c.isInt(e.X, depth+1)
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return c.isInt(e.X, depth+1) && c.isInt(e.Y, depth+1)
		}
	case *ast.CallExpr:
		id, ok := ast.Unparen(e.Fun).(*ast.Ident)
		if !ok || id.Obj != nil || c.funcs[id.Name] || c.env.Funcs[id.Name] {
			return false
		}
		return id.Name == "len" || id.Name == "cap" || intTypes[id.Name]
	case *ast.Ident:
		if e.Obj == nil {
			return c.ints[e.Name] || c.env.Ints[e.Name]
		}
		return c.objIsInt(e, depth)
	}
	return false
}

// objIsInt looks at the declaration of a local name.
func (c *compiler) objIsInt(id *ast.Ident, depth int) bool {
	switch d := id.Obj.Decl.(type) {
	case *ast.AssignStmt:
		if len(d.Lhs) != len(d.Rhs) {
			return false
		}
		for i, l := range d.Lhs {
			if l, ok := l.(*ast.Ident); ok && l.Obj == id.Obj {
				return c.isInt(d.Rhs[i], depth+1)
			}
		}
	case *ast.ValueSpec:
		if d.Type != nil {
			return isIntType(d.Type)
		}
		for i, n := range d.Names {
			if n.Obj == id.Obj && i < len(d.Values) && len(d.Values) == len(d.Names) {
				return c.isInt(d.Values[i], depth+1)
			}
		}
	case *ast.Field:
		return isIntType(d.Type)
	}
	return false
}

var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true, "rune": true,
}

// isIntType reports whether a type expression is a predeclared integer type.
func isIntType(t ast.Expr) bool {
	id, ok := t.(*ast.Ident)
	return ok && id.Obj == nil && intTypes[id.Name]
}

// isPure reports whether evaluating an expression twice is harmless.
func isPure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit, *ast.Ident:
		return true
	case *ast.ParenExpr:
		return isPure(e.X)
	case *ast.SelectorExpr:
		return isPure(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && isPure(e.X)
	case *ast.BinaryExpr:
		return isPure(e.X) && isPure(e.Y)
	case *ast.CallExpr:
		id, ok := ast.Unparen(e.Fun).(*ast.Ident)
		if !ok || !(id.Name == "len" || id.Name == "cap" || intTypes[id.Name]) {
			return false
		}
		for _, a := range e.Args {
			if !isPure(a) {
				return false
			}
		}
		return true
	}
	return false
}
