package compile

import (
	"go/ast"
	"go/token"
	"strconv"
)

// A cell's top-level defers run at the end of the cell, from the runtime (rewriteDefer), not
// while its statements panic, so the recover builtin in them can't see the panic. And yaegi's
// recover returns the panic value wrapped in a reflect.Value (a type assertion on it fails).
// So every recover() goes through the runtime with the name of the function it is written in:
//
//	recover()  =>  _gkrt.Recover("handle", recover())
//
// The runtime unwraps a value the builtin returns; when the builtin returns nil and the
// function is the top-level deferred call running while the cell panics, it returns the
// cell's panic and ends it, as recover in a deferred call of main does. A deferred function
// has a name when it is a func literal (its position), a func of the session, or a global
// var holding a func literal; other deferred calls (methods, natives) can't recover.

// deferID names the function a top-level defer calls, for the runtime; "" when its
// recover calls can't be told apart.
func (c *compiler) deferID(call *ast.CallExpr) string {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.FuncLit:
		return c.posString(fun.Pos())
	case *ast.Ident:
		if fun.Obj == nil && c.definesGlobal(fun.Name) {
			return fun.Name
		}
	}
	return ""
}

// rewriteRecovers sends the recover calls of a unit to the runtime.
func (c *compiler) rewriteRecovers(u *unit) {
	switch n := u.node.(type) {
	case *ast.FuncDecl:
		id := ""
		if n.Recv == nil && u.call == "" {
			id = n.Name.Name
		}
		c.rewriteRecoversIn(n.Body, id)
	case *ast.DeferStmt:
		if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && u.kind == stmtUnit {
			c.rewriteRecoversIn(lit.Body, c.deferID(n.Call))
			for _, a := range n.Call.Args {
				c.rewriteRecoversIn(a, "")
			}
			return
		}
		c.rewriteRecoversIn(n, "")
	case *ast.AssignStmt:
		c.rewriteRecoversInValues(n.Lhs, n.Rhs, n.Tok == token.DEFINE)
	case *ast.GenDecl:
		for _, s := range n.Specs {
			if vs, ok := s.(*ast.ValueSpec); ok && n.Tok == token.VAR {
				lhs := make([]ast.Expr, len(vs.Names))
				for i, id := range vs.Names {
					lhs[i] = id
				}
				c.rewriteRecoversInValues(lhs, vs.Values, true)
			}
		}
	default:
		if u.node != nil {
			c.rewriteRecoversIn(u.node, "")
		}
	}
}

// rewriteRecoversInValues rewrites the values of a top-level assignment: a func literal
// given to a global name is named by it, so that defer name() can recover.
func (c *compiler) rewriteRecoversInValues(lhs, rhs []ast.Expr, define bool) {
	for i, v := range rhs {
		id := ""
		if lit, ok := ast.Unparen(v).(*ast.FuncLit); ok && define && len(lhs) == len(rhs) {
			if name, ok := lhs[i].(*ast.Ident); ok && name.Name != "_" {
				id = name.Name
			}
			c.rewriteRecoversIn(lit.Body, id)
			continue
		}
		c.rewriteRecoversIn(v, "")
	}
}

// rewriteRecoversIn rewrites the recover calls in n written directly in the function named id;
// those in nested func literals belong to them (which can't be deferred at the top level).
func (c *compiler) rewriteRecoversIn(n ast.Node, id string) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			c.rewriteRecoversIn(n.Body, "")
			return false
		case *ast.CallExpr:
			if fun, ok := n.Fun.(*ast.Ident); ok && fun.Name == "recover" && fun.Obj == nil && len(n.Args) == 0 &&
				!c.definesGlobal("recover") {
				c.replace(n, gen("%s.Recover(%s, ", RuntimeName, strconv.Quote(id)), c.ref(n), gen(")"))
			}
		}
		return true
	})
}
