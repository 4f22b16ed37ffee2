package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/workerproto"
)

// Redefining a name: yaegi binds a name when it compiles the code that uses it, so code
// compiled before a redefinition keeps the old definition (see compile's redefine.go and
// docs/redefinition.md for what was measured). The cell compiler sends the calls of funcs that
// can't be compiled again (from methods and func literals) through a var of each func, and
// marks what each declaration and statement binds. The session keeps those units:
//
//   - before a cell runs, it works out what the cell's redefinitions leave on the old
//     definitions. Funcs and consts it can evaluate again; anything else (a method or a
//     closure using a const that changes or a var declared again, a caller of a func whose
//     signature changes) makes it refuse the cell, naming that code, its cell, and what to do,
//     before anything of the cell ran;
//   - after each chunk, it evaluates again the funcs and consts that bind something the chunk
//     redefined, callees first (funcs calling each other together), and sets the funcs' vars.

// record is a unit of a cell that compiled.
type record struct {
	unit *compile.Unit
	seq  int               // its cell
	at   int               // when it was last evaluated, on the session's clock
	vars map[string]string // the vars of the funcs it calls through them, then
	gone bool              // a statement run again by a later cell
	warn bool              // said to be stale (warnStale)
}

// redefinitions is the session's record of units.
type redefinitions struct {
	owner   map[string]*record // the unit that defines each global (a method as T.M) last
	holders []*record          // the units that keep code, oldest first
	defined map[string]int     // when each global was last defined
	clock   int
}

func newRedefinitions() redefinitions {
	return redefinitions{owner: map[string]*record{}, defined: map[string]int{}}
}

// names returns the globals a unit defines (a method's T.M).
func names(u *compile.Unit) []string {
	if u.Kind == compile.MethodUnit {
		return []string{u.Name}
	}
	return u.Names
}

// keepsCode tells the units whose code may run after their cell.
func keepsCode(u *compile.Unit) bool {
	switch u.Kind {
	case compile.FuncUnit, compile.MethodUnit, compile.GenericUnit, compile.TypeUnit, compile.ConstUnit:
		return true
	}
	return len(u.Binds)+len(u.Via) > 0
}

// refreshable tells the units the session can evaluate again.
func refreshable(u *compile.Unit) bool {
	return u.Kind == compile.FuncUnit || u.Kind == compile.ConstUnit
}

// A change is how a cell redefines a global.
type change int

const (
	changedBody  change = iota + 1 // a func's new body: its var follows, direct callers must be compiled again
	changedValue                   // a const's value: every user must be compiled again
	changedVar                     // a var declared again: a new variable
	changedSig                     // a func's signature: its var changes too
	changedKind                    // a global that was something else
)

// staleUse is code a cell's redefinitions would leave on the old definition.
type staleUse struct {
	rec  *record
	name string // the global it keeps
}

