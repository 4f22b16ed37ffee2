package completion

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// resolver works out what an expression before a dot is, from the index and
// the session alone: no type checker, just enough to follow a selector chain
// such as time.Now().UTC() or wg, or a cell type's fields.
type resolver struct {
	ix   *index
	sess *session
}

// typeRef is a named type: one from the index, or one defined in cells.
type typeRef struct {
	key string    // the index's key; "" for a cell type
	ti  *typeInfo // its members, when the index has them
	sym *Symbol   // a type defined in cells
}

// value is what an expression denotes.
type value struct {
	pkg    *pkg    // a package name
	typ    typeRef // the expression's type, or the type it names when isType
	isType bool
	result typeRef // for a function: its first result's type
}

// members lists what can follow "operand." in a cell.
func (r resolver) members(operand string) []Match {
	v, ok := r.evalText(operand)
	if !ok {
		return nil
	}
	switch {
	case v.pkg != nil:
		return r.ix.pkgMatches(v.pkg)
	case v.typ.ti != nil:
		ms := r.ix.typeMatches(v.typ.ti)
		if v.isType { // a method expression: T.Method
			kept := ms[:0]
			for _, m := range ms {
				if m.Kind == KindMethod {
					kept = append(kept, m)
				}
			}
			ms = kept
		}
		return ms
	case v.typ.sym != nil:
		var out []Match
		for _, m := range v.typ.sym.Members {
			if v.isType && m.Kind != "method" {
				continue
			}
			out = append(out, cellMemberMatch(v.typ.sym.Name, m))
		}
		return out
	}
	return nil
}

// cellMemberMatch shows a field or method of a type defined in cells:
// "X int", "func (point) Norm() float64".
func cellMemberMatch(owner string, m Member) Match {
	if m.Kind != "method" {
		return Match{Text: m.Name, Kind: KindField, Signature: m.Name + " " + m.Signature}
	}
	sig := m.Signature
	if rest, ok := strings.CutPrefix(sig, "func"); ok && !strings.HasPrefix(sig, "func (") {
		sig = "func (" + owner + ") " + m.Name + rest
	}
	return Match{Text: m.Name, Kind: KindMethod, Signature: sig}
}

// evalText parses and evaluates an expression.
func (r resolver) evalText(expr string) (value, bool) {
	e, err := parser.ParseExpr(expr)
	if err != nil {
		return value{}, false
	}
	return r.eval(e), true
}

func (r resolver) eval(e ast.Expr) value {
	switch e := e.(type) {
	case *ast.Ident:
		if sym, ok := r.sess.symbols[e.Name]; ok {
			switch sym.Kind {
			case "func":
				return value{result: r.resultOf(sym.Type)}
			case "type":
				return value{isType: true, typ: typeRef{sym: sym}}
			}
			return value{typ: r.typeOf(sym.Type)}
		}
		if p := r.ix.lookupPkg(r.sess, e.Name); p != nil {
			return value{pkg: p}
		}
		if e.Name == "error" {
			return value{isType: true, typ: r.keyRef("error")}
		}
	case *ast.SelectorExpr:
		x := r.eval(e.X)
		switch {
		case x.pkg != nil:
			if m := x.pkg.byName[e.Sel.Name]; m != nil {
				return r.memberValue(m)
			}
		case x.typ.ti != nil:
			if m := x.typ.ti.byName[e.Sel.Name]; m != nil {
				return r.memberValue(m)
			}
		case x.typ.sym != nil:
			for _, m := range x.typ.sym.Members {
				if m.Name != e.Sel.Name {
					continue
				}
				if m.Kind == "method" {
					return value{result: r.resultOf(m.Signature)}
				}
				return value{typ: r.typeOf(m.Signature)}
			}
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && (id.Name == "new" || id.Name == "make") && len(e.Args) > 0 {
			if _, shadowed := r.sess.symbols[id.Name]; !shadowed {
				return value{typ: r.typeOfExpr(e.Args[0])}
			}
		}
		f := r.eval(e.Fun)
		if f.isType { // a conversion
			return value{typ: f.typ}
		}
		return value{typ: f.result}
	case *ast.ParenExpr:
		return r.eval(e.X)
	case *ast.StarExpr:
		return r.eval(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return r.eval(e.X)
		}
	case *ast.CompositeLit:
		if e.Type != nil {
			return value{typ: r.typeOfExpr(e.Type)}
		}
	}
	return value{}
}

// memberValue is what a package member or a field or method denotes.
func (r resolver) memberValue(m *indexfile.Member) value {
	switch m.Kind {
	case indexfile.KindFunc, indexfile.KindMethod:
		return value{result: r.keyRef(m.Type)}
	case indexfile.KindType:
		return value{isType: true, typ: r.keyRef(m.Type)}
	}
	return value{typ: r.keyRef(m.Type)}
}

func (r resolver) keyRef(key string) typeRef {
	if key == "" {
		return typeRef{}
	}
	return typeRef{key: key, ti: r.ix.types[key]}
}

// typeOf resolves a type written as text, as the worker reports a cell
// value's type: "sync.WaitGroup", "*sync.Mutex", "main.point".
func (r resolver) typeOf(text string) typeRef {
	e, err := parser.ParseExpr(text)
	if err != nil {
		return typeRef{}
	}
	return r.typeOfExpr(e)
}

func (r resolver) typeOfExpr(e ast.Expr) typeRef {
	switch e := e.(type) {
	case *ast.StarExpr:
		return r.typeOfExpr(e.X)
	case *ast.ParenExpr:
		return r.typeOfExpr(e.X)
	case *ast.Ident:
		if sym, ok := r.sess.symbols[e.Name]; ok && sym.Kind == "type" {
			return typeRef{sym: sym}
		}
		if e.Name == "error" {
			return r.keyRef("error")
		}
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return typeRef{}
		}
		if x.Name == "main" {
			if sym, ok := r.sess.symbols[e.Sel.Name]; ok && sym.Kind == "type" {
				return typeRef{sym: sym}
			}
			return typeRef{}
		}
		if key, ti := r.ix.typeByPkgName(r.sess, x.Name, e.Sel.Name); ti != nil {
			return typeRef{key: key, ti: ti}
		}
	}
	return typeRef{}
}

// resultOf resolves the first result of a func type written as text:
// "func(n int) *bytes.Buffer", or a method as declared,
// "func (p point) Scale(k int) point".
func (r resolver) resultOf(text string) typeRef {
	if rest, ok := strings.CutPrefix(text, "func ("); ok {
		if i := strings.Index(rest, ")"); i >= 0 {
			rest = strings.TrimSpace(rest[i+1:])
			// Drop the method name.
			if j := strings.Index(rest, "("); j >= 0 {
				text = "func" + rest[j:]
			}
		}
	}
	e, err := parser.ParseExpr(text)
	if err != nil {
		return typeRef{}
	}
	ft, ok := e.(*ast.FuncType)
	if !ok || ft.Results == nil || len(ft.Results.List) == 0 {
		return typeRef{}
	}
	return r.typeOfExpr(ft.Results.List[0].Type)
}
