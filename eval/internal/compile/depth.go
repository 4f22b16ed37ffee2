package compile

import (
	"go/ast"
	"go/token"
	"strings"
)

// Nesting limits. Parsing and compiling a cell recurse once per level of nesting, and the
// interpreter's worker runs with a bounded stack (64 MiB): go/parser overflows it at about
// 100,000 nested parentheses, yaegi's compiler already between 20,000 and 40,000 levels of
// nested expressions (parentheses, brackets, unary operators, a chain of binary operators).
// A stack overflow is fatal to the process, so a cell nested that deeply must be refused
// before either runs. Real code nests a few dozen levels; the limits are far above that and
// far below the overflow.
const (
	// MaxBrackets bounds the nesting of parentheses, brackets and braces, checked on the
	// tokens before anything parses the cell.
	MaxBrackets = 1000
	// MaxTreeDepth bounds the depth of a parsed declaration or statement: it also catches
	// deep trees without brackets, such as a long chain of + or of else if.
	MaxTreeDepth = 5000
)

// nestingHint is what the learner can do about a cell nested too deeply.
const nestingHint = "split it up, e.g. with intermediate variables or functions"

// checkBrackets refuses a cell whose brackets nest more than MaxBrackets deep, at the first
// bracket past the limit. It runs on the tokens, so that go/parser never sees such a cell.
func (c *compiler) checkBrackets() {
	depth := 0
	for _, t := range c.toks {
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
			if depth > MaxBrackets {
				c.errorf(t.off, "expression nested too deeply: more than %d levels of parentheses, brackets or braces; %s",
					MaxBrackets, nestingHint)
				return
			}
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		}
	}
}

// checkDepth refuses a parsed unit whose syntax tree is deeper than MaxTreeDepth, at the node
// past the limit. The walk never goes deeper than the limit itself.
func (c *compiler) checkDepth() {
	for _, u := range c.units {
		if u.node == nil {
			continue
		}
		depth := 0
		var deep ast.Node
		ast.Inspect(u.node, func(n ast.Node) bool {
			if n == nil {
				depth--
				return false
			}
			if deep != nil {
				return false
			}
			if depth++; depth > MaxTreeDepth {
				deep = n
				depth--
				return false
			}
			return true
		})
		if deep != nil {
			c.errorAt(deep, "expression nested too deeply: more than %d levels (a long chain of operators, calls or else-ifs nests as deep as it is long); %s",
				MaxTreeDepth, nestingHint)
			return
		}
	}
}

// nestingMessage rewrites go/parser's own nesting limits, which a cell can reach before ours
// (it counts scopes: blocks, func literals, each else-if), in the words of our limits.
func nestingMessage(msg string) string {
	if strings.HasPrefix(msg, "exceeded max nesting depth") || strings.HasPrefix(msg, "exceeded max scope depth") {
		return "expression nested too deeply: more levels of blocks, else-ifs or operators than the Go parser takes; " + nestingHint
	}
	return msg
}
