// Package completion answers Jupyter's complete_request (Tab) and
// inspect_request (Shift-Tab) for Go cells, in the kernel process, without
// the interpreter: an answer never waits behind a running cell.
//
// It knows two things. What cells can import comes from an index generated
// from yaegi's symbol tables and embedded here (see internal/gen; run
// go generate after changing yaegi or a package under lib/). What the
// cells have defined so far comes from the worker after each cell, handed to
// [Engine.SetSession]. Doc comments are read from the Go sources under
// GOROOT when they are installed, once per package.
//
// The package imports only the standard library: it is linked into the
// kernel process, which never imports yaegi.
//
// Positions are in Unicode code points, as Jupyter's messaging protocol
// counts them (https://jupyter-client.readthedocs.io/en/stable/messaging.html#cursor-pos-unicode-note).
package completion

//go:generate go run ./internal/gen -o stdlib_index.json.gz

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Kinds of [Match], as JupyterLab shows them. JupyterLab's kernel completer
// reads a match's type from the reply's metadata._jupyter_types_experimental
// and draws its first letter in a badge with the whole word beside it; it
// gives "function", "instance", "class", "module" and "keyword" the first
// colors and any other word the next ones. jupyterlab-lsp, when installed,
// draws an icon for a word that names an LSP CompletionItemKind (matched
// case-insensitively): Function, Method, Struct, Interface, Variable,
// Constant, Field, Module, Keyword. The words are those, spelled as Go
// calls things where JupyterLab has no better one: a struct is "struct",
// not "class"; packages are "module" as gopls reports them.
const (
	KindFunction  = "function"
	KindMethod    = "method"
	KindStruct    = "struct"
	KindInterface = "interface"
	KindType      = "type" // a named type that is neither a struct nor an interface: time.Duration
	KindVariable  = "variable"
	KindConstant  = "constant"
	KindField     = "field"
	KindModule    = "module" // a package
	KindKeyword   = "keyword"
)

// maxMatches caps a completion list: past a couple of hundred, a list is not
// read but filtered by typing more.
const maxMatches = 200

// Symbol is a name the notebook's cells defined, as the worker reports it
// after each cell.
type Symbol struct {
	Name string // "wg", "point", "double"
	Kind string // "func", "type", "var", "const"
	// Type is the Go type as text: "sync.WaitGroup", "*sync.Mutex", "func(n int) int",
	// "main.point", "map[string]int". For a type symbol, its underlying type:
	// "struct{ X, Y int }".
	Type string
	// Members are the fields and methods of a type defined in cells.
	Members []Member
}

// Member is a field or method of a type defined in cells.
type Member struct {
	Name string
	Kind string // "field" or "method"
	// Signature is a field's type ("int", "sync.Mutex") or a method's func type
	// ("func(n int) int").
	Signature string
}

// Match is one completion.
type Match struct {
	Text      string // what replaces the range
	Kind      string // one of the Kind constants
	Signature string // how it reads in Go: "func Println(a ...any) (n int, err error)"
}

// Result is a completion reply's matches and the range they replace.
type Result struct {
	Matches []Match
	// Start and End are the range the matches replace, in code points. When
	// there is nothing to complete, both are the cursor.
	Start, End int
}

// Engine answers completion and inspection requests. It is safe for
// concurrent use.
type Engine struct {
	session atomic.Pointer[session]

	gorootOnce sync.Once
	goroot     string // "" when no Go sources were found
	docs       docCache
}

// New returns an engine with an empty session. The index is loaded on first
// use, once per process.
func New() *Engine {
	e := &Engine{}
	e.session.Store(newSession(nil, nil))
	return e
}

// SetSession replaces what the engine knows of the cells: the names they
// defined, and their imports by local name ("exec" → "os/exec").
func (e *Engine) SetSession(symbols []Symbol, imports map[string]string) {
	e.session.Store(newSession(symbols, imports))
}

// session is one immutable view of the cells.
type session struct {
	symbols map[string]*Symbol
	names   []string // sorted
	imports map[string]string
}

