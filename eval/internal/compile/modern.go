package compile

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/modern"
)

// NativeName is the name generated code imports the native helpers of the interpreted packages
// under (modern.NativePath); the session imports it once, like RuntimeName.
const NativeName = "_gknat"

// rewriteModern records the edits that bring Go 1.23–1.26 to the interpreter, for every unit:
//
//   - a name of an interpreted package goes to the interpreter's compiled source, under its
//     name there: slices.Sorted => _gkslices._gkslices_Sorted, errors.Is => _gkerrors.Is
//     (package modern);
//   - an iterator type is written as its func type: iter.Seq[int] => func(func(int) bool) (see
//     modern.SeqFunc);
//   - a call of a generic function gets its type arguments, as the check inferred them:
//     Map(xs, f) => Map[int, string](xs, f) (the interpreter infers one type parameter at best);
//   - errors.As(err, &t) with t of a known type T => _gkerrors.asTarget[T](err, &t), which finds
//     a cell's own error types (the native As looks for them by reflection, and can't);
//   - a var or := at the top of a cell whose value calls a generic function gets the value from
//     a func literal: x := f[int](1) => x := func() int { return f[int](1) }() (the interpreter
//     fails on an instantiation at global scope).
func (c *compiler) rewriteModern() {
	for _, u := range c.units {
		if u.node == nil || u.skip || u.kind == importUnit {
			continue
		}
		c.rewriteGenericCalls(u)
		conversions := map[ast.Node]bool{}
		ast.Inspect(u.node, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				c.rewriteInterpreted(n)
			case *ast.IndexExpr:
				c.rewriteSeqType(n, n.X, []ast.Expr{n.Index}, conversions[n])
			case *ast.IndexListExpr:
				c.rewriteSeqType(n, n.X, n.Indices, conversions[n])
			case *ast.CallExpr:
				conversions[n.Fun] = true // iter.Seq[int](f): the func type needs parentheses
				c.rewriteErrorsAs(n)
			case *ast.CompositeLit:
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						e = kv.Value
					}
					c.wrapPackageGenericCalls(e)
				}
			}
			return true
		})
		switch n := u.node.(type) {
		case *ast.AssignStmt:
			if u.kind == defineUnit {
				c.wrapGlobalValue(n.Rhs)
			}
		case *ast.GenDecl:
			if u.kind == varUnit {
				for _, s := range n.Specs {
					c.wrapGlobalValue(s.(*ast.ValueSpec).Values)
				}
			}
		}
	}
}

