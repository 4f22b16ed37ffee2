package compile

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Range over a function (Go 1.23), which the interpreter can't run, becomes a call of the
// function with the loop body as the yield callback:
//
//	for k, v := range seq {          {  var _gkS3_1 int
//		body                      =>     seq(func(k K, v V) bool { if _gkS3_1 != 0 { panic(...) }; body; return true })
//	}                                    _gkS3_1 = 2 }
//
// K and V come from the type check. Each callback call has its own k and v, as each iteration
// has in Go. In the body, continue is return true and break is return false. A break or continue
// to a label outside the body, and a return, can't be written in the callback: it sets the
// loop nest's _gkNext to a code saying what to do, returns false, and after the call the code is
// done (break L, continue L, return the values kept in _gkR temporaries), or, in a nest of such
// loops, passed on by returning false again. A defer in the body registers the call on a list
// that runs when the function the loop is in returns (for a cell's top level, when the cell
// ends), as Go runs it. The state variable _gkS makes a yield called after the body returned
// false, or after the loop, panic as in Go. A goto out of the body is refused, and a recover in
// a call deferred in it.

// A rangeFunc is a range over a function of the cell.
type rangeFunc struct {
	node   *ast.RangeStmt
	id     string     // names its state variable _gkS<id>
	parent *rangeFunc // the range over func whose body it is in, in the same function
	root   *rangeFunc // the outermost of the nest
	fn     *funcCtx
	params []string // the yield function's parameter types, as the interpreter reads them

	// Lines after the call, in order: specific codes first, then passing the rest on.
	dispatch []string
	pass     bool // pass pending codes on to the parent

	// Of a root: what the nest needs declared before the call.
	next    bool           // _gkNext
	codes   map[string]int // "break L", "continue L" -> code
	results bool           // _gkR temporaries for return values
	defers  bool           // a defer list
}

// A funcCtx is a function whose body holds ranges over funcs: a func, a func literal, or the
// generated function running a statement at the top of a cell (node nil).
type funcCtx struct {
	node    ast.Node
	results *ast.FieldList
	named   bool // its results are named
	labels  map[string]*ast.LabeledStmt
}

// findRangeFuncs finds the ranges over funcs the check typed, so that the other rewrites of
// range statements leave them alone.
func (c *compiler) findRangeFuncs() {
	if !c.types.ok {
		return
	}
	for _, u := range c.units {
		if u.node == nil || u.skip || u.kind == importUnit {
			continue
		}
		ast.Inspect(u.node, func(n ast.Node) bool {
			r, ok := n.(*ast.RangeStmt)
			if !ok {
				return true
			}
			if params, ok := c.yieldParams(r); ok {
				if c.rangeFuncs == nil {
					c.rangeFuncs = map[*ast.RangeStmt]*rangeFunc{}
				}
				c.rangeFuncs[r] = &rangeFunc{node: r, params: params}
			}
			return true
		})
	}
}

// yieldParams returns the parameter types of the yield function of a range over a func.
func (c *compiler) yieldParams(r *ast.RangeStmt) ([]string, bool) {
	t := c.typeOf(r.X)
	if t == nil {
		return nil, false
	}
	// A func, or a type parameter whose types are all the same func type.
	set, ok := typeSet(t)
	if !ok {
		return nil, false
	}
	sig, ok := set[0].(*types.Signature)
	for _, u := range set[1:] {
		ok = ok && types.Identical(u, sig)
	}
	if !ok || sig.Params().Len() != 1 || sig.Results().Len() != 0 {
		return nil, false
	}
	yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok || yield.Results().Len() != 1 || yield.Params().Len() > 2 {
		return nil, false
	}
	if b, ok := yield.Results().At(0).Type().Underlying().(*types.Basic); !ok || b.Kind() != types.Bool {
		return nil, false
	}
	params := make([]string, yield.Params().Len())
	for i := range params {
		s, ok := c.yaegiType(yield.Params().At(i).Type(), r.Pos())
		if !ok {
			c.errorAt(r.X, "range over %s: the cell compiler can't write the type %s of its values here; "+
				"call the function with a yield func instead: %s(func(...) bool { ...; return true })",
				c.text(r.X), yield.Params().At(i).Type(), c.text(r.X))
			return nil, false
		}
		params[i] = s
	}
	return params, true
}