func newSession(symbols []Symbol, imports map[string]string) *session {
	s := &session{symbols: map[string]*Symbol{}, imports: map[string]string{}}
	for i := range symbols {
		sym := symbols[i]
		sym.Members = slices.Clone(sym.Members)
		s.symbols[sym.Name] = &sym
	}
	for name := range s.symbols {
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	for name, path := range imports {
		s.imports[name] = path
	}
	return s
}

// Complete returns the completions at cursor (in code points) in code.
func (e *Engine) Complete(code string, cursor int) Result {
	src := newSource(code)
	b := src.toByte(cursor)
	none := Result{Start: src.toCodePoint(b), End: src.toCodePoint(b)}
	ix, err := loadIndex()
	if err != nil {
		return none
	}
	at := locate(code, b)
	switch at.kind {
	case inImportPath:
		matches := ix.importPaths(code[at.start:b])
		if len(matches) == 0 {
			return none
		}
		return Result{Matches: matches, Start: src.toCodePoint(at.start), End: src.toCodePoint(at.pathEnd)}
	case inComment, inString:
		return none
	}

	start, end := identAround(code, b)
	prefix := code[start:b]
	if r, _ := utf8.DecodeRuneInString(prefix); r != utf8.RuneError && unicode.IsDigit(r) {
		return none // a number, not a name
	}
	var cands []Match
	sess := e.session.Load()
	if start > 0 && code[start-1] == '.' {
		operand := operandBefore(code, start-1)
		if operand == "" {
			return none
		}
		r := resolver{ix: ix, sess: sess}
		cands = r.members(operand)
	} else {
		if prefix == "" && start > 0 && strings.IndexByte("\"'`)]}", code[start-1]) >= 0 {
			return none // right after a literal or a closing bracket, no name can follow
		}
		cands = bareNames(ix, sess)
	}
	matches := filter(cands, prefix)
	if len(matches) == 0 {
		return none
	}
	return Result{Matches: matches, Start: src.toCodePoint(start), End: src.toCodePoint(end)}
}

// bareNames are the names a cell can write on their own: its own, its
// imports', and Go's.
func bareNames(ix *index, sess *session) []Match {
	var cands []Match
	for _, name := range sess.names {
		cands = append(cands, symbolMatch(sess.symbols[name]))
	}
	locals := make([]string, 0, len(sess.imports))
	for name := range sess.imports {
		locals = append(locals, name)
	}
	slices.Sort(locals)
	for _, name := range locals {
		if name == "_" || name == "." {
			continue
		}
		cands = append(cands, Match{Text: name, Kind: KindModule, Signature: `import "` + sess.imports[name] + `"`})
	}
	return append(cands, universe...)
}

// symbolMatch shows a cell's name.
func symbolMatch(sym *Symbol) Match {
	switch sym.Kind {
	case "func":
		return Match{Text: sym.Name, Kind: KindFunction, Signature: funcDecl(sym.Name, sym.Type)}
	case "type":
		return Match{Text: sym.Name, Kind: typeKind(sym.Type), Signature: "type " + sym.Name + " " + sym.Type}
	case "const":
		return Match{Text: sym.Name, Kind: KindConstant, Signature: "const " + sym.Name + " " + sym.Type}
	}
	return Match{Text: sym.Name, Kind: KindVariable, Signature: "var " + sym.Name + " " + sym.Type}
}

// funcDecl writes a func type as a declaration: "func double(n int) int".
func funcDecl(name, typ string) string {
	if rest, ok := strings.CutPrefix(typ, "func"); ok {
		return "func " + name + rest
	}
	return "func " + name + " " + typ
}

// typeKind tells a struct from an interface from another type by its
// underlying type's text.
func typeKind(underlying string) string {
	switch {
	case strings.HasPrefix(underlying, "struct"):
		return KindStruct
	case strings.HasPrefix(underlying, "interface"):
		return KindInterface
	}
	return KindType
}

// filter keeps the candidates that start with prefix, ignoring case, and
// sorts them: those matching with the same case first, then alphabetically.
// The first of equal texts wins, so the cells' own names hide Go's.
func filter(cands []Match, prefix string) []Match {
	lower := strings.ToLower(prefix)
	seen := map[string]bool{}
	type ranked struct {
		m     Match
		exact bool
		lower string
	}
	var keep []ranked
	for _, c := range cands {
		if seen[c.Text] || len(c.Text) < len(prefix) {
			continue
		}
		exact := strings.HasPrefix(c.Text, prefix)
		l := strings.ToLower(c.Text)
		if !exact && !strings.HasPrefix(l, lower) {
			continue
		}
		seen[c.Text] = true
		keep = append(keep, ranked{c, exact, l})
	}
	slices.SortFunc(keep, func(a, b ranked) int {
		if a.exact != b.exact {
			if a.exact {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.lower, b.lower), strings.Compare(a.m.Text, b.m.Text))
	})
	if len(keep) > maxMatches {
		keep = keep[:maxMatches]
	}
	out := make([]Match, len(keep))
	for i, k := range keep {
		out[i] = k.m
	}
	return out
}