// registerErrorMethods gives each Unwrap, Is or As method the cell declares on an error type a
// statement registering a probe for it with the session (see native.Registry): the interpreted
// errors package can't find these methods by a type assertion to an interface, as the
// interpreter hides them there, but a probe asserting the cell's type finds them. emit runs
// the statements after the method's declaration, before the statements that follow it.
func (c *compiler) registerErrorMethods() {
	for _, u := range c.units {
		fd, ok := u.node.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || u.skip || len(fd.Recv.List) != 1 {
			continue
		}
		recv := fd.Recv.List[0].Type
		ptr := false
		if st, ok := recv.(*ast.StarExpr); ok {
			recv, ptr = st.X, true
		}
		id, ok := recv.(*ast.Ident)
		if !ok {
			continue // a generic type's method: no type to assert
		}
		params, results := fieldTypes(fd.Type.Params), fieldTypes(fd.Type.Results)
		var reg, args, zero, call string
		switch {
		case fd.Name.Name == "Unwrap" && len(params) == 0 && len(results) == 1 && results[0] == "error":
			reg, args, zero, call = "RegisterUnwrap", "err error) (error, bool", "nil", "x.Unwrap()"
		case fd.Name.Name == "Unwrap" && len(params) == 0 && len(results) == 1 && results[0] == "[]error":
			reg, args, zero, call = "RegisterUnwrapAll", "err error) ([]error, bool", "nil", "x.Unwrap()"
		case fd.Name.Name == "Is" && len(params) == 1 && params[0] == "error" && len(results) == 1 && results[0] == "bool":
			reg, args, zero, call = "RegisterIs", "err, target error) (bool, bool", "false", "x.Is(target)"
		case fd.Name.Name == "As" && len(params) == 1 && (params[0] == "any" || params[0] == "interface{}") && len(results) == 1 && results[0] == "bool":
			reg, args, zero, call = "RegisterAs", "err error, target any) (bool, bool", "false", "x.As(target)"
		default:
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s.%s(func(%s) { ", NativeName, reg, args)
		fmt.Fprintf(&b, "if x, ok := err.(*%s); ok && x != nil { return %s, true }; ", id.Name, call)
		if !ptr {
			fmt.Fprintf(&b, "if x, ok := err.(%s); ok { return %s, true }; ", id.Name, call)
		}
		fmt.Fprintf(&b, "return %s, false })", zero)
		u.regs = append(u.regs, b.String())
	}
}

// emitRegs writes the pending registrations of error methods (registerErrorMethods) as a
// statement: a generated function and its call.
func (c *compiler) emitRegs(r *renderer, regs []string, n int) []piece {
	if len(regs) == 0 {
		return nil
	}
	name := fmt.Sprintf("_gkReg%d_%d", c.cell.Seq, n)
	r.marker()
	r.text("func " + name + "() {\n" + strings.Join(regs, "\n") + "\n}")
	decl := piece{mode: fileMode, src: r.take()}
	r.marker()
	r.text(name + "()")
	return []piece{decl, {mode: stmtMode, src: r.take()}}
}

// fieldTypes returns the source of the types of a parameter or result list, one per name.
func fieldTypes(fl *ast.FieldList) []string {
	if fl == nil {
		return nil
	}
	var out []string
	for _, f := range fl.List {
		t := types.ExprString(f.Type)
		for range max(1, len(f.Names)) {
			out = append(out, t)
		}
	}
	return out
}

// importPath returns the import path of a package name used as a selector's operand.
func (c *compiler) importPath(x ast.Expr) (string, bool) {
	if !c.isPackage(x) {
		return "", false
	}
	return c.imports[x.(*ast.Ident).Name], true
}

// rewriteInterpreted sends pkg.Name to the interpreted package that has it, under the name the
// interpreter knows it by (modern.YaegiName).
func (c *compiler) rewriteInterpreted(sel *ast.SelectorExpr) {
	p, ok := c.importPath(sel.X)
	if !ok {
		return
	}
	pkg, name, ok := modern.Interpreted(p, sel.Sel.Name)
	if !ok {
		return
	}
	c.replace(sel.X, genAt(c.off(sel.X.Pos()), pkg))
	if name != sel.Sel.Name && !c.named[sel.Sel] {
		c.replace(sel.Sel, genAt(c.off(sel.Sel.Pos()), name))
	}
}

// yaegiName returns the name the interpreter knows a function's name by: a generic function of
// an interpreted package has one of its own.
func (c *compiler) yaegiName(id *ast.Ident, sel *ast.SelectorExpr) string {
	if sel == nil || sel.Sel != id {
		return id.Name
	}
	p, ok := c.importPath(sel.X)
	if !ok {
		return id.Name
	}
	if _, name, ok := modern.Interpreted(p, id.Name); ok {
		return name
	}
	return id.Name
}

// isIterType reports whether x names iter.Seq or iter.Seq2.
func (c *compiler) isIterType(x ast.Expr) bool {
	sel, ok := x.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Seq" && sel.Sel.Name != "Seq2") {
		return false
	}
	p, ok := c.importPath(sel.X)
	return ok && p == "iter"
}

// rewriteSeqType writes iter.Seq[T] as func(func(T) bool), in parentheses for a conversion.
func (c *compiler) rewriteSeqType(n, x ast.Expr, indices []ast.Expr, paren bool) {
	if !c.isIterType(x) {
		return
	}
	open, closing := "func(func(", ") bool)"
	if paren {
		open, closing = "(func(func(", ") bool))"
	}
	parts := []part{genAt(c.off(n.Pos()), open)}
	for i, ix := range indices {
		if i > 0 {
			parts = append(parts, gen(", "))
		}
		parts = append(parts, c.ref(ix))
	}
	parts = append(parts, gen("%s", closing))
	c.replace(n, parts...)
}

// rewriteGenericCalls gives every instantiation of a generic function in n its type arguments,
// as the check found them.
func (c *compiler) rewriteGenericCalls(u *unit) {
	if !c.types.ok {
		return
	}
	n := u.node
	explicit := map[*ast.Ident]ast.Expr{}           // the function's name -> its index expression
	selectors := map[*ast.Ident]*ast.SelectorExpr{} // the function's name -> pkg.Name
	ast.Inspect(n, func(n ast.Node) bool {
		var x ast.Expr
		switch n := n.(type) {
		case *ast.SelectorExpr:
			selectors[n.Sel] = n
			return true
		case *ast.IndexExpr:
			x = n.X
		case *ast.IndexListExpr:
			x = n.X
		default:
			return true
		}
		switch f := x.(type) {
		case *ast.Ident:
			explicit[f] = n.(ast.Expr)
		case *ast.SelectorExpr:
			explicit[f.Sel] = n.(ast.Expr)
		}
		return true
	})
	ast.Inspect(n, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		inst, ok := c.types.info.Instances[id]
		if !ok {
			return true
		}
		if _, isFunc := c.types.info.Uses[id].(*types.Func); !isFunc {
			return true // a generic type: always instantiated explicitly
		}
		args := make([]string, inst.TypeArgs.Len())
		for i := range args {
			s, ok := c.typeArg(u, inst.TypeArgs.At(i), id.Pos())
			if !ok {
				return true // leave it to the interpreter
			}
			args[i] = s
		}
		list := strings.Join(args, ", ")
		if ix, ok := explicit[id]; ok {
			given := 1
			var lbrack token.Pos
			switch ix := ix.(type) {
			case *ast.IndexExpr:
				lbrack = ix.Lbrack
			case *ast.IndexListExpr:
				given, lbrack = len(ix.Indices), ix.Lbrack
			}
			if given < len(args) { // some inferred: write them all
				c.edits = append(c.edits, edit{start: c.off(lbrack), end: c.off(ix.End()), parts: []part{genAt(c.off(lbrack), "["+list+"]")}})
			}
			if name := c.yaegiName(id, selectors[id]); name != id.Name {
				c.replace(id, genAt(c.off(id.Pos()), name))
				c.markNamed(id)
			}
			return true
		}
		c.replace(id, genAt(c.off(id.Pos()), c.yaegiName(id, selectors[id])+"["+list+"]"))
		c.markNamed(id)
		return true
	})
}

// typeArg writes a type argument. One holding an instance of a generic type with several type
// arguments (Pair[string, int]) goes through a type alias the compiler declares: the
// interpreter fails on an index list in an index list (Map[Pair[string, int], string]).
func (c *compiler) typeArg(u *unit, t types.Type, at token.Pos) (string, bool) {
	s, ok := c.yaegiType(t, at)
	if !ok || !hasMultiInstance(t, 0) {
		return s, ok
	}
	if a, ok := c.aliases[s]; ok {
		u.uses[a.defs[0]] = true
		return a.defs[0], true
	}
	uses := map[string]bool{}
	if !c.packageLevel(t, uses, 0) {
		return "", false // a type parameter or a local type: no alias at package level
	}
	if c.aliases == nil {
		c.aliases, c.aliasBefore = map[string]*unit{}, map[*unit][]*unit{}
	}
	name := fmt.Sprintf("_gkT%d_%d", c.cell.Seq, len(c.aliases)+1)
	a := &unit{kind: declUnit, gen: "type " + name + " = " + s, defs: []string{name}, uses: uses, start: u.start, end: u.start}
	c.aliases[s] = a
	c.aliasBefore[u] = append(c.aliasBefore[u], a)
	u.uses[name] = true
	return name, true
}

// hasMultiInstance reports whether a type holds an instance of a generic type with several type
// arguments.
func hasMultiInstance(t types.Type, depth int) bool {
	if depth > 16 {
		return false
	}
	switch t := t.(type) {
	case *types.Named:
		if t.TypeArgs().Len() > 1 {
			return true
		}
		for i := range t.TypeArgs().Len() {
			if hasMultiInstance(t.TypeArgs().At(i), depth+1) {
				return true
			}
		}
	case *types.Pointer:
		return hasMultiInstance(t.Elem(), depth+1)
	case *types.Slice:
		return hasMultiInstance(t.Elem(), depth+1)
	case *types.Array:
		return hasMultiInstance(t.Elem(), depth+1)
	case *types.Map:
		return hasMultiInstance(t.Key(), depth+1) || hasMultiInstance(t.Elem(), depth+1)
	case *types.Chan:
		return hasMultiInstance(t.Elem(), depth+1)
	}
	return false
}

// packageLevel reports whether a type can be named at package level (no type parameters, no
// local types), collecting the cell's type names it uses.
func (c *compiler) packageLevel(t types.Type, uses map[string]bool, depth int) bool {
	if depth > 16 {
		return false
	}
	switch t := t.(type) {
	case *types.TypeParam:
		return false
	case *types.Named:
		if obj := t.Obj(); obj.Pkg() == c.types.pkg {
			if obj.Parent() != c.types.pkg.Scope() {
				return false
			}
			uses[obj.Name()] = true
		}
		for i := range t.TypeArgs().Len() {
			if !c.packageLevel(t.TypeArgs().At(i), uses, depth+1) {
				return false
			}
		}
	case *types.Pointer:
		return c.packageLevel(t.Elem(), uses, depth+1)
	case *types.Slice:
		return c.packageLevel(t.Elem(), uses, depth+1)
	case *types.Array:
		return c.packageLevel(t.Elem(), uses, depth+1)
	case *types.Map:
		return c.packageLevel(t.Key(), uses, depth+1) && c.packageLevel(t.Elem(), uses, depth+1)
	case *types.Chan:
		return c.packageLevel(t.Elem(), uses, depth+1)
	}
	return true
}

// placeAliases puts the type aliases made for type arguments before the units using them.
func (c *compiler) placeAliases() {
	if len(c.aliasBefore) == 0 {
		return
	}
	var units []*unit
	for _, u := range c.units {
		units = append(units, c.aliasBefore[u]...)
		units = append(units, u)
	}
	c.units = units
}

// markNamed notes that an edit wrote a function's name: rewriteInterpreted leaves it.
func (c *compiler) markNamed(id *ast.Ident) {
	if c.named == nil {
		c.named = map[*ast.Ident]bool{}
	}
	c.named[id] = true
}

// rewriteErrorsAs sends errors.As(err, &t) to the interpreted asTarget when t's type is known.
func (c *compiler) rewriteErrorsAs(call *ast.CallExpr) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "As" || len(call.Args) != 2 {
		return
	}
	if p, ok := c.importPath(sel.X); !ok || p != "errors" {
		return
	}
	ptr, ok := c.typeOf(call.Args[1]).(*types.Pointer)
	if !ok {
		return // a target of interface type: the native As, which checks it at run time
	}
	elem := ptr.Elem()
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	if !types.IsInterface(elem) && !types.Implements(elem, errType) {
		return // the native As panics, as Go's does
	}
	if types.IsInterface(elem) {
		if n, ok := types.Unalias(elem).(*types.Named); (ok && n.Obj().Pkg() != c.types.pkg) || types.Identical(elem, types.Universe.Lookup("error").Type()) {
			return // error or a standard interface (net.Error): the native As finds it
		}
		c.errorAt(call.Args[1], "errors.As with a target of an interface type the cell writes is not supported: the interpreter's "+
			"type assertion to such an interface misses methods; use a concrete type (var pe *fs.PathError; errors.As(err, &pe)) "+
			"or a standard interface (net.Error)")
		return
	}
	t, ok := c.yaegiType(elem, call.Pos())
	if !ok {
		return
	}
	errs, _ := modern.Lookup("errors")
	c.replace(call.Fun, genAt(c.off(call.Fun.Pos()), errs.Name+"."+errs.YaegiName("asTarget")+"["+t+"]"))
	if c.generic == nil {
		c.generic = map[*ast.CallExpr]bool{}
	}
	c.generic[call] = true
}

