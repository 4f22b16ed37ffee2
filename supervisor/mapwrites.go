package supervisor

import (
	"fmt"
	"go/scanner"
	"go/token"
	"strings"
)

// mapWriteLines lists the lines of a cell that write to an indexed element
// or delete from a map: where to look after "fatal error: concurrent map
// writes", whose stack trace shows only the interpreter's own frames.
func mapWriteLines(code string) []string {
	lines := strings.Split(code, "\n")
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	s.Init(file, []byte(code), nil, 0)

	found := map[int]bool{}
	var order []int
	mark := func(pos token.Pos) {
		line := fset.Position(pos).Line
		if !found[line] {
			found[line] = true
			order = append(order, line)
		}
	}
	depth := 0          // inside brackets of an index expression
	var start token.Pos // where that expression began
	prev, prevLit := token.ILLEGAL, ""
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch {
		case tok == token.LBRACK && (prev == token.IDENT || prev == token.RBRACK || prev == token.RPAREN):
			if depth == 0 {
				start = pos
			}
			depth++
		case tok == token.RBRACK && depth > 0:
			depth--
		case depth == 0 && prev == token.RBRACK && start.IsValid() && isWrite(tok):
			mark(start)
			start = token.NoPos
		case tok == token.LPAREN && prev == token.IDENT && prevLit == "delete":
			mark(pos)
		}
		if depth == 0 && tok != token.RBRACK && !isWrite(tok) {
			start = token.NoPos
		}
		prev, prevLit = tok, lit
	}
	var out []string
	for _, n := range order {
		if n-1 < len(lines) {
			out = append(out, fmt.Sprintf("  %d: %s", n, strings.TrimSpace(lines[n-1])))
		}
	}
	return out
}

func isWrite(t token.Token) bool {
	switch t {
	case token.ASSIGN, token.INC, token.DEC, token.ADD_ASSIGN, token.SUB_ASSIGN, token.MUL_ASSIGN,
		token.QUO_ASSIGN, token.REM_ASSIGN, token.AND_ASSIGN, token.OR_ASSIGN, token.XOR_ASSIGN,
		token.SHL_ASSIGN, token.SHR_ASSIGN, token.AND_NOT_ASSIGN:
		return true
	}
	return false
}
