package compile

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
)

// classify decides the kind of every unit, what it defines, and which unit is the result.
func (c *compiler) classify() {
	for i, u := range c.units {
		u.index = i
		u.uses = map[string]bool{}
		c.walkNames(u)
	}
	for _, u := range c.units {
		switch n := u.node.(type) {
		case *ast.GenDecl:
			c.classifyGenDecl(u, n)
		case *ast.FuncDecl:
			c.classifyFunc(u, n)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				u.kind = defineUnit
				for i, lhs := range n.Lhs {
					id, ok := lhs.(*ast.Ident)
					if !ok || id.Name == "_" {
						continue
					}
					u.defs = append(u.defs, id.Name)
					if len(n.Lhs) == len(n.Rhs) && c.isInt(n.Rhs[i], 0) {
						u.recorded.Ints = append(u.recorded.Ints, id.Name)
						c.ints[id.Name] = true
					}
				}
			} else {
				u.kind = stmtUnit
			}
		default:
			u.kind = stmtUnit
			ast.Inspect(n, func(n ast.Node) bool {
				if b, ok := n.(*ast.BranchStmt); ok && b.Tok == token.GOTO {
					c.hasGoto = true
				}
				return !c.hasGoto
			})
		}
		u.recorded.Globals = append(u.recorded.Globals, u.defs...)
	}
	c.findResult()
	c.addCalls()
}

// walkNames records the names a unit declares (in c.declared) and the names it uses without
// declaring them (in u.uses).
func (c *compiler) walkNames(u *unit) {
	useIdents(u.node, func(id *ast.Ident) {
		if id.Obj == nil && id.Name != "_" {
			u.uses[id.Name] = true
		}
	}, func(id *ast.Ident) {
		c.declared[id.Name] = true
	})
}

// useIdents calls use for every identifier of n in a position where it refers to something, and
// decl for identifiers that declare something. Selectors, composite literal keys and labels are
// neither.
func useIdents(n ast.Node, use, decl func(*ast.Ident)) {
	skip := map[*ast.Ident]bool{}
	declare := func(ids ...*ast.Ident) {
		for _, id := range ids {
			if id != nil {
				skip[id] = true
				decl(id)
			}
		}
	}
	declareExprs := func(exprs ...ast.Expr) {
		for _, e := range exprs {
			if id, ok := e.(*ast.Ident); ok {
				declare(id)
			}
		}
	}
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			skip[n.Sel] = true
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						skip[id] = true
					}
				}
			}
		case *ast.LabeledStmt:
			skip[n.Label] = true
		case *ast.BranchStmt:
			if n.Label != nil {
				skip[n.Label] = true
			}
		case *ast.FuncDecl:
			declare(n.Name)
		case *ast.Field:
			declare(n.Names...)
		case *ast.TypeSpec:
			declare(n.Name)
		case *ast.ValueSpec:
			declare(n.Names...)
		case *ast.ImportSpec:
			declare(n.Name)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				declareExprs(n.Lhs...)
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				declareExprs(n.Key, n.Value)
			}
		case *ast.TypeSwitchStmt:
			if a, ok := n.Assign.(*ast.AssignStmt); ok {
				declareExprs(a.Lhs...)
			}
		case *ast.Ident:
			if !skip[n] {
				use(n)
			}
		}
		return true
	})
}

