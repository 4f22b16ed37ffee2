package compile

import (
	"fmt"
	"go/ast"
	"strconv"
	"strings"
)

// A mode is how yaegi parses an evaluation: chosen by its first token.
type mode int

const (
	fileMode mode = iota // declarations
	stmtMode             // statements, run in yaegi's main at global scope
)

// A piece is the source of one or more units in one mode.
type piece struct {
	mode   mode
	src    string
	alt    string // see Chunk.Alt; a piece with one is evaluated alone
	defs   Defs
	ranges []Note
	units  []*Unit
	assign string // a statement to run after the declarations (a func's var)
	// redefines marks declarations of names the session has, after which it may compile
	// earlier funcs again (eval/redefine.go); once marks the functions running the cell's
	// statements (or a renamed main or init), which nothing compiles again. They don't share
	// an evaluation: the statements must call the funcs compiled again.
	redefines, once bool
}

// emit renders the units, in order, into chunks.
func (c *compiler) emit(order []*unit) []Chunk {
	r := newRenderer(c.src, c.cell.Seq, c.edits)
	var pieces []piece

	// Imports first, all in one declaration: later units may use any of them.
	var imports Defs
	for _, u := range c.units {
		if u.kind != importUnit || u.skip {
			continue
		}
		for _, spec := range u.imports {
			r.text("\n")
			r.render(c.off(spec.Pos()), c.off(spec.End()))
		}
		imports = merge(imports, u.recorded)
	}
	imports = c.emitGenImports(r, imports)
	if src := r.take(); src != "" {
		pieces = append(pieces, piece{mode: fileMode, src: "import (" + src + "\n)", defs: imports})
	}

	groups := 0
	var regs []string // registrations to run before the next statement (registerErrorMethods)
	for i := 0; i < len(order); i++ {
		u := order[i]
		if u.kind != declUnit && len(regs) > 0 {
			pieces = append(pieces, c.emitRegs(r, regs, i)...)
			regs = nil
		}
		regs = append(regs, u.regs...)
		switch u.kind {
		case declUnit:
			if u.funcVar != nil && u.newVar {
				pieces = append(pieces, piece{mode: fileMode, src: r.markerText() + "var " + u.funcVar.Var + " " + u.funcVar.Type})
			}
			if u.gen != "" {
				r.marker() // generated (a type alias, see typeAlias)
				r.text(u.gen)
			} else {
				r.render(u.start, u.end)
			}
			src := r.take()
			p := piece{mode: fileMode, src: src, defs: u.recorded, ranges: u.ranges, redefines: c.redefines(u), once: u.call != ""}
			if u.gen == "" { // a declaration the compiler made up is none of the cell's units
				p.units = []*Unit{c.unitOf(u, src)}
			}
			if u.funcVar != nil {
				p.assign = r.markerText() + p.units[0].Assign
			}
			pieces = append(pieces, p)
		case varUnit, defineUnit:
			r.render(u.start, u.end)
			src := r.take()
			pieces = append(pieces, piece{mode: stmtMode, src: src, defs: u.recorded, ranges: u.ranges, units: []*Unit{c.unitOf(u, src)}})
		case callUnit:
			r.marker()
			r.text(u.call + "()")
			pieces = append(pieces, piece{mode: stmtMode, src: r.take()})
		case stmtUnit:
			// A statement runs in a generated function, called once: in a function yaegi
			// handles what it gets wrong at global scope (comma-ok forms, type switches, defer,
			// return, blocks that leak their variables, literal calls run again). One statement
			// per function, because yaegi's panic messages give a frame's first statement, not
			// the failing one. A return takes the statements after it along (it skips them), and
			// so does a cell with a goto. (A top-level defer runs at the end of the cell: see
			// rewriteDefer.)
			j := i
			for j+1 < len(order) && order[j+1].kind == stmtUnit && (c.hasGoto || takesRest(order[i:j+1])) {
				j++
			}
			group := order[i : j+1]
			i = j
			groups++
			name := fmt.Sprintf("_gkS%d_%d", c.cell.Seq, groups)
			p := piece{mode: fileMode, src: c.group(r, name, group, true), once: true}
			for _, u := range group {
				p.ranges = append(p.ranges, u.ranges...)
				p.units = append(p.units, c.unitOf(u, ""))
			}
			if last := group[len(group)-1]; last.result && last.showable {
				p.alt = c.group(r, name+"x", group, false)
			}
			pieces = append(pieces, p)
			r.marker()
			r.text(name + "()")
			call := piece{mode: stmtMode, src: r.take()}
			if p.alt != "" {
				call.alt = r.markerText() + name + "x()"
			}
			pieces = append(pieces, call)
		}
	}
	pieces = append(pieces, c.emitRegs(r, regs, len(order))...)
	return chunks(pieces)
}

