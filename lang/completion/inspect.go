package completion

import (
	"go/doc"
	"go/scanner"
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// Detail levels of an inspect_request.
const (
	detailBrief = 0 // Shift-Tab: the signature and the first paragraph
	detailFull  = 1 // "??": the whole doc comment
)

// Inspect describes the name at cursor (in code points) in code: on it,
// right after it, or, inside a call's parentheses, the function called. It
// returns plain text; found is false when the name is unknown. The doc
// comments of the standard library are read from GOROOT; without them the
// text is the signature alone.
func (e *Engine) Inspect(code string, cursor, detail int) (text string, found bool) {
	ix, err := loadIndex()
	if err != nil {
		return "", false
	}
	src := newSource(code)
	b := src.toByte(cursor)
	full := detail >= detailFull

	at := locate(code, b)
	if at.kind == inCode && b > 0 && code[b-1] == '"' {
		// Right after an import path's closing quote.
		if before := locate(code, b-1); before.kind == inImportPath {
			at = before
		}
	}
	if at.kind == inImportPath {
		if p := ix.byPath[code[at.start:at.pathEnd]]; p != nil {
			return e.describePackage(p, full), true
		}
		return "", false
	}

	start, end := identAround(code, b)
	if at.kind != inCode || start == end || startsWithDigit(code[start:end]) {
		start, end = calleeBefore(code, b)
		if start == end {
			return "", false
		}
	}
	name := code[start:end]
	r := resolver{ix: ix, sess: e.session.Load()}
	if start > 0 && code[start-1] == '.' {
		operand := operandBefore(code, start-1)
		v, ok := r.evalText(operand)
		if operand == "" || !ok {
			return "", false
		}
		return e.describeSelection(r, v, name, full)
	}
	return e.describeName(r, name, full)
}

func startsWithDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}

// calleeBefore finds the function whose call's parentheses hold byte offset
// b: the identifier before the innermost open parenthesis, as IPython
// inspects the call the cursor is in.
func calleeBefore(code string, b int) (start, end int) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	s.Init(file, []byte(code), func(token.Position, string) {}, 0)
	type open struct {
		tok token.Token
		off int
	}
	var stack []open
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		if off >= b {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, open{tok, off})
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 || stack[len(stack)-1].tok != token.LPAREN {
		return b, b
	}
	paren := stack[len(stack)-1].off
	start, _ = identAround(code, paren)
	if start == paren || isKeyword(code[start:paren]) {
		return b, b
	}
	return start, paren
}

// describeName describes a name written on its own: the cells' own, a
// package, or one of Go's.
func (e *Engine) describeName(r resolver, name string, full bool) (string, bool) {
	if sym, ok := r.sess.symbols[name]; ok {
		return describeSymbol(r, sym, full), true
	}
	if p := r.ix.lookupPkg(r.sess, name); p != nil {
		return e.describePackage(p, full), true
	}
	for _, u := range universe {
		if u.Text == name && u.Kind != KindKeyword {
			var doc string
			if d := e.docsFor(builtinPath); d != nil {
				doc = d.memberDoc(name)
			}
			return layout(u.Signature, docText(doc, full)), true
		}
	}
	return "", false
}

// describeSelection describes x.name, where x evaluated to v.
func (e *Engine) describeSelection(r resolver, v value, name string, full bool) (string, bool) {
	switch {
	case v.pkg != nil:
		m := v.pkg.byName[name]
		if m == nil {
			return "", false
		}
		return e.describeMember(r, v.pkg, m, full), true
	case v.typ.ti != nil:
		m := v.typ.ti.byName[name]
		if m == nil {
			return "", false
		}
		var doc string
		if m.Doc != "" {
			doc = m.Doc
		} else if path, typeName, ok := splitKey(v.typ.key); ok {
			if d := e.docsFor(path); d != nil {
				doc = d.typeMemberDoc(typeName, name)
			}
		}
		return layout(m.Sig, docText(doc, full)), true
	case v.typ.sym != nil:
		for _, m := range v.typ.sym.Members {
			if m.Name == name {
				return cellMemberMatch(v.typ.sym.Name, m).Signature, true
			}
		}
	}
	return "", false
}

// describeMember describes a package member: its declaration, its doc and,
// for a type in full, its methods.
func (e *Engine) describeMember(r resolver, p *pkg, m *indexfile.Member, full bool) string {
	sig, doc := m.Sig, m.Doc
	var d *pkgDocs
	if p.doc == "" && doc == "" {
		d = e.docsFor(p.path)
		if d != nil {
			doc = d.memberDoc(m.Name)
		}
	}
	if m.Kind != indexfile.KindType || !full {
		return layout(sig, docText(doc, full))
	}
	if d != nil {
		if decl := d.typeDecl(m.Name); decl != "" {
			sig = decl
		}
	}
	text := layout(sig, docText(doc, true))
	if ti := r.ix.types[m.Type]; ti != nil {
		var lines []string
		for _, tm := range ti.members {
			if tm.Kind == indexfile.KindMethod {
				lines = append(lines, tm.Sig)
			}
		}
		if len(lines) > 0 {
			text += "\n\n" + strings.Join(lines, "\n")
		}
	}
	return text
}

// describePackage describes a package: its synopsis, or its whole doc.
func (e *Engine) describePackage(p *pkg, full bool) string {
	head := "package " + p.name + ` // import "` + p.path + `"`
	text := p.doc
	if text == "" {
		if d := e.docsFor(p.path); d != nil {
			text = d.pkg.Doc
		}
	}
	if !full && text != "" {
		return layout(head, new(doc.Package).Synopsis(text))
	}
	return layout(head, docText(text, true))
}

// describeSymbol describes a name defined in cells. A variable's value is
// the kernel's to add: this is its type.
func describeSymbol(r resolver, sym *Symbol, full bool) string {
	m := symbolMatch(sym)
	if sym.Kind != "type" {
		text := m.Signature
		if full && sym.Kind == "var" {
			if t := r.typeOf(sym.Type); t.ti != nil {
				text += "\n\n" + strings.Join(memberSigs(r.ix.typeMatches(t.ti)), "\n")
			}
		}
		return text
	}
	var lines []string
	for _, mem := range sym.Members {
		lines = append(lines, cellMemberMatch(sym.Name, mem).Signature)
	}
	if len(lines) == 0 {
		return m.Signature
	}
	return m.Signature + "\n\n" + strings.Join(lines, "\n")
}

func memberSigs(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Signature
	}
	return out
}

// layout puts a declaration above its doc.
func layout(decl, doc string) string {
	if doc == "" {
		return decl
	}
	return decl + "\n\n" + doc
}

// splitKey splits an index type key into package path and type name.
func splitKey(key string) (path, name string, ok bool) {
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return builtinPath, key, true // error
	}
	return key[:i], key[i+1:], true
}

// VariableAt names the variable the cells defined that the cursor is on (a
// plain name, not a field after a dot), for the kernel to add its value to
// an inspection.
func (e *Engine) VariableAt(code string, cursor int) (string, bool) {
	b := newSource(code).toByte(cursor)
	if locate(code, b).kind != inCode {
		return "", false
	}
	start, end := identAround(code, b)
	if start == end || (start > 0 && code[start-1] == '.') {
		return "", false
	}
	name := code[start:end]
	sym := e.session.Load().symbols[name]
	return name, sym != nil && sym.Kind == "var"
}