func (c *compiler) classifyGenDecl(u *unit, d *ast.GenDecl) {
	switch d.Tok {
	case token.IMPORT:
		u.kind = importUnit
		c.classifyImport(u, d)
	case token.TYPE:
		u.kind = declUnit
		u.skip = true
		for _, s := range d.Specs {
			ts := s.(*ast.TypeSpec)
			if ts.Assign.IsValid() && ts.TypeParams != nil {
				// Yaegi crashes on it (a nil pointer dereference, no position).
				c.errorAt(ts.Name, "a generic type alias (Go 1.24) is not supported by the interpreter: "+
					"declare a generic type instead: type %s%s %s", ts.Name.Name, c.text(ts.TypeParams), c.text(ts.Type))
			}
			u.defs = append(u.defs, ts.Name.Name)
			if !c.redeclared(u, ts.Name, "type", ts.Name.Name, ts) {
				u.skip = false
			}
		}
	case token.CONST:
		u.kind = declUnit
		var last []ast.Expr
		for _, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Values) > 0 {
				last = vs.Values
			}
			for i, id := range vs.Names {
				if id.Name == "_" {
					continue
				}
				u.defs = append(u.defs, id.Name)
				u.recorded.Consts = append(u.recorded.Consts, id.Name)
				c.consts[id.Name] = true
				if i < len(last) && (vs.Type == nil || isIntType(vs.Type)) && c.isInt(last[i], 0) {
					u.recorded.Ints = append(u.recorded.Ints, id.Name)
					c.ints[id.Name] = true
				}
			}
		}
	case token.VAR:
		u.kind = varUnit
		for _, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if id.Name == "_" {
					continue
				}
				u.defs = append(u.defs, id.Name)
				isInt := vs.Type != nil && isIntType(vs.Type) ||
					vs.Type == nil && len(vs.Values) == len(vs.Names) && c.isInt(vs.Values[i], 0)
				if isInt {
					u.recorded.Ints = append(u.recorded.Ints, id.Name)
					c.ints[id.Name] = true
				}
			}
		}
	}
}

// classifyImport drops imports earlier cells made and records new ones.
func (c *compiler) classifyImport(u *unit, d *ast.GenDecl) {
	u.skip = true
	u.recorded.Imports = map[string]string{}
	for _, s := range d.Specs {
		spec := s.(*ast.ImportSpec)
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			c.errorAt(spec.Path, "invalid import path %s", spec.Path.Value)
			continue
		}
		if c.env.Package != nil {
			if _, ok := c.env.Package(path); !ok {
				c.errorAt(spec.Path, "package %s is not available: %s", path, unavailableHint(path))
				continue
			}
		}
		name := c.pkgName(spec, path)
		switch name {
		case "_":
			continue // imported for its side effects: a native package is initialized already
		case ".":
			c.dotImport = true
		}
		if prev, ok := c.imports[name]; ok && name != "." {
			if prev != path {
				c.errorAt(spec, "%s is already imported as %q; to use %q too, import it under another name: import %s2 %q",
					name, prev, path, name, path)
			}
			continue // imports are global in the interpreter: import each package once
		}
		c.imports[name] = path
		u.recorded.Imports[name] = path
		u.imports = append(u.imports, spec)
		u.skip = false
	}
}

func (c *compiler) classifyFunc(u *unit, d *ast.FuncDecl) {
	u.kind = declUnit
	line, col := position(c.lines, c.off(d.Pos()))
	declared := func(name string) { u.recorded.Declared = map[string]Pos{"main." + name: {line, col}} }
	if d.Recv != nil {
		u.skip = c.redeclared(u, d.Name, "method", recvTypeName(d.Recv)+"."+d.Name.Name, d)
		declared(d.Name.Name)
		return
	}
	name := d.Name.Name
	if d.Type.TypeParams == nil && (name == "main" || name == "init") {
		// A func main would run again at every later evaluation, and init can be declared many
		// times: rename them and call them once from this cell, like a program would.
		var renamed string
		if name == "main" {
			renamed = fmt.Sprintf("_gkMain%d", c.cell.Seq)
		} else {
			renamed = fmt.Sprintf("_gkInit%d_%d", c.cell.Seq, u.index)
		}
		c.edits = append(c.edits, edit{start: c.off(d.Name.Pos()), end: c.off(d.Name.End()), parts: []part{gen("%s", renamed)}})
		u.defs = []string{renamed}
		u.call = name
		declared(renamed)
		return
	}
	declared(name)
	u.defs = []string{name}
	u.recorded.Funcs = []string{name}
	c.funcs[name] = true
	if d.Type.TypeParams != nil {
		// Yaegi keeps the instances it made of a generic func: a new body would not reach them.
		u.skip = c.redeclared(u, d.Name, "generic func", name, d)
		return
	}
	c.classifyFuncVar(u, d)
}

