package compile

import (
	"go/scanner"
	"go/token"
	"strings"
)

// spanKind says what a top-level span of a cell holds.
type spanKind int

const (
	declSpan    spanKind = iota // one import, const, var, type or func declaration
	stmtSpan                    // a run of statements between declarations
	packageSpan                 // a package clause, dropped
)

// A span is a range of a cell's source, [start, end) in bytes.
type span struct {
	kind       spanKind
	start, end int
}

// tok is one scanned token: its offset, kind and literal text.
type tok struct {
	off int
	tok token.Token
	lit string
}

// scan returns the tokens of src, comments left out. Scanner errors are ignored here: the
// parser reports them with better messages.
func scan(src string) []tok {
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			return toks
		}
		toks = append(toks, tok{off: file.Offset(pos), tok: t, lit: lit})
	}
}

// split cuts a cell into declarations and runs of statements, in source order.
//
// go/parser cannot parse a cell that mixes both, so the cell is cut at depth-0 tokens: a
// declaration starts with import, const, var, type or a func that is not a literal, at the start
// of a statement outside any brackets, and ends at the next depth-0 semicolon (real or
// inserted at a newline). Everything between declarations is a statement run, parsed later as
// a function body.
func split(src string, toks []tok) []span {
	var spans []span
	runStart := 0
	addRun := func(end int) {
		if strings.TrimSpace(src[runStart:end]) != "" {
			spans = append(spans, span{kind: stmtSpan, start: runStart, end: end})
		}
	}
	depth := 0
	atStmtStart := true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if depth == 0 && atStmtStart && startsDecl(toks, i) {
			kind := declSpan
			if t.tok == token.PACKAGE {
				kind = packageSpan
			}
			addRun(t.off)
			end, next := declEnd(src, toks, i)
			spans = append(spans, span{kind: kind, start: t.off, end: end})
			runStart = end
			i = next - 1 // the loop's i++ moves past the terminating semicolon
			atStmtStart = true
			continue
		}
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		}
		atStmtStart = depth == 0 && t.tok == token.SEMICOLON
	}
	addRun(len(src))
	return spans
}

// startsDecl reports whether the token at i starts a declaration.
func startsDecl(toks []tok, i int) bool {
	switch toks[i].tok {
	case token.IMPORT, token.CONST, token.VAR, token.TYPE, token.PACKAGE:
		return true
	case token.FUNC:
		return isFuncDecl(toks, i)
	}
	return false
}

// isFuncDecl tells a func declaration (`func f(`, `func (r T) m(`) from a func literal
// (`func() {...}()`) used as a statement.
func isFuncDecl(toks []tok, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	switch toks[i+1].tok {
	case token.IDENT:
		return true
	case token.LPAREN:
		// A method has a receiver list followed by a name and '(' or '[' (type parameters).
		depth := 0
		for j := i + 1; j < len(toks); j++ {
			switch toks[j].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			}
			if depth == 0 {
				return j+2 < len(toks) && toks[j+1].tok == token.IDENT &&
					(toks[j+2].tok == token.LPAREN || toks[j+2].tok == token.LBRACK)
			}
		}
	}
	return false
}

// declEnd finds the end of the declaration starting at token i: the offset just past its last
// token, and the index of the first token after it.
func declEnd(src string, toks []tok, i int) (end, next int) {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 {
				if toks[j].lit == ";" {
					return toks[j].off + 1, j + 1
				}
				return tokEnd(src, toks[j-1]), j + 1
			}
		}
	}
	return len(src), len(toks)
}

// tokEnd returns the offset just past a token.
func tokEnd(src string, t tok) int {
	n := len(t.lit)
	switch {
	case t.tok == token.SEMICOLON:
		if t.lit == ";" {
			n = 1
		} else {
			n = 0
		}
	case t.tok.IsOperator():
		n = len(t.tok.String())
	case t.tok == token.STRING && len(t.lit) > 0 && t.lit[0] == '`':
		// The scanner drops carriage returns from raw strings: find the closing quote.
		for k := t.off + 1; k < len(src); k++ {
			if src[k] == '`' {
				return k + 1
			}
		}
	}
	return t.off + n
}