// wrapGlobalValue gives the values of a top-level var or := that instantiate a generic
// function to the interpreter through a func literal.
func (c *compiler) wrapGlobalValue(values []ast.Expr) {
	if len(values) == 0 || !c.types.ok || !c.instantiates(values) {
		return
	}
	var results []string
	if len(values) == 1 {
		if tuple, ok := c.typeOf(values[0]).(*types.Tuple); ok {
			for i := range tuple.Len() {
				results = append(results, c.typeName(tuple.At(i).Type(), values[0].Pos()))
			}
		}
	}
	if results == nil {
		for _, v := range values {
			t := c.typeOf(v)
			if t == nil {
				return
			}
			results = append(results, c.typeName(types.Default(t), v.Pos()))
		}
	}
	for _, r := range results {
		if r == "" {
			return
		}
	}
	res := strings.Join(results, ", ")
	if len(results) > 1 {
		res = "(" + res + ")"
	}
	parts := []part{gen("func() %s { return ", res)}
	for i, v := range values {
		if i > 0 {
			parts = append(parts, gen(", "))
		}
		parts = append(parts, c.ref(v))
	}
	parts = append(parts, gen(" }()"))
	c.edits = append(c.edits, edit{start: c.off(values[0].Pos()), end: c.off(values[len(values)-1].End()), parts: parts})
}