// redeclared checks a type or method (kind) against an earlier definition and reports whether it
// is an identical redeclaration, to skip. Yaegi silently ignores a type or method declared again,
// so a changed one is an error.
func (c *compiler) redeclared(u *unit, id *ast.Ident, kind, name string, node ast.Node) bool {
	key := kind + " " + name
	canon := c.canonical(node)
	if u.recorded.Decls == nil {
		u.recorded.Decls = map[string]string{}
	}
	u.recorded.Decls[key] = canon
	prev, ok := c.env.Decls[key]
	if !ok {
		return false
	}
	if prev != canon {
		c.errorAt(id, "%s was already defined by an earlier cell, differently: the interpreter cannot change a %s once defined; run %%reset (or restart the kernel) and run the cells again to redefine it, or use a new name",
			key, kind)
	}
	return true
}

// canonical returns the tokens of a node's source, to compare definitions whatever their
// layout.
func (c *compiler) canonical(n ast.Node) string { return canonicalText(c.text(n)) }

// recvTypeName returns the name of a method's receiver base type.
func recvTypeName(recv *ast.FieldList) string {
	if recv == nil || len(recv.List) == 0 {
		return ""
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// findResult marks the final expression statement, unless a ';' follows it.
func (c *compiler) findResult() {
	if len(c.units) == 0 {
		return
	}
	u := c.units[len(c.units)-1]
	es, ok := u.node.(*ast.ExprStmt)
	if !ok {
		return
	}
	for _, t := range c.toks {
		if t.off >= u.end {
			if t.tok == token.SEMICOLON && t.lit == ";" {
				return // a trailing semicolon hides the result
			}
			break
		}
	}
	for _, v := range c.units {
		if v.call == "main" {
			return
		}
	}
	u.result = true
	u.showable = c.showable(es.X)
}

// showable reports whether the value of a final expression is shown.
func (c *compiler) showable(x ast.Expr) bool {
	return Showable(x, func(name string) string { return c.imports[name] },
		func(name string) bool { return c.funcs[name] || c.env.Funcs[name] })
}

// Showable reports whether the value of a cell's final expression x is shown: not for calls
// whose results Go programmers discard (fmt.Println returns n and err) or that have none.
// pkgPath returns the import path a package name stands for, and isFunc tells the names cells
// declare as funcs (which may be called like a builtin).
func Showable(x ast.Expr, pkgPath func(name string) string, isFunc func(name string) bool) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return true
	}
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		switch fun.Name {
		case "close", "delete", "panic", "print", "println", "clear":
			return fun.Obj != nil || isFunc(fun.Name)
		}
	case *ast.SelectorExpr:
		pkg, ok := fun.X.(*ast.Ident)
		if !ok || pkg.Obj != nil {
			return true
		}
		switch pkgPath(pkg.Name) {
		case "log":
			return false
		case "fmt":
			switch fun.Sel.Name {
			case "Print", "Printf", "Println", "Fprint", "Fprintf", "Fprintln",
				"Scan", "Scanf", "Scanln", "Fscan", "Fscanf", "Fscanln", "Sscan", "Sscanf", "Sscanln":
				return false
			}
		}
	}
	return true
}

// addCalls adds the calls of renamed init and main functions: inits before the cell's
// statements, main after everything.
func (c *compiler) addCalls() {
	var inits, mains []*unit
	for _, u := range c.units {
		if u.call == "" || u.kind != declUnit {
			continue
		}
		call := &unit{kind: callUnit, call: u.defs[0], start: u.start, end: u.start, uses: map[string]bool{u.defs[0]: true}}
		if u.call == "init" {
			inits = append(inits, call)
		} else {
			mains = append(mains, call)
		}
	}
	if len(inits) == 0 && len(mains) == 0 {
		return
	}
	// Inits go before the first statement; mains at the end. Indexes stay in source order.
	var units []*unit
	placed := false
	for _, u := range c.units {
		if !placed && u.kind != declUnit && u.kind != importUnit && u.kind != varUnit {
			units = append(units, inits...)
			placed = true
		}
		units = append(units, u)
	}
	if !placed {
		units = append(units, inits...)
	}
	units = append(units, mains...)
	for i, u := range units {
		u.index = i
	}
	c.units = units
}

// unavailableHint says what to use instead of a package the interpreter
// doesn't have.
func unavailableHint(path string) string {
	switch path {
	case "unique", "weak", "testing/synctest":
		return "it is newer than the interpreter's standard library (Go 1.22)"
	}
	return "cells can import the standard library (and os/exec), not other modules"
}