// checkRedefinitions refuses a cell whose redefinitions would leave code the session can't
// evaluate again on the old definitions.
func (s *Session) checkRedefinitions(seq int, prog *compile.Program) *workerproto.Error {
	r := &s.redef
	var units []*compile.Unit
	for _, ch := range prog.Chunks {
		units = append(units, ch.Units...)
	}
	defines := map[string]bool{}
	var stmts []string
	for _, u := range units {
		for _, n := range names(u) {
			defines[n] = true
		}
		if u.Kind == compile.StmtUnit {
			stmts = append(stmts, u.Canon)
		}
	}
	changed := map[string]change{}
	where := map[string]*compile.Unit{} // the redefinition
	for _, u := range units {
		for _, n := range names(u) {
			prev := r.owner[n]
			if prev == nil {
				continue
			}
			var c change
			switch {
			case u.Kind == compile.VarUnit && u.Assigned:
				continue
			case prev.unit.Kind != u.Kind && (prev.unit.Kind == compile.FuncUnit || u.Kind == compile.FuncUnit):
				c = changedKind // the func's var no longer follows it
			case prev.unit.Kind != u.Kind:
				c = changedValue
			case u.Kind == compile.FuncUnit && funcVarName(u) != funcVarName(prev.unit):
				c = changedSig
			case u.Kind == compile.FuncUnit:
				c = changedBody
			case u.Kind == compile.ConstUnit && u.Canon != prev.unit.Canon:
				c = changedValue
			case u.Kind == compile.VarUnit:
				c = changedVar
			default:
				continue
			}
			changed[n], where[n] = c, u
		}
	}
	// A const of the cell defined as before changes with what it uses.
	for grew := true; grew; {
		grew = false
		for _, u := range units {
			if u.Kind != compile.ConstUnit {
				continue
			}
			for _, b := range u.Binds {
				for _, n := range u.Names {
					if changed[b] != 0 && changed[n] == 0 && r.owner[n] != nil {
						changed[n], where[n], grew = changedValue, u, true
					}
				}
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	var stale []staleUse
	seen := map[*record]bool{}
	for grew := true; grew; {
		grew = false
		for _, h := range r.holders {
			if !r.live(h) || seen[h] || superseded(h, defines, stmts) {
				continue
			}
			hit, sig := "", false
			for _, n := range h.unit.Binds {
				if c := changed[n]; c != 0 && !slices.Contains(names(h.unit), n) {
					hit, sig = n, sig || c == changedSig || c == changedKind
				}
			}
			for _, n := range h.unit.Via {
				if c := changed[n]; c == changedSig || c == changedKind {
					hit, sig = n, true
				}
			}
			if hit == "" {
				continue
			}
			seen[h], grew = true, true
			if refreshable(h.unit) && !sig {
				for _, n := range names(h.unit) {
					if changed[n] == 0 {
						changed[n] = changedValue
						if h.unit.Kind == compile.FuncUnit {
							changed[n] = changedBody
						}
					}
				}
				continue
			}
			stale = append(stale, staleUse{rec: h, name: hit})
		}
	}
	if len(stale) == 0 {
		return nil
	}
	return s.staleError(seq, stale, changed, where)
}

// superseded tells a unit the cell defines again: its names, or (a statement) its text.
func superseded(h *record, defines map[string]bool, stmts []string) bool {
	ns := names(h.unit)
	if len(ns) == 0 {
		return h.unit.Kind == compile.StmtUnit && slices.Contains(stmts, h.unit.Canon)
	}
	for _, n := range ns {
		if !defines[n] {
			return false
		}
	}
	return true
}

// funcVarName returns the var a func unit sets.
func funcVarName(u *compile.Unit) string {
	v, _, _ := strings.Cut(u.Assign, " = ")
	return v
}

// staleError says which code a cell's redefinitions would leave behind, and what to do.
func (s *Session) staleError(seq int, stale []staleUse, changed map[string]change, where map[string]*compile.Unit) *workerproto.Error {
	// The first redefinition that leaves code behind, through the chain of funcs the session
	// would evaluate again.
	root := stale[0].name
	for seen := map[string]bool{}; where[root] == nil && !seen[root]; {
		seen[root] = true
		found := false
		for _, h := range s.redef.holders {
			if slices.Contains(names(h.unit), root) {
				for _, n := range append(append([]string{}, h.unit.Binds...), h.unit.Via...) {
					if changed[n] != 0 && n != root {
						root, found = n, true
						break
					}
				}
			}
			if found {
				break
			}
		}
		if !found {
			break
		}
	}
	u := where[root]
	c := changed[root]
	if c == changedValue && u != nil && u.Kind == compile.VarUnit {
		c = changedVar // a const that is now a var
	}
	var what, advice string
	switch c {
	case changedValue:
		what = "const " + root + " changes, but its old value is compiled into code the interpreter can't compile again"
		advice = "Give the new value a new name, or run %reset and run the cells again."
	case changedVar:
		what = "var " + root + " is declared again, a new variable, but code the interpreter can't compile again keeps the old one"
		advice = "If it keeps its type, assign it instead (" + root + " = ...); or give it a new name, or run %reset and run the cells again."
	case changedSig:
		what = "func " + root + " changes its parameters or results, but code still calls the old " + root
		advice = "Redefine that code in this cell too, give the new func a new name, or run %reset and run the cells again."
	default:
		what = root + " is defined as something else, but code the interpreter can't compile again still uses the old " + root
		advice = "Give the new one a new name, or run %reset and run the cells again."
	}
	var list []string
	for _, st := range stale {
		list = append(list, s.describe(st.rec))
	}
	p := cellPos{seq: seq}
	if u != nil {
		p.line, p.col = u.Pos.Line, u.Pos.Col
	}
	e := &workerproto.Error{Name: NameCompile}
	e.Value = fmt.Sprintf("%s: %s: %s", s.where(p), what, strings.Join(list, ", "))
	e.Traceback = append([]string{e.Value}, s.excerpt(p)...)
	for _, st := range stale {
		q := cellPos{seq: st.rec.seq, line: st.rec.unit.Pos.Line, col: st.rec.unit.Pos.Col}
		e.Traceback = append(e.Traceback, s.describe(st.rec)+" uses "+st.name+":")
		e.Traceback = append(e.Traceback, s.excerpt(q)...)
	}
	e.Traceback = append(e.Traceback, "Nothing of this cell ran. "+advice)
	return e
}

// describe names a unit and where it is: method T.M (cell[2]:3:1).
func (s *Session) describe(rec *record) string {
	u := rec.unit
	at := s.where(cellPos{seq: rec.seq, line: u.Pos.Line, col: u.Pos.Col})
	switch u.Kind {
	case compile.FuncUnit:
		return "func " + u.Name + " (" + at + ")"
	case compile.MethodUnit:
		return "method " + u.Name + " (" + at + ")"
	case compile.GenericUnit:
		return "generic func " + u.Name + " (" + at + ")"
	case compile.TypeUnit:
		return "type " + u.Name + " (" + at + ")"
	case compile.ConstUnit:
		return "const " + u.Name + " (" + at + ")"
	case compile.VarUnit:
		return "the closure in " + u.Name + " (" + at + ")"
	}
	return "the closure in the statement at " + at
}

// recordUnits records the units of a chunk that compiled and evaluates again the funcs and
// consts that bind what it redefined.
func (s *Session) recordUnits(ch compile.Chunk) *workerproto.Error {
	if len(ch.Units) == 0 {
		return nil
	}
	r := &s.redef
	r.clock++
	t := r.clock
	for _, u := range ch.Units {
		rec := &record{unit: u, seq: s.seq, at: t, vars: map[string]string{}}
		for _, f := range u.Via {
			rec.vars[f] = s.env.FuncVars[f].Var
		}
		for _, n := range names(u) {
			if !(u.Kind == compile.VarUnit && u.Assigned) && !s.sameConst(r.owner[n], u) {
				r.defined[n] = t
			}
			r.owner[n] = rec
		}
		if u.Kind == compile.StmtUnit {
			for _, h := range r.holders {
				if h.unit.Kind == compile.StmtUnit && h.unit.Canon == u.Canon {
					h.gone = true
				}
			}
		}
		if keepsCode(u) {
			r.holders = append(r.holders, rec)
		}
	}
	r.holders = slices.DeleteFunc(r.holders, func(h *record) bool { return !r.live(h) })
	if e := s.refresh(); e != nil {
		return e
	}
	s.warnStale()
	return nil
}

// live tells a unit whose code later cells may still reach: a statement not run again, a
// declaration that still defines one of its names.
func (r *redefinitions) live(h *record) bool {
	ns := names(h.unit)
	if len(ns) == 0 {
		return !h.gone
	}
	for _, n := range ns {
		if r.owner[n] == h {
			return true
		}
	}
	return false
}

// sameConst tells a const defined again as it was, from the same definitions.
func (s *Session) sameConst(prev *record, u *compile.Unit) bool {
	if prev == nil || prev.unit.Kind != compile.ConstUnit || u.Kind != compile.ConstUnit || prev.unit.Canon != u.Canon {
		return false
	}
	for _, n := range prev.unit.Binds {
		if s.redef.defined[n] > prev.at {
			return false
		}
	}
	return true
}

// staleName returns a global a unit keeps the old definition of: one it binds defined since
// its code was compiled, or a func it calls through a var the func no longer sets.
func (s *Session) staleName(h *record) string {
	for _, n := range h.unit.Binds {
		if s.redef.defined[n] > h.at && !slices.Contains(names(h.unit), n) {
			return n
		}
	}
	for f, v := range h.vars {
		if s.env.FuncVars[f].Var != v {
			return f
		}
	}
	return ""
}

// refresh evaluates again the funcs and consts that bind definitions newer than their code,
// callees first; funcs calling each other are evaluated together.
func (s *Session) refresh() *workerproto.Error {
	r := &s.redef
	for range 1000 {
		var pending []*record
		for _, h := range r.holders {
			if refreshable(h.unit) && s.onlyBindsStale(h) {
				pending = append(pending, h)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		for _, group := range calleesFirst(pending) {
			var src []string
			for _, h := range group {
				src = append(src, h.unit.Src)
			}
			joined := strings.Join(src, "\n")
			if _, e := s.evalChunk(context.Background(), compile.Chunk{Src: joined}, joined); e != nil {
				e.Traceback = append(e.Traceback, "(while the session compiled "+s.describe(group[0])+" again)")
				return e
			}
			r.clock++
			for _, h := range group {
				if h.unit.Assign != "" {
					assign := ";" + h.unit.Assign
					if _, e := s.evalChunk(context.Background(), compile.Chunk{Stmt: true, Src: assign}, assign); e != nil {
						return e
					}
				}
				h.at = r.clock
				for _, n := range names(h.unit) {
					r.defined[n] = r.clock
				}
			}
		}
	}
	return nil
}

// onlyBindsStale tells a unit that binds a newer definition while its vars are current.
func (s *Session) onlyBindsStale(h *record) bool {
	for f, v := range h.vars {
		if s.env.FuncVars[f].Var != v {
			return false
		}
	}
	for _, n := range h.unit.Binds {
		if s.redef.defined[n] > h.at && !slices.Contains(names(h.unit), n) {
			return true
		}
	}
	return false
}

// calleesFirst orders units to evaluate: a unit after the units defining what it binds;
// units that bind each other in a group.
func calleesFirst(pending []*record) [][]*record {
	binds := func(a, b *record) bool { // a binds what b defines
		for _, n := range names(b.unit) {
			if a != b && slices.Contains(a.unit.Binds, n) {
				return true
			}
		}
		return false
	}
	reaches := func(from, to *record) bool {
		seen := map[*record]bool{from: true}
		queue := []*record{from}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for _, y := range pending {
				if !seen[y] && binds(x, y) {
					if y == to {
						return true
					}
					seen[y] = true
					queue = append(queue, y)
				}
			}
		}
		return false
	}
	var out [][]*record
	left := slices.Clone(pending)
	for len(left) > 0 {
		next := -1
		for i, h := range left {
			ready := true
			for _, o := range left {
				if binds(h, o) {
					ready = false
					break
				}
			}
			if ready {
				next = i
				break
			}
		}
		if next >= 0 {
			out = append(out, []*record{left[next]})
			left = slices.Delete(left, next, next+1)
			continue
		}
		// A cycle: the oldest unit and every unit it binds that binds it back.
		group := []*record{left[0]}
		for _, o := range left[1:] {
			if reaches(left[0], o) && reaches(o, left[0]) {
				group = append(group, o)
			}
		}
		out = append(out, group)
		left = slices.DeleteFunc(left, func(h *record) bool { return slices.Contains(group, h) })
	}
	return out
}

// warnStale says on stderr which code the session could not update, should a redefinition
// that checkRedefinitions let through leave any: never silently.
func (s *Session) warnStale() {
	for _, h := range s.redef.holders {
		if n := s.staleName(h); n != "" && !h.warn {
			fmt.Fprintf(s.stderr, "warning: %s still uses the old %s; run %%reset and run the cells again\n", s.describe(h), n)
			h.warn = true
		}
	}
}

// healFrame makes yaegi size its global frame for the symbols a failed evaluation left
// behind: yaegi declares the vars of a file before compiling it, and resizes the frame only
// when it runs something. Until then reading its globals (Globals, a var of a func) panics.
func (s *Session) healFrame() {
	s.yi.EvalWithContext(context.Background(), ";")
}
