package compile

import "go/ast"

// rewritePrint sends the print and println builtins to the runtime, which writes to the
// cell's stderr as Go does (yaegi writes them to stdout, with fmt's formatting):
//
//	println("n =", n)  =>  _gkrt.Println("n =", n)
//
// A print or println the session defines (a func, a var) is left alone.
func (c *compiler) rewritePrint(call *ast.CallExpr) {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || id.Obj != nil || (id.Name != "print" && id.Name != "println") || c.definesGlobal(id.Name) {
		return
	}
	name := "Print"
	if id.Name == "println" {
		name = "Println"
	}
	c.replace(id, genAt(c.off(id.Pos()), RuntimeName+"."+name))
}

// definesGlobal reports whether the session or this cell defines a global name.
func (c *compiler) definesGlobal(name string) bool {
	return c.env.Globals[name] || c.cellDefines(name)
}

// cellDefines reports whether this cell defines a global name.
func (c *compiler) cellDefines(name string) bool {
	for _, u := range c.units {
		for _, d := range u.defs {
			if d == name {
				return true
			}
		}
	}
	return false
}