// finally returns the chunk that runs the cell's top-level defers, if it has any.
func (c *compiler) finally() *Chunk {
	defers := c.topRangeDefers // a defer in a range over func at the top (rangefunc.go)
	for _, u := range c.units {
		if _, ok := u.node.(*ast.DeferStmt); ok && u.kind == stmtUnit {
			defers = true
		}
	}
	if !defers {
		return nil
	}
	return &Chunk{Stmt: true, Src: ";/*line _.go:" + strconv.Itoa(c.cell.Seq*LineBase) + ":1*/" + RuntimeName + ".RunDefers()"}
}

// redefines tells a declaration of a func or const the session has: the session then compiles
// again the funcs using it (eval/redefine.go).
func (c *compiler) redefines(u *unit) bool {
	for _, d := range u.defs {
		if c.env.Gens[d] > 0 {
			return true
		}
	}
	return false
}

// takesRest reports whether one of the statements has a return outside func literals.
func takesRest(units []*unit) bool {
	found := false
	for _, u := range units {
		ast.Inspect(u.node, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				found = true
			}
			return !found
		})
	}
	return found
}

// group renders a generated function running statements; show wraps a final result expression
// in the runtime's Show.
func (c *compiler) group(r *renderer, name string, units []*unit, show bool) string {
	r.text("func " + name + "() {\n")
	for _, u := range units {
		if u.gen != "" {
			r.marker() // generated (see registerErrorMethods)
			r.text(u.gen + "\n")
			continue
		}
		if es, ok := u.node.(*ast.ExprStmt); ok && u.result && u.showable && show {
			r.at(u.start)
			r.text(RuntimeName + ".Show(")
			r.render(c.off(es.X.Pos()), c.off(es.X.End()))
			r.text(")\n")
			continue
		}
		r.render(u.start, u.end)
		r.text("\n")
	}
	r.text("}")
	return r.take()
}

// chunks merges consecutive declarations into evaluations.
func chunks(pieces []piece) []Chunk {
	var out []Chunk
	var cur []piece
	var redefines, once bool // of cur
	flush := func() {
		redefines, once = false, false
		if len(cur) == 0 {
			return
		}
		var src, alt, assigns []string
		var defs Defs
		var ranges []Note
		var units []*Unit
		for _, p := range cur {
			src = append(src, p.src)
			alt = append(alt, p.alt)
			defs = merge(defs, p.defs)
			ranges = append(ranges, p.ranges...)
			units = append(units, p.units...)
			if p.assign != "" {
				assigns = append(assigns, p.assign)
			}
		}
		ch := Chunk{Src: strings.Join(src, "\n"), Defs: defs, Ranges: ranges, Units: units}
		if cur[0].alt != "" {
			ch.Alt = strings.Join(alt, "\n")
		}
		if cur[0].mode == stmtMode {
			ch.Stmt = true
			ch.Src = ";" + ch.Src
			if ch.Alt != "" {
				ch.Alt = ";" + ch.Alt
			}
		}
		out = append(out, ch)
		if len(assigns) > 0 {
			// The funcs' vars are set once the funcs are declared (redefine.go).
			out = append(out, Chunk{Stmt: true, Src: ";" + strings.Join(assigns, "; "), Always: true})
		}
		cur = nil
	}
	for _, p := range pieces {
		// Declarations share an evaluation; each statement gets its own, so that yaegi's panic
		// message for the top-level frame (which names the first statement) is exact.
		if len(cur) > 0 && (cur[0].mode != p.mode || p.mode == stmtMode || cur[0].alt != "" || p.alt != "" ||
			redefines && p.once || once && p.redefines) {
			flush()
		}
		cur = append(cur, p)
		redefines, once = redefines || p.redefines, once || p.once
	}
	flush()
	return out
}

// merge returns the union of two Defs.
func merge(a, b Defs) Defs {
	mergeMap(&a.Imports, b.Imports)
	mergeMap(&a.Decls, b.Decls)
	mergeMap(&a.Declared, b.Declared)
	mergeMap(&a.FuncVars, b.FuncVars)
	mergeMap(&a.VarTypes, b.VarTypes)
	a.Globals = append(a.Globals, b.Globals...)
	if len(b.Types) > 0 {
		if a.Types == nil {
			a.Types = TypeDefs{}
		}
		for k, v := range b.Types {
			a.Types[k] = v
		}
	}
	a.Funcs = append(a.Funcs, b.Funcs...)
	a.Ints = append(a.Ints, b.Ints...)
	a.Consts = append(a.Consts, b.Consts...)
	return a
}

// mergeMap adds src's entries to *dst, making it if needed.
func mergeMap[V any](dst *map[string]V, src map[string]V) {
	for k, v := range src {
		if *dst == nil {
			*dst = map[string]V{}
		}
		(*dst)[k] = v
	}
}
