// Package syntax answers questions about a cell's text that need no
// interpreter, such as whether a console should ask for more lines.
package syntax

import (
	"go/scanner"
	"go/token"
	"strings"
)

// Statuses of [IsComplete], spelled as Jupyter's is_complete_reply.
const (
	Complete   = "complete"
	Incomplete = "incomplete"
	Invalid    = "invalid"
)

// IsComplete tells whether code is a whole input: Incomplete while a brace,
// bracket, parenthesis, raw string or comment is open or the last token is an
// operator that needs an operand, with the indent for the next line; Invalid
// when no further line can make it parse (a closing bracket with no opener,
// a character Go doesn't have); Complete otherwise.
func IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return Complete, ""
	}
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, scanner.ScanComments)

	var open []token.Token
	last := token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue // automatic semicolon: not something the user typed
		}
		if tok == token.COMMENT {
			continue
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			open = append(open, tok)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(open) == 0 || open[len(open)-1] != opener(tok) {
				return Invalid, ""
			}
			open = open[:len(open)-1]
		}
		last = tok
	}
	for _, e := range errs {
		switch {
		case strings.Contains(e.Msg, "raw string literal not terminated"),
			strings.Contains(e.Msg, "comment not terminated"):
			return Incomplete, ""
		default:
			return Invalid, ""
		}
	}
	if len(open) > 0 {
		return Incomplete, strings.Repeat("    ", len(open))
	}
	if needsOperand(last) {
		return Incomplete, "    "
	}
	return Complete, ""
}

func opener(close token.Token) token.Token {
	switch close {
	case token.RPAREN:
		return token.LPAREN
	case token.RBRACK:
		return token.LBRACK
	}
	return token.LBRACE
}

// needsOperand reports tokens after which a Go line can't end: binary
// operators, assignment, comma, dot, arrow.
func needsOperand(t token.Token) bool {
	switch t {
	case token.INC, token.DEC, token.RPAREN, token.RBRACK, token.RBRACE:
		return false
	}
	return t.IsOperator() && t != token.SEMICOLON && t != token.COLON && t != token.ELLIPSIS
}