// wrapPackageGenericCalls puts the calls of another package's generic functions in an element
// of a composite literal, and their instances used as values, in a func literal: the
// interpreter takes slices.Max[[]int, int] there for a generic type ("not a generic type").
func (c *compiler) wrapPackageGenericCalls(e ast.Expr) {
	if !c.types.ok {
		return
	}
	wrap := func(n ast.Expr) bool {
		t := c.typeName(c.typeOf(n), n.Pos())
		if t == "" {
			return false
		}
		c.replace(n, gen("func() %s { return ", t), c.ref(n), gen(" }()"))
		return true
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if c.isPackageGeneric(n.Fun) && wrap(n) {
				return false
			}
		case *ast.SelectorExpr, *ast.IndexExpr, *ast.IndexListExpr:
			if c.isPackageGeneric(n.(ast.Expr)) && wrap(n.(ast.Expr)) {
				return false
			}
		}
		return true
	})
}

// isPackageGeneric reports whether an expression names an instance of another package's generic
// function: slices.Max, or slices.Max[[]int, int].
func (c *compiler) isPackageGeneric(e ast.Expr) bool {
	switch f := e.(type) {
	case *ast.IndexExpr:
		e = f.X
	case *ast.IndexListExpr:
		e = f.X
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || !c.isPackage(sel.X) {
		return false
	}
	_, inst := c.types.info.Instances[sel.Sel]
	_, isFunc := c.types.info.Uses[sel.Sel].(*types.Func)
	return inst && isFunc
}

// typeName is yaegiType or "".
func (c *compiler) typeName(t types.Type, at token.Pos) string {
	s, ok := c.yaegiType(t, at)
	if !ok {
		return ""
	}
	return s
}

// instantiates reports whether expressions call or name an instance of a generic function, or
// use a name the rewrites turn into one (errors.As).
func (c *compiler) instantiates(exprs []ast.Expr) bool {
	found := false
	for _, e := range exprs {
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // its body runs in a function
			case *ast.CallExpr:
				found = found || c.generic[n]
			case *ast.Ident:
				if _, ok := c.types.info.Instances[n]; ok {
					if _, isFunc := c.types.info.Uses[n].(*types.Func); isFunc {
						found = true
					}
				}
			}
			return !found
		})
	}
	return found
}

