package compile

import "go/ast"

// universe holds Go's predeclared names; min, max and clear come from the session's prelude.
var universe = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true,
	"complex128": true, "error": true, "float32": true, "float64": true, "int": true,
	"int8": true, "int16": true, "int32": true, "int64": true, "rune": true, "string": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"true": true, "false": true, "iota": true, "nil": true,
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true,
	"new": true, "panic": true, "print": true, "println": true, "real": true, "recover": true,
}

// check reports names that nothing defines. Yaegi reports some of them as "constant definition
// loop" and leaves half-defined names behind, so they are caught before evaluation.
func (c *compiler) check() {
	if c.dotImport || c.env.Imports["."] != "" {
		return // a dot import brings names we don't know
	}
	reported := map[string]bool{}
	for _, u := range c.units {
		if u.node == nil {
			continue
		}
		useIdents(u.node, func(id *ast.Ident) {
			name := id.Name
			if id.Obj != nil || name == "_" || reported[name] || universe[name] || c.env.Globals[name] ||
				c.imports[name] != "" || c.declared[name] {
				return
			}
			reported[name] = true
			c.errorAt(id, "undefined: %s", name)
		}, func(*ast.Ident) {})
	}
}