// rewriteRangeFuncs records the edits of the ranges over funcs of every unit.
func (c *compiler) rewriteRangeFuncs() {
	if len(c.rangeFuncs) == 0 {
		return
	}
	n := 0
	for _, u := range c.units {
		if u.node == nil || u.skip || u.kind == importUnit {
			continue
		}
		var stack []ast.Node
		var ctxs []*funcCtx
		top := &funcCtx{labels: map[string]*ast.LabeledStmt{}}
		if fd, ok := u.node.(*ast.FuncDecl); ok {
			top = c.newFuncCtx(fd, fd.Type)
		}
		ctxs = append(ctxs, top)
		if _, ok := u.node.(*ast.FuncDecl); !ok {
			collectLabels(u.node, top.labels)
		}
		var loops []*rangeFunc // in source order
		type branch struct {
			node  ast.Stmt
			stack []ast.Node
			fn    *funcCtx
		}
		var branches []branch
		ast.Inspect(u.node, func(nd ast.Node) bool {
			if nd == nil {
				if len(stack) > 0 {
					if _, ok := stack[len(stack)-1].(*ast.FuncLit); ok {
						ctxs = ctxs[:len(ctxs)-1]
					}
					stack = stack[:len(stack)-1]
				}
				return true
			}
			fn := ctxs[len(ctxs)-1]
			switch nd := nd.(type) {
			case *ast.FuncLit:
				ctxs = append(ctxs, c.newFuncCtx(nd, nd.Type))
			case *ast.RangeStmt:
				if rf := c.rangeFuncs[nd]; rf != nil {
					n++
					rf.id = fmt.Sprintf("%d_%d", c.cell.Seq, n)
					rf.fn = fn
					rf.parent = enclosingRangeFunc(c.rangeFuncs, stack)
					rf.root = rf
					if rf.parent != nil {
						rf.root = rf.parent.root
					}
					loops = append(loops, rf)
				}
			case *ast.BranchStmt, *ast.ReturnStmt, *ast.DeferStmt:
				if enclosingRangeFunc(c.rangeFuncs, stack) != nil {
					branches = append(branches, branch{nd.(ast.Stmt), append([]ast.Node(nil), stack...), fn})
				}
			}
			stack = append(stack, nd)
			return true
		})
		for _, b := range branches {
			c.rangeBranch(b.node, b.stack, b.fn)
		}
		for _, rf := range loops {
			c.emitRangeFunc(rf)
		}
	}
}

func (c *compiler) newFuncCtx(n ast.Node, ft *ast.FuncType) *funcCtx {
	fc := &funcCtx{node: n, results: ft.Results, labels: map[string]*ast.LabeledStmt{}}
	if ft.Results != nil && len(ft.Results.List) > 0 && len(ft.Results.List[0].Names) > 0 {
		fc.named = true
	}
	var body *ast.BlockStmt
	switch n := n.(type) {
	case *ast.FuncDecl:
		body = n.Body
	case *ast.FuncLit:
		body = n.Body
	}
	if body != nil {
		collectLabels(body, fc.labels)
	}
	return fc
}

// collectLabels finds the labels of a function body, not those of func literals in it.
func collectLabels(n ast.Node, labels map[string]*ast.LabeledStmt) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.LabeledStmt:
			labels[n.Label.Name] = n
		}
		return true
	})
}

// enclosingRangeFunc returns the innermost range over func whose body the top of the stack is
// in, in the same function.
func enclosingRangeFunc(rfs map[*ast.RangeStmt]*rangeFunc, stack []ast.Node) *rangeFunc {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		case *ast.RangeStmt:
			if rf := rfs[n]; rf != nil && i+1 < len(stack) && stack[i+1] == n.Body {
				return rf
			}
		}
	}
	return nil
}

// inside reports whether node n is in the body of the range r.
func (c *compiler) inside(n ast.Node, r *ast.RangeStmt) bool {
	return c.off(n.Pos()) > c.off(r.Body.Lbrace) && c.off(n.End()) <= c.off(r.Body.Rbrace)
}