// rewriteRangeIntTyped turns a range over an integer the check knows (a named integer type, a
// constant, a type parameter of integer types) into a three-clause loop, where rewriteRangeInt
// can't see it is an integer:
//
//	for i := range n {  =>  for _gkI, _gkN := T(0), n; _gkI < _gkN; _gkI++ { i := _gkI;
func (c *compiler) rewriteRangeIntTyped(r *ast.RangeStmt) bool {
	t := c.typeOf(r.X)
	if t == nil || r.Tok == token.ASSIGN {
		return false
	}
	set, ok := typeSet(t) // an integer type, or a type parameter of integer types
	if !ok {
		return false
	}
	for _, u := range set {
		if b, ok := u.(*types.Basic); !ok || b.Info()&types.IsInteger == 0 {
			return false
		}
	}
	name, ok := c.yaegiType(types.Default(t), r.X.Pos())
	if !ok {
		return false
	}
	c.edits = append(c.edits, edit{start: c.off(r.For), end: c.off(r.Body.Lbrace), parts: []part{
		gen("for _gkI, _gkN := %s(0), ", name), c.ref(r.X), gen("; _gkI < _gkN; _gkI++ "),
	}})
	if id, ok := r.Key.(*ast.Ident); ok && id.Name != "_" {
		c.insert(r.Body.Lbrace+1, gen(" %s := _gkI; _ = %[1]s;", id.Name))
	}
	return true
}

