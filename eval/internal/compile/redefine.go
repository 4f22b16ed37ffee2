//lint:file-ignore SA1019 go/parser's objects tell a cell's globals from its locals well enough: a cell has no type information to offer.

package compile

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Redefinition. Yaegi binds a name when it compiles the code that uses it (measured with
// v0.16.1, see docs/redefinition.md):
//
//   - a call of a func is bound to the func as it was then: a func redefined later is seen by
//     code compiled later, never by code compiled before (funcs, methods, closures);
//   - a const is compiled into the code that uses it as its value;
//   - a var declared again is a new variable: code compiled before keeps the old one;
//   - a type, a method or a generic func (its instances) declared again is ignored.
//
// So the cell compiler makes every call that can't be compiled again go through a variable,
// and the session compiles again what can be:
//
//   - each func f (not generic) gets a var _gkV_f of its type, assigned f after every
//     definition of f. Method bodies and func literals (closures that outlive their cell)
//     call f through it, and f used as a value becomes a func literal calling through it, so
//     they all see a redefined f. Funcs call each other directly (a call through a var costs
//     2.2 times a direct call), and the session evaluates a func again when something it
//     binds is redefined, callees first (eval/redefine.go).
//   - a var declared again with the same type (by its declared type, its initializer's
//     literal or result type, the type the check found, or the same initializer) is assigned
//     instead: every user keeps the one variable.
//   - a changed type, method or generic func is refused (classify.go's redeclared). A generic
//     func's body, like a method's, calls the funcs through their vars: the interpreter keeps
//     its instances, so it can't be compiled again.
//
// Each unit of the cell carries what it binds ([Unit]), so that the session can tell which
// code a redefinition leaves on the old definition: funcs and consts it evaluates again; any
// other (a method using a changed const, a closure using a var declared again) makes it refuse
// the redefining cell, naming them.

// A FuncVar is the indirection var of a func.
type FuncVar struct {
	Var     string   // its name
	Type    string   // its type, as the interpreter reads it: func(int) int
	Sig     string   // the func's signature without names, in source: a changed one needs another var
	Results []string // the result types in source, for the type of a var set from a call of the func
	Forward string   // a func literal calling the func through the var
}

// A UnitKind says what a [Unit] is.
type UnitKind int

// The kinds of units.
const (
	FuncUnit    UnitKind = iota + 1 // a func (not generic)
	MethodUnit                      // a method
	GenericUnit                     // a generic func: like a method, it can't be evaluated again
	TypeUnit                        // a type declaration
	ConstUnit                       // a const declaration
	VarUnit                         // a var declaration or :=, or an assignment compiled from one
	StmtUnit                        // any other statement, or a renamed main or init
)

// A Unit is a declaration or statement of a cell as the session keeps it, to evaluate it again
// when a name it binds is redefined, or to name it when it can't be.
type Unit struct {
	Kind  UnitKind
	Name  string   // what it declares: f, T.M, T, c, x (the first); "" for a statement
	Names []string // the globals it declares
	Pos   Pos
	// Src is the source of a func or const unit alone, to evaluate it again; Assign is the
	// statement to run after Src (a func's var).
	Src, Assign string
	// Binds are the globals whose definition of the time the unit's code keeps: a func's or
	// method's calls and uses, what the func literals of a statement use. Via are the funcs it
	// calls through their vars.
	Binds, Via []string
	// Canon is the unit's text without layout: a const defined again the same way, or a
	// statement run again (whose code is then the new one).
	Canon string
	// Assigned tells a var unit compiled as an assignment: its variables are the old ones.
	Assigned bool
}

// funcVarOf returns the var of a func the cell can call through it.
func (c *compiler) funcVarOf(name string) *FuncVar {
	if fv, ok := c.funcVars[name]; ok {
		return fv
	}
	if c.cellDefines(name) {
		return nil // this cell makes it something else, or a generic func
	}
	if fv, ok := c.env.FuncVars[name]; ok {
		return &fv
	}
	return nil
}

// classifyFuncVar gives a func its var: the one it has if the signature is the same, or a new
// one. Its Type and Forward are written once the rewrites are known (finishFuncVars).
func (c *compiler) classifyFuncVar(u *unit, d *ast.FuncDecl) {
	name := d.Name.Name
	sig, _, results := c.signature(d.Type)
	fv := &FuncVar{Var: "_gkV_" + name, Sig: sig, Results: results}
	if prev, ok := c.env.FuncVars[name]; ok {
		if prev.Sig == sig {
			fv.Var = prev.Var
		} else {
			fv.Var = fmt.Sprintf("_gkV%d_%s", c.env.Gens[name], name)
		}
		u.newVar = prev.Sig != sig
	} else {
		u.newVar = true
	}
	u.funcVar = fv
	c.funcVars[name] = fv
}

// finishFuncVars writes the types of the cell's func vars and their forwarding func literals
// with the parameter and result types as the rewrites render them in the func's declaration
// (iter.Seq[int] is func(func(int) bool) there, see rewriteSeqType): the var's type is then
// the func's. Then it sends the uses of funcs as values, recorded by rewriteRefs, to the
// forwarders.
func (c *compiler) finishFuncVars() {
	for _, u := range c.units {
		if u.funcVar == nil {
			continue
		}
		d := u.node.(*ast.FuncDecl)
		params, results := c.renderedTypes(d.Type.Params), c.renderedTypes(d.Type.Results)
		fv := u.funcVar
		// The type without parameter names: yaegi takes a name in a global var's type for a use
		// of the global of that name (and fails with "variable definition loop").
		fv.Type = "func(" + strings.Join(params, ", ") + ")"
		if len(results) > 0 {
			fv.Type += " (" + strings.Join(results, ", ") + ")"
		}
		fv.Forward = forwarder(fv.Var, params, results, d.Type.Results != nil)
		u.recorded.FuncVars = map[string]FuncVar{d.Name.Name: *fv}
	}
	for _, id := range c.forwards {
		c.replace(id, genAt(c.off(id.Pos()), c.funcVarOf(id.Name).Forward))
	}
}

// renderedTypes returns the types of a parameter or result list, one per name ("...T" for a
// variadic parameter), rendered with the cell's edits and without line directives.
func (c *compiler) renderedTypes(fl *ast.FieldList) []string {
	if fl == nil {
		return nil
	}
	r := newRenderer(c.src, c.cell.Seq, c.edits)
	r.plain = true
	var out []string
	for _, f := range fl.List {
		r.render(c.off(f.Type.Pos()), c.off(f.Type.End()))
		t := r.take()
		for range max(1, len(f.Names)) {
			out = append(out, t)
		}
	}
	return out
}

// signature returns a func type's parameter and result types without names, in source, as one
// string and each parameter's type ("...T" for a variadic one) and each result's type.
func (c *compiler) signature(ft *ast.FuncType) (sig string, params, results []string) {
	each := func(fl *ast.FieldList) []string {
		var out []string
		if fl == nil {
			return nil
		}
		for _, f := range fl.List {
			t := c.src[c.off(f.Type.Pos()):c.off(f.Type.End())]
			for range max(1, len(f.Names)) {
				out = append(out, t)
			}
		}
		return out
	}
	params, results = each(ft.Params), each(ft.Results)
	canon := func(ts []string) string {
		var cs []string
		for _, t := range ts {
			cs = append(cs, canonicalText(t))
		}
		return strings.Join(cs, ",")
	}
	return "(" + canon(params) + ")(" + canon(results) + ")", params, results
}

// forwarder returns a func literal calling through a func's var:
//
//	func(_gkP0 int, _gkP1 ...string) (int, error) { return _gkV_f(_gkP0, _gkP1...) }
func forwarder(v string, params, results []string, hasResults bool) string {
	var ps, args []string
	for i, t := range params {
		p := "_gkP" + strconv.Itoa(i)
		ps = append(ps, p+" "+t)
		if strings.HasPrefix(t, "...") {
			p += "..."
		}
		args = append(args, p)
	}
	res, ret := "", ""
	if hasResults {
		res, ret = " ("+strings.Join(results, ", ")+")", "return "
	}
	return "func(" + strings.Join(ps, ", ") + ")" + res + " { " + ret + v + "(" + strings.Join(args, ", ") + ") }"
}

// canonicalText is source without layout.
func canonicalText(src string) string {
	var b strings.Builder
	for _, t := range scan(src) {
		if t.tok == token.SEMICOLON && t.lit == "\n" {
			continue
		}
		if t.lit != "" {
			b.WriteString(t.lit)
		} else {
			b.WriteString(t.tok.String())
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// classifyRedefinitions notes the cell's top-level := and decides which var units run as
// assignments.
func (c *compiler) classifyRedefinitions() {
	for _, u := range c.units {
		switch u.kind {
		case defineUnit:
			c.topDecls[u.node] = true
			c.classifyAssign(u)
		case varUnit:
			c.classifyAssign(u)
		}
	}
}

// classifyAssign decides whether a var unit that declares only globals the session has, each
// with the same type, runs as an assignment, and records the types of the vars it declares.
func (c *compiler) classifyAssign(u *unit) {
	var ids []*ast.Ident
	var values []ast.Expr
	var declared []ast.Expr // the declared type of each name, or nil
	switch n := u.node.(type) {
	case *ast.AssignStmt:
		for _, l := range n.Lhs {
			id, _ := l.(*ast.Ident)
			if id == nil {
				return
			}
			ids = append(ids, id)
			declared = append(declared, nil)
		}
		values = n.Rhs
	case *ast.GenDecl:
		if len(n.Specs) != 1 {
			return // one spec per unit keeps the rewrite simple; a group is declared again
		}
		vs := n.Specs[0].(*ast.ValueSpec)
		for _, id := range vs.Names {
			ids = append(ids, id)
			declared = append(declared, vs.Type)
		}
		values = vs.Values
	default:
		return
	}
	keys := map[string]string{}
	same := true
	for i, id := range ids {
		name := id.Name
		if name == "_" {
			continue
		}
		var k string
		switch {
		case declared[i] != nil:
			k = "T:" + c.canonical(declared[i])
		case len(values) == len(ids):
			k = c.typeKey(values[i])
		case len(values) == 1:
			k = c.resultKey(values[0], i)
		}
		if k == "" {
			k = c.checkedKey(id)
		}
		if k == "" {
			k = c.textKey(u, i)
		}
		keys[name] = k
		prev, ok := c.env.VarTypes[name]
		same = same && ok && k != "" && prev == k && !c.redeclares[name]
	}
	if len(keys) == 0 {
		return
	}
	u.recorded.VarTypes = keys
	if !same {
		for name := range keys {
			c.redeclares[name] = true
		}
		return
	}
	u.assign = true
	u.recorded.Globals = nil // the variables are the ones the session has
}

// typeKey names the type of an initializer when its source shows it; "" when it doesn't.
func (c *compiler) typeKey(e ast.Expr) string {
	switch e := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		return map[token.Token]string{token.INT: "T:int ", token.FLOAT: "T:float64 ", token.IMAG: "T:complex128 ",
			token.CHAR: "T:rune ", token.STRING: "T:string "}[e.Kind]
	case *ast.UnaryExpr:
		switch e.Op {
		case token.SUB, token.ADD, token.XOR:
			return c.typeKey(e.X)
		case token.AND:
			if k := c.typeKey(e.X); k != "" {
				return "T:* " + k[2:]
			}
		}
	case *ast.CompositeLit:
		if at, ok := e.Type.(*ast.ArrayType); ok && at.Len != nil {
			if _, ok := at.Len.(*ast.Ellipsis); ok {
				return ""
			}
		}
		if e.Type != nil {
			return "T:" + c.canonical(e.Type)
		}
	case *ast.FuncLit:
		sig, _, _ := c.signature(e.Type)
		return "F:" + sig
	case *ast.Ident:
		if e.Obj == nil && (e.Name == "true" || e.Name == "false") && !c.definesGlobal(e.Name) {
			return "T:bool "
		}
	case *ast.CallExpr:
		fun, ok := ast.Unparen(e.Fun).(*ast.Ident)
		switch {
		case ok && fun.Obj == nil && fun.Name == "make" && len(e.Args) > 0 && !c.definesGlobal("make"):
			return "T:" + c.canonical(e.Args[0])
		case ok && fun.Obj == nil && fun.Name == "new" && len(e.Args) == 1 && !c.definesGlobal("new"):
			return "T:* " + c.canonical(e.Args[0])
		case ok && fun.Obj == nil && intTypes[fun.Name] && !c.definesGlobal(fun.Name),
			ok && fun.Obj == nil && (fun.Name == "string" || fun.Name == "float64" || fun.Name == "float32") && !c.definesGlobal(fun.Name):
			return "T:" + fun.Name + " "
		case ok && fun.Obj == nil && (c.env.Decls["type "+fun.Name] != "" || c.cellType(fun.Name)) && len(e.Args) == 1:
			return "T:" + fun.Name + " " // a conversion to a type of the session
		}
		return c.resultKey(e, 0)
	}
	return ""
}

// checkedKey names the type the type check found for a var the cell declares, when the source
// doesn't show it (x := pkg.F(1)); "" when the check has none. Packages are named by their
// paths: a key names one type.
func (c *compiler) checkedKey(id *ast.Ident) string {
	if !c.types.ok {
		return ""
	}
	obj := c.types.info.Defs[id]
	if obj == nil {
		return ""
	}
	if _, _, ok := c.sessionType(obj.Type(), c.types.pkg); !ok {
		return "" // not a type of package level: a local type, an invalid one
	}
	return "T:" + canonicalText(types.TypeString(obj.Type(), func(p *types.Package) string {
		if p == c.types.pkg {
			return ""
		}
		return p.Path()
	}))
}

// resultKey names the type of result i of a call of a func of the session.
func (c *compiler) resultKey(e ast.Expr, i int) string {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return ""
	}
	fun, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || fun.Obj != nil {
		return ""
	}
	fv := c.funcVarOf(fun.Name)
	if fv == nil || i >= len(fv.Results) {
		return ""
	}
	return "T:" + canonicalText(fv.Results[i])
}

// textKey is the type key of a var unit whose source doesn't show its type: its text, when
// neither it nor what it uses changed since, has the same type.
func (c *compiler) textKey(u *unit, i int) string {
	var uses []string
	for name := range u.uses {
		if c.redeclares[name] || c.definesGlobal(name) && !slices.Contains(u.defs, name) && !c.assigned(name) {
			return "" // this cell defines it anew
		}
		uses = append(uses, name+"="+strconv.Itoa(c.env.Gens[name]))
	}
	slices.Sort(uses)
	return "=" + c.canonical(u.node) + "#" + strconv.Itoa(i) + "|" + strings.Join(uses, ",")
}

// assigned tells a global the cell assigns (a var unit compiled as an assignment).
func (c *compiler) assigned(name string) bool {
	for _, u := range c.units {
		if u.assign && slices.Contains(u.defs, name) {
			return true
		}
	}
	return false
}

// cellType tells a type this cell declares.
func (c *compiler) cellType(name string) bool {
	for _, u := range c.units {
		if d, ok := u.node.(*ast.GenDecl); ok && d.Tok == token.TYPE && slices.Contains(u.defs, name) {
			return true
		}
	}
	return false
}

// rewriteAssign compiles a var unit as an assignment to the session's variables:
//
//	x := 1           =>  x = 1
//	var x T = e      =>  x = e
//	var x T          =>  x = *new(T)
func (c *compiler) rewriteAssign(u *unit) {
	switch n := u.node.(type) {
	case *ast.AssignStmt:
		c.edits = append(c.edits, edit{start: c.off(n.TokPos), end: c.off(n.TokPos) + 2, parts: []part{genAt(c.off(n.TokPos), "=")}})
	case *ast.GenDecl:
		vs := n.Specs[0].(*ast.ValueSpec)
		parts := []part{}
		for i, id := range vs.Names {
			if i > 0 {
				parts = append(parts, gen(", "))
			}
			parts = append(parts, c.ref(id))
		}
		parts = append(parts, gen(" = "))
		for i := range vs.Names {
			if i > 0 {
				parts = append(parts, gen(", "))
			}
			switch {
			case len(vs.Values) == 0:
				parts = append(parts, gen("*new("), c.ref(vs.Type), gen(")"))
			case i < len(vs.Values):
				parts = append(parts, c.ref(vs.Values[i]))
			}
		}
		c.replace(n, parts...)
	}
}

// isGlobalRef tells whether an identifier refers to a global of the session or the cell.
func (c *compiler) isGlobalRef(id *ast.Ident) bool {
	if id.Obj == nil {
		return !c.imported(id.Name) && (!universe[id.Name] || c.definesGlobal(id.Name))
	}
	return c.topDecls[id.Obj.Decl]
}

// imported tells a package name in scope.
func (c *compiler) imported(name string) bool { return c.imports[name] != "" }

// rewriteRefs sends the calls and uses of funcs that code can keep beyond the cell through
// their vars, and records what the unit binds.
func (c *compiler) rewriteRefs(u *unit) {
	if u.node == nil {
		return
	}
	var lits []*ast.FuncLit
	callees := map[*ast.Ident]bool{}
	called := map[*ast.FuncLit]bool{} // func literals called where they are written: func() {...}(), go func() {...}()
	ast.Inspect(u.node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			lits = append(lits, n)
		case *ast.RangeStmt:
			// A range over a func calls it (rangefunc.go): no value to forward.
			if f, ok := ast.Unparen(n.X).(*ast.Ident); ok && c.rangeFuncs[n] != nil {
				callees[f] = true
			}
		case *ast.CallExpr:
			switch f := ast.Unparen(n.Fun).(type) {
			case *ast.Ident:
				callees[f] = true
			case *ast.FuncLit:
				called[f] = true
			}
		}
		return true
	})
	// inLit tells whether p is in a func literal, and whether the innermost one is called where
	// it is written (at the top of a cell, its code then ran, or runs in its goroutine, and
	// nothing keeps it for later).
	inLit := func(p token.Pos) (in, once bool) {
		var inner *ast.FuncLit
		for _, l := range lits {
			if l.Pos() <= p && p < l.End() && (inner == nil || l.Pos() > inner.Pos()) {
				inner = l
			}
		}
		return inner != nil, inner != nil && called[inner]
	}
	fd, _ := u.node.(*ast.FuncDecl)
	// A method, or a generic func, whose instances yaegi keeps: code that can't be compiled
	// again.
	fixed := fd != nil && (fd.Recv != nil || fd.Type.TypeParams != nil)
	// Declarations keep all they use; statements (and a renamed main or init, called once) what
	// their func literals use.
	code := u.kind == declUnit && u.call == ""
	binds, via := map[string]bool{}, map[string]bool{}
	useIdents(u.node, func(id *ast.Ident) {
		if !c.isGlobalRef(id) || slices.Contains(u.defs, id.Name) && u.kind != varUnit && u.kind != defineUnit {
			return
		}
		lit, once := inLit(id.Pos())
		if fv := c.funcVarOf(id.Name); fv != nil {
			switch {
			case !callees[id]:
				c.forwards = append(c.forwards, id) // finishFuncVars writes the forwarder
				via[id.Name] = true
				return
			case lit || fixed:
				c.replace(id, genAt(c.off(id.Pos()), fv.Var))
				via[id.Name] = true
				return
			}
		}
		if code || lit && !once {
			binds[id.Name] = true
		}
	}, func(*ast.Ident) {})
	u.binds, u.via = slices.Sorted(maps.Keys(binds)), slices.Sorted(maps.Keys(via))
}