// rangeBranch rewrites a break, continue, goto, return or defer in the body of a range over
// func that leaves the body.
func (c *compiler) rangeBranch(st ast.Stmt, stack []ast.Node, fn *funcCtx) {
	inner := enclosingRangeFunc(c.rangeFuncs, stack)
	if d, ok := st.(*ast.DeferStmt); ok {
		c.rangeDefer(d, inner)
		return
	}
	// The statement the branch goes to (nil: out of the function).
	var target ast.Node
	kind := "return"
	if b, ok := st.(*ast.BranchStmt); ok {
		kind = b.Tok.String()
		switch {
		case b.Tok == token.FALLTHROUGH:
			return
		case b.Tok == token.GOTO:
			l := fn.labels[b.Label.Name]
			if l != nil && !c.inside(l, inner.node) {
				c.errorAt(b, "goto %s leaves the body of a range over a function, which runs as a callback: "+
					"not supported; use break or continue with a label, or a flag", b.Label.Name)
			}
			return
		case b.Label != nil:
			l := fn.labels[b.Label.Name]
			if l == nil {
				return // the check reports it
			}
			target = l.Stmt
		default:
			target = innermostTarget(stack, b.Tok)
		}
		if target == nil || c.inside(target, inner.node) {
			return // stays in the body
		}
	}
	// The ranges over funcs it leaves, innermost first; the last may be the target.
	var chain []*rangeFunc
	for rf := inner; rf != nil; rf = rf.parent {
		if target != nil && target != ast.Node(rf.node) && c.inside(target, rf.node) {
			break
		}
		chain = append(chain, rf)
		if target == ast.Node(rf.node) {
			break
		}
	}
	last := chain[len(chain)-1]
	toLast := target == ast.Node(last.node) // break or continue of a range over func
	root := inner.root
	if len(chain) == 1 && toLast {
		if kind == "continue" {
			c.replace(st, gen("return true"))
		} else {
			c.replace(st, gen("{ _gkS%s = 1; return false }", inner.id))
		}
		return
	}
	code := rangeCode(root, st, kind)
	parts := []part{gen("{ ")}
	if r, ok := st.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
		root.results = true
		parts = append(parts, gen("%s = ", resultTemps(root, c.resultCount(fn))))
		for i, e := range r.Results {
			if i > 0 {
				parts = append(parts, gen(", "))
			}
			parts = append(parts, c.ref(e))
		}
		parts = append(parts, gen("; "))
	}
	parts = append(parts, gen("_gkNext%s = %d; _gkS%s = 1; return false }", root.id, code, inner.id))
	c.replace(st, parts...)
	// After each call the code passes through: passed on, or done after the last.
	for i, rf := range chain {
		switch {
		case i+1 < len(chain) && i+2 == len(chain) && toLast:
			// The parent is the target: its callback returns.
			if kind == "continue" {
				rf.addDispatch(fmt.Sprintf("if _gkNext%s == %d { _gkNext%[1]s = 0; return true }", root.id, code))
			} else {
				rf.addDispatch(fmt.Sprintf("if _gkNext%s == %d { _gkNext%[1]s = 0; _gkS%[3]s = 1; return false }", root.id, code, chain[i+1].id))
			}
		case i+1 < len(chain):
			rf.pass = true
		case !toLast:
			rf.addDispatch(fmt.Sprintf("if _gkNext%s == %d { _gkNext%[1]s = 0; %[3]s }", root.id, code, c.rangeDone(root, st, kind, fn)))
		}
	}
}

// innermostTarget returns the statement an unlabeled break or continue goes to.
func innermostTarget(stack []ast.Node, tok token.Token) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncLit:
			return nil
		case *ast.ForStmt, *ast.RangeStmt:
			return n
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if tok == token.BREAK {
				return n
			}
		}
	}
	return nil
}

func (rf *rangeFunc) addDispatch(line string) {
	for _, l := range rf.dispatch {
		if l == line {
			return
		}
	}
	rf.dispatch = append(rf.dispatch, line)
}

// rangeCode returns the code of a branch out of a nest: -1 a return with values, -2 a return
// without, and a positive code per labeled break or continue.
func rangeCode(root *rangeFunc, st ast.Stmt, kind string) int {
	root.next = true
	if r, ok := st.(*ast.ReturnStmt); ok {
		if len(r.Results) > 0 {
			return -1
		}
		return -2
	}
	key := kind + " " + st.(*ast.BranchStmt).Label.Name
	if root.codes == nil {
		root.codes = map[string]int{}
	}
	if code, ok := root.codes[key]; ok {
		return code
	}
	code := len(root.codes) + 1
	root.codes[key] = code
	return code
}

// rangeDone returns the statement that completes a branch after the outermost call.
func (c *compiler) rangeDone(root *rangeFunc, st ast.Stmt, kind string, fn *funcCtx) string {
	if r, ok := st.(*ast.ReturnStmt); ok {
		if len(r.Results) > 0 {
			return "return " + resultTemps(root, c.resultCount(fn))
		}
		return "return"
	}
	return kind + " " + st.(*ast.BranchStmt).Label.Name
}

// resultCount returns how many results a function has.
func (c *compiler) resultCount(fn *funcCtx) int {
	n := 0
	if fn.results != nil {
		for _, f := range fn.results.List {
			n += max(1, len(f.Names))
		}
	}
	return n
}

func resultTemps(root *rangeFunc, n int) string {
	temps := make([]string, n)
	for i := range temps {
		temps[i] = fmt.Sprintf("_gkR%s_%d", root.id, i)
	}
	return strings.Join(temps, ", ")
}