// yaegiType writes a type as the interpreter must read it at a position of the cell: the
// cell's types by name, other packages' types by the name the cell imported them under (or
// an import the compiler adds), iterator types as func types, interpreted packages' types in
// their compiled source. It fails for a type the position can't name (another func's local
// type, an unexported type of another package).
func (c *compiler) yaegiType(t types.Type, at token.Pos) (string, bool) {
	w := typeWriter{c: c, at: at, ok: true}
	w.write(t, 0)
	return w.b.String(), w.ok
}

type typeWriter struct {
	c  *compiler
	at token.Pos
	b  strings.Builder
	ok bool
}

func (w *typeWriter) write(t types.Type, depth int) {
	if depth > 32 || !w.ok {
		w.ok = false
		return
	}
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.Invalid || t.Kind() == types.UnsafePointer {
			w.ok = false
			return
		}
		if t.Info()&types.IsUntyped != 0 {
			t = types.Default(t).(*types.Basic)
		}
		w.b.WriteString(t.Name())
	case *types.Alias:
		w.write(types.Unalias(t), depth+1)
	case *types.Named:
		w.named(t, depth)
	case *types.TypeParam:
		w.b.WriteString(t.Obj().Name())
	case *types.Pointer:
		w.b.WriteString("*")
		w.write(t.Elem(), depth+1)
	case *types.Slice:
		w.b.WriteString("[]")
		w.write(t.Elem(), depth+1)
	case *types.Array:
		fmt.Fprintf(&w.b, "[%d]", t.Len())
		w.write(t.Elem(), depth+1)
	case *types.Map:
		w.b.WriteString("map[")
		w.write(t.Key(), depth+1)
		w.b.WriteString("]")
		w.write(t.Elem(), depth+1)
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			w.b.WriteString("chan<- ")
		case types.RecvOnly:
			w.b.WriteString("<-chan ")
		default:
			w.b.WriteString("chan ")
		}
		_, paren := t.Elem().(*types.Chan)
		if paren {
			w.b.WriteString("(")
		}
		w.write(t.Elem(), depth+1)
		if paren {
			w.b.WriteString(")")
		}
	case *types.Signature:
		w.b.WriteString("func")
		w.signature(t, depth)
	case *types.Struct:
		w.b.WriteString("struct{")
		for i := range t.NumFields() {
			f := t.Field(i)
			if i > 0 {
				w.b.WriteString("; ")
			}
			if !f.Exported() && f.Pkg() != w.c.types.pkg {
				w.ok = false
				return
			}
			if !f.Embedded() {
				w.b.WriteString(f.Name() + " ")
			}
			w.write(f.Type(), depth+1)
			if tag := t.Tag(i); tag != "" {
				w.b.WriteString(" " + strconv.Quote(tag))
			}
		}
		w.b.WriteString("}")
	case *types.Interface:
		if !t.IsMethodSet() {
			w.ok = false // a constraint
			return
		}
		if t.NumMethods() == 0 {
			w.b.WriteString("interface{}")
			return
		}
		w.b.WriteString("interface{ ")
		for i := range t.NumMethods() {
			m := t.Method(i)
			if !m.Exported() && m.Pkg() != w.c.types.pkg {
				w.ok = false
				return
			}
			if i > 0 {
				w.b.WriteString("; ")
			}
			w.b.WriteString(m.Name())
			w.signature(m.Type().(*types.Signature), depth)
		}
		w.b.WriteString(" }")
	default:
		w.ok = false
	}
}