// unitOf describes a unit for the session; src is its rendered source.
func (c *compiler) unitOf(u *unit, src string) *Unit {
	line, col := position(c.lines, u.start)
	out := &Unit{Names: u.defs, Pos: Pos{line, col}, Binds: u.binds, Via: u.via, Canon: c.canonical(u.node)}
	if len(u.defs) > 0 {
		out.Name = u.defs[0]
	}
	switch n := u.node.(type) {
	case *ast.FuncDecl:
		switch {
		case n.Recv != nil:
			out.Kind, out.Name = MethodUnit, recvTypeName(n.Recv)+"."+n.Name.Name
		case u.call != "":
			out.Kind, out.Name, out.Names = StmtUnit, "", nil // a renamed main or init, called once
		case n.Type.TypeParams != nil:
			out.Kind = GenericUnit
		default:
			out.Kind, out.Src = FuncUnit, src
			if u.funcVar != nil {
				out.Assign = u.funcVar.Var + " = " + n.Name.Name
			}
		}
	case *ast.GenDecl:
		switch n.Tok {
		case token.TYPE:
			out.Kind = TypeUnit
		case token.CONST:
			out.Kind, out.Src = ConstUnit, src
		case token.VAR:
			out.Kind, out.Assigned = VarUnit, u.assign
		}
	case *ast.AssignStmt:
		if u.kind == defineUnit {
			out.Kind, out.Assigned = VarUnit, u.assign
		} else {
			out.Kind = StmtUnit
		}
	default:
		out.Kind = StmtUnit
	}
	if out.Kind == StmtUnit {
		out.Name, out.Names = "", nil
	}
	return out
}

// recordRedefinitions keeps the vars of funcs, the types of vars and the generations of the
// globals a chunk defined.
func (e *Env) recordRedefinitions(d Defs) {
	for _, g := range d.Globals {
		e.Gens[g]++
		if !slices.Contains(d.Funcs, g) {
			delete(e.Funcs, g)
		}
		if _, ok := d.FuncVars[g]; !ok {
			delete(e.FuncVars, g) // not a func, or a generic one: no var follows it
		}
		if _, ok := d.VarTypes[g]; !ok {
			delete(e.VarTypes, g)
		}
	}
	for name, fv := range d.FuncVars {
		e.FuncVars[name] = fv
	}
	for name, k := range d.VarTypes {
		e.VarTypes[name] = k
	}
}
