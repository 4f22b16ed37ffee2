package completion

import (
	"go/scanner"
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// source is a cell's code with the one conversion between Jupyter's cursor
// positions, in code points, and byte offsets into the Go string.
type source struct{ code string }

func newSource(code string) source { return source{code: code} }

// toByte returns the byte offset of code point cp, clamped to the code.
func (s source) toByte(cp int) int {
	if cp <= 0 {
		return 0
	}
	n := 0
	for i := range s.code {
		if n == cp {
			return i
		}
		n++
	}
	return len(s.code)
}

// toCodePoint returns the number of code points before byte offset b.
func (s source) toCodePoint(b int) int {
	b = min(max(b, 0), len(s.code))
	return utf8.RuneCountInString(s.code[:b])
}

// Places a cursor can be, as far as completion is concerned.
const (
	inCode = iota
	inComment
	inString     // an ordinary string or rune literal
	inImportPath // the path of an import spec
)

// place is where a cursor is.
type place struct {
	kind int
	// For inImportPath: the byte offsets of the path between the quotes; the
	// end is the closing quote, or the end of the line when there is none.
	start, pathEnd int
}

// locate scans code to tell whether byte offset b is in a comment, a string
// or an import path. An unterminated string or comment runs to where the
// scanner stopped, so "import \"con" at the end of a cell is an import path.
func locate(code string, b int) place {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	s.Init(file, []byte(code), func(token.Position, string) {}, scanner.ScanComments)

	const (
		notImport = iota
		afterImport
		importBlock
	)
	state := notImport
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		if off >= b {
			break
		}
		end := off + len(lit)
		switch tok {
		case token.COMMENT:
			open := strings.HasPrefix(lit, "//") || !strings.HasSuffix(lit, "*/") || len(lit) < 4
			if b < end || b == end && open {
				return place{kind: inComment}
			}
			continue
		case token.STRING, token.CHAR:
			isPath := tok == token.STRING && state != notImport
			if b < end || b == end && unterminated(lit) {
				if !isPath {
					return place{kind: inString}
				}
				pathEnd := end
				if !unterminated(lit) {
					pathEnd--
				}
				return place{kind: inImportPath, start: off + 1, pathEnd: max(pathEnd, b)}
			}
		}
		switch {
		case tok == token.IMPORT:
			state = afterImport
		case state == afterImport && tok == token.LPAREN:
			state = importBlock
		case state == afterImport && (tok == token.STRING || tok == token.SEMICOLON):
			state = notImport
		case state == importBlock && tok == token.RPAREN:
			state = notImport
		}
	}
	return place{kind: inCode}
}

// unterminated tells whether a string or rune literal lacks its closing
// quote.
func unterminated(lit string) bool {
	if len(lit) < 2 || lit[len(lit)-1] != lit[0] {
		return true
	}
	if lit[0] == '`' {
		return false
	}
	// "abc\" ends with an escaped quote.
	slashes := 0
	for i := len(lit) - 2; i > 0 && lit[i] == '\\'; i-- {
		slashes++
	}
	return slashes%2 == 1
}

// isIdentRune tells whether r can be part of a Go identifier.
func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// identAround returns the byte range of the identifier at b: from its start
// up to b, and on to its end when b is inside it.
func identAround(code string, b int) (start, end int) {
	start = b
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= size
	}
	end = b
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	return start, end
}

// operandBefore returns the expression that ends just before the dot at
// byte offset dot, as far back as a selector chain goes: "fmt" in "fmt.",
// "time.Now()" in "time.Now().", "wg" in "x := wg.", "point{1, 2}" in
// "point{1, 2}.". Calls, index expressions and composite literals are taken
// whole; anything else ends the operand.
func operandBefore(code string, dot int) string {
	i := dot
	for {
		literal := false // the last bracket skipped closed a composite literal's elements
		for i > 0 && strings.IndexByte(")]}", code[i-1]) >= 0 {
			literal = code[i-1] == '}'
			open := matchingOpen(code, i-1)
			if open < 0 {
				return ""
			}
			i = open
		}
		j, _ := identAround(code, i)
		if j == i {
			break
		}
		if literal && j > 0 && code[j-1] == ']' {
			return "" // []point{} or map[string]point{}: a slice or a map has no members
		}
		i = j
		if i > 0 && code[i-1] == '.' {
			i--
			continue
		}
		break
	}
	return code[i:dot]
}

// matchingOpen finds the bracket that the one at byte offset close closes,
// skipping string and rune literals; -1 when there is none.
func matchingOpen(code string, close int) int {
	depth := 0
	for i := close; i >= 0; i-- {
		switch c := code[i]; c {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'', '`':
			// Skip back over the literal to its opening quote.
			j := i - 1
			for j >= 0 && (code[j] != c || c != '`' && j > 0 && code[j-1] == '\\') {
				if code[j] == '\n' && c != '`' {
					return -1
				}
				j--
			}
			if j < 0 {
				return -1
			}
			i = j
		}
	}
	return -1
}
