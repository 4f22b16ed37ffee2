package compile

import (
	"go/ast"
	"go/token"
)

// rewriteRecvValues puts in parentheses a receive whose value is assigned to a variable:
//
//	x = <-ch      =>  x = (<-ch)
//	v := <-ch     =>  v := (<-ch)
//	var v = <-ch  =>  var v = (<-ch)
//
// Yaegi stores the received value itself in the variable, unaddressable: the next assignment
// to it panics with "reflect: reflect.Value.Set using unaddressable value" (measured with
// v0.16.1, globals and locals alike; the comma-ok form v, ok = <-ch is fine). In parentheses
// the value is copied. The receive of a select case is left alone (rewriteSelectBranches).
func (c *compiler) rewriteRecvValues(n ast.Node, comm map[ast.Stmt]bool) {
	wrap := func(lhs int, rhs []ast.Expr) {
		if lhs != len(rhs) {
			return
		}
		for _, e := range rhs {
			if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
				c.replace(u, gen("("), c.ref(u), gen(")"))
			}
		}
	}
	switch n := n.(type) {
	case *ast.AssignStmt:
		if (n.Tok == token.ASSIGN || n.Tok == token.DEFINE) && !comm[n] {
			wrap(len(n.Lhs), n.Rhs)
		}
	case *ast.ValueSpec:
		wrap(len(n.Names), n.Values)
	}
}