// rangeDefer makes a defer in the body of a range over func register its call on the nest's
// list, which runs when the function ends.
func (c *compiler) rangeDefer(d *ast.DeferStmt, inner *rangeFunc) {
	recovers := false
	ast.Inspect(d.Call, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "recover" && id.Obj == nil {
				recovers = true
			}
		}
		return !recovers
	})
	if recovers {
		c.errorAt(d, "recover in a call deferred in the body of a range over a function is not supported "+
			"(the body runs as a callback); defer the recovering func before the loop")
		return
	}
	inner.root.defers = true
	parts := []part{gen("{ ")}
	closure := c.callClosure(d.Call, &parts)
	parts = append(parts, gen("_gkD%s = append(_gkD%[1]s, ", inner.root.id))
	parts = append(parts, closure...)
	parts = append(parts, gen(") }"))
	c.replace(d, parts...)
}

// callClosure adds to parts the statements evaluating a call's function and arguments now, and
// returns the parts of a func() making the call later with them (see deferredCall).
func (c *compiler) callClosure(call *ast.CallExpr, parts *[]part) []part {
	args := make([]part, len(call.Args))
	for i, a := range call.Args {
		if c.isStable(a) {
			args[i] = c.ref(a)
			continue
		}
		name := fmt.Sprintf("_gkA%d", i)
		*parts = append(*parts, gen("%s := ", name), c.ref(a), gen("; "))
		args[i] = genAt(c.off(a.Pos()), name)
	}
	fun := c.ref(call.Fun)
	if c.needsFuncCopy(call.Fun) {
		*parts = append(*parts, gen("_gkM := "), fun, gen("; "))
		fun = genAt(c.off(call.Fun.Pos()), "_gkM")
	}
	closure := []part{gen("func() func() { return func() { "), fun, gen("(")}
	for i, a := range args {
		if i > 0 {
			closure = append(closure, gen(", "))
		}
		closure = append(closure, a)
	}
	if call.Ellipsis.IsValid() {
		closure = append(closure, gen("..."))
	}
	return append(closure, gen(") } }()"))
}

// emitRangeFunc replaces a range over func by the call of the function with its body.
func (c *compiler) emitRangeFunc(rf *rangeFunc) {
	r := rf.node
	parts := []part{gen("{ ")}
	if rf.root == rf {
		if rf.next {
			parts = append(parts, gen("var _gkNext%s int; _ = _gkNext%[1]s; ", rf.id))
		}
		if rf.results {
			i := 0
			for _, f := range rf.fn.results.List {
				for range max(1, len(f.Names)) {
					parts = append(parts, gen("var _gkR%s_%d ", rf.id, i), c.ref(f.Type), gen("; "))
					i++
				}
			}
		}
		if rf.defers {
			parts = append(parts, gen("var _gkD%s []func(); ", rf.id))
			// RunDefers runs the calls last first, each even if one panics, as deferred calls
			// run (in interpreted code, a defer of a loop's func variable calls the last one).
			run := fmt.Sprintf("func() { %s.RunDefers(_gkD%s) }", NativeName, rf.id)
			if rf.fn.node == nil {
				// At the top of a cell: at the end of the cell, like the cell's own defers. Its
				// calls can't recover (rangeDefer refuses that): no id for recover (recover.go).
				c.topRangeDefers = true
				parts = append(parts, gen("%s.Defer(\"\", func() func() { return %s }()); ", RuntimeName, run))
			} else {
				parts = append(parts, gen("defer %s(); ", run))
			}
		}
	}
	parts = append(parts, gen("var _gkS%s int; ", rf.id), c.ref(r.X), gen("(func("))
	names := []ast.Expr{r.Key, r.Value}
	var assign []part
	for i, t := range rf.params {
		if i > 0 {
			parts = append(parts, gen(", "))
		}
		name := "_"
		if i < len(names) && names[i] != nil {
			switch {
			case r.Tok == token.ASSIGN:
				name = fmt.Sprintf("_gkP%d", i)
				if len(assign) > 0 {
					assign = append(assign, gen(" "))
				}
				assign = append(assign, c.ref(names[i]), gen(" = %s;", name))
			case names[i].(*ast.Ident).Name != "_":
				name = names[i].(*ast.Ident).Name
			}
		}
		parts = append(parts, gen("%s %s", name, t))
	}
	parts = append(parts, gen(") bool { if _gkS%s != 0 { panic(%s.RangeError(_gkS%[1]s)) }; ", rf.id, NativeName))
	parts = append(parts, assign...)
	parts = append(parts, ref(c.off(r.Body.Lbrace)+1, c.off(r.Body.Rbrace)), gen("\nreturn true }); _gkS%s = 2", rf.id))
	for _, l := range rf.dispatch {
		parts = append(parts, gen("; %s", l))
	}
	if rf.pass && rf.parent != nil {
		parts = append(parts, gen("; if _gkNext%s != 0 { _gkS%s = 1; return false }", rf.root.id, rf.parent.id))
	}
	parts = append(parts, gen(" }"))
	c.replace(r, parts...)
}