func (w *typeWriter) signature(s *types.Signature, depth int) {
	w.b.WriteString("(")
	for i := range s.Params().Len() {
		if i > 0 {
			w.b.WriteString(", ")
		}
		pt := s.Params().At(i).Type()
		if s.Variadic() && i == s.Params().Len()-1 {
			w.b.WriteString("...")
			pt = pt.(*types.Slice).Elem()
		}
		w.write(pt, depth+1)
	}
	w.b.WriteString(")")
	switch n := s.Results().Len(); {
	case n == 1:
		w.b.WriteString(" ")
		w.write(s.Results().At(0).Type(), depth+1)
	case n > 1:
		w.b.WriteString(" (")
		for i := range n {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.write(s.Results().At(i).Type(), depth+1)
		}
		w.b.WriteString(")")
	}
}

func (w *typeWriter) named(t *types.Named, depth int) {
	obj := t.Obj()
	p := obj.Pkg()
	args := t.TypeArgs()
	writeArgs := func() {
		if args.Len() == 0 {
			return
		}
		w.b.WriteString("[")
		for i := range args.Len() {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.write(args.At(i), depth+1)
		}
		w.b.WriteString("]")
	}
	switch {
	case p == nil: // error, comparable
		w.b.WriteString(obj.Name())
	case p.Path() == "iter" && (obj.Name() == "Seq" || obj.Name() == "Seq2"):
		elems := make([]string, args.Len())
		for i := range elems {
			s, ok := w.c.yaegiType(args.At(i), w.at)
			if !ok {
				w.ok = false
				return
			}
			elems[i] = s
		}
		w.b.WriteString(modern.SeqFunc(elems))
	case p == w.c.types.pkg:
		if obj.Parent() != p.Scope() && (obj.Parent() == nil || !obj.Parent().Contains(w.at)) {
			w.ok = false // a local type of another func
			return
		}
		w.b.WriteString(obj.Name())
		writeArgs()
	default:
		q, ok := w.c.packageRef(p.Path())
		if !ok || !obj.Exported() {
			w.ok = false
			return
		}
		name := obj.Name()
		if mp, ok := interpretedSource(p.Path()); ok {
			name = mp.YaegiName(name)
		}
		w.b.WriteString(q + "." + name)
		writeArgs()
	}
}

// interpretedSource returns the interpreted package whose source declares the objects of a
// go/types package path: a whole package's own path, an adding package's GoPath.
func interpretedSource(path string) (modern.Package, bool) {
	for _, p := range modern.Packages() {
		if p.GoPath == path || (p.Whole && p.Path == path) {
			return p, true
		}
	}
	return modern.Package{}, false
}

// packageRef returns the name generated code refers to a package by: its interpreted package,
// or the name a cell imported it under, or an import the compiler adds to this cell.
func (c *compiler) packageRef(importPath string) (string, bool) {
	if mp, ok := interpretedSource(importPath); ok {
		return mp.Name, true
	}
	var names []string
	for name, p := range c.imports {
		if p == importPath && name != "_" && name != "." {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return names[0], true
	}
	if c.env.Package != nil {
		if _, ok := c.env.Package(importPath); !ok {
			return "", false
		}
	}
	alias := "_gkq_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(importPath)
	if c.genImports == nil {
		c.genImports = map[string]string{}
	}
	c.genImports[alias] = importPath
	c.imports[alias] = importPath
	return alias, true
}

// emitGenImports writes the imports generated code needs into the cell's import declaration.
func (c *compiler) emitGenImports(r *renderer, imports Defs) Defs {
	for _, a := range slices.Sorted(maps.Keys(c.genImports)) {
		r.text(fmt.Sprintf("\n%s %q", a, c.genImports[a]))
		if imports.Imports == nil {
			imports.Imports = map[string]string{}
		}
		imports.Imports[a] = c.genImports[a]
	}
	return imports
}
