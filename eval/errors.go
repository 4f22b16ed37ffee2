package eval

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/workerproto"
	yaegi "github.com/traefik/yaegi/interp"
)

// Names of a cell's errors ([workerproto.Error.Name]).
const (
	NameCompile     = "CompileError" // the cell does not compile: nothing of the failing part ran
	NamePanic       = "panic"        // a panic in the cell or in a goroutine it started
	NameInterrupted = "Interrupted"  // the cell's context was cancelled
	NameExit        = "Exit"         // os.Exit or log.Fatal with a nonzero status
	NameRuntime     = "RuntimeError" // the interpreter failed while running the cell
)

// A cellPos is a position in a cell: its sequence number, line and column.
type cellPos struct{ seq, line, col int }

// encodedPos matches a position in yaegi's messages; the line encodes the cell (see
// compile.LineBase).
var encodedPos = regexp.MustCompile(`(?:_\.go:)?(\d+):(\d+)`)

// decodePos decodes an encoded line and column.
func decodePos(line, col string) (cellPos, bool) {
	l, err1 := strconv.Atoi(line)
	c, err2 := strconv.Atoi(col)
	if err1 != nil || err2 != nil || l < compile.LineBase {
		return cellPos{}, false
	}
	seq, cl := compile.Decode(l)
	return cellPos{seq: seq, line: cl, col: c}, true
}

// where names a position: cell[3]:2:5.
func (s *Session) where(p cellPos) string {
	if p.line == 0 {
		return s.cellName(p.seq) // code the cell compiler generated
	}
	return fmt.Sprintf("%s:%d:%d", s.cellName(p.seq), p.line, p.col)
}

// translate rewrites the encoded positions in a yaegi message into cell positions.
func (s *Session) translate(msg string) string {
	return encodedPos.ReplaceAllStringFunc(msg, func(m string) string {
		sub := encodedPos.FindStringSubmatch(m)
		if p, ok := decodePos(sub[1], sub[2]); ok {
			return s.where(p)
		}
		return m
	})
}

// leadingPos returns the position a yaegi message starts with.
func leadingPos(msg string) (cellPos, bool) {
	loc := encodedPos.FindStringSubmatchIndex(msg)
	if loc == nil || loc[0] != 0 {
		return cellPos{}, false
	}
	return decodePos(msg[loc[2]:loc[3]], msg[loc[4]:loc[5]])
}

// excerpt returns the source line at a position with a caret under the column.
func (s *Session) excerpt(p cellPos) []string {
	src, ok := s.cellLine(p.seq, p.line)
	if !ok {
		return nil
	}
	return Excerpt(src, p.col)
}

// Excerpt shows a line of a cell with a caret under column col (from 1), indented, tabs as
// four spaces, as a cell's errors show their lines; a blank line shows nothing.
func Excerpt(src string, col int) []string {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	const indent = "    "
	col = min(max(col-1, 0), len(src))
	src, col = clipLine(src, col)
	var caret strings.Builder
	for _, r := range src[:col] {
		if r == '\t' {
			caret.WriteString("    ")
		} else {
			caret.WriteByte(' ')
		}
	}
	return []string{indent + strings.ReplaceAll(src, "\t", "    "), indent + caret.String() + "^"}
}

// compileErrors converts the compiler's errors for cell seq.
func (s *Session) compileErrors(seq int, list compile.ErrorList) *workerproto.Error {
	e := &workerproto.Error{Name: NameCompile}
	for i, ce := range list {
		if i == 10 {
			e.Traceback = append(e.Traceback, fmt.Sprintf("(and %d more errors)", len(list)-i))
			break
		}
		p := cellPos{seq: seq, line: ce.Line, col: ce.Col}
		line := s.where(p) + ": " + ce.Msg
		if i == 0 {
			e.Value = line
		}
		e.Traceback = append(e.Traceback, line)
		e.Traceback = append(e.Traceback, s.excerpt(p)...)
	}
	return e
}

// yaegiCompileError converts an error of yaegi's compiler.
func (s *Session) yaegiCompileError(err error) *workerproto.Error {
	msg := err.Error()
	first, _, _ := strings.Cut(msg, "\n")
	e := &workerproto.Error{Name: NameCompile, Value: s.translate(first)}
	if hint := compileHint(msg); hint != "" {
		e.Value += " (" + hint + ")"
	}
	e.Traceback = []string{e.Value}
	if p, ok := leadingPos(msg); ok {
		e.Traceback = append(e.Traceback, s.excerpt(p)...)
	}
	return e
}

// compileHint explains the yaegi messages that don't say what is wrong.
func compileHint(msg string) string {
	switch {
	case strings.Contains(msg, "nil type"), strings.Contains(msg, "nil reflect type"):
		return "the interpreter could not work out a type in this cell; range over an integer it cannot " +
			"see is an int, comma-ok forms at the top level and inferred generic calls are the usual causes: " +
			"write them out (for i := 0; i < n; i++, explicit type arguments)"
	case strings.Contains(msg, "constant definition loop"), strings.Contains(msg, "variable definition loop"):
		return "often a name that is not defined yet: run the cell that defines it first"
	case strings.Contains(msg, "undefined selector: slices."), strings.Contains(msg, "undefined selector: maps."):
		return "the interpreter has only some of the generic slices and maps functions; for sorting use " +
			"sort.Ints, sort.Strings, sort.Float64s or sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })"
	}
	return ""
}

// panicError converts a recovered panic value and yaegi's panic lines into an Error.
func (s *Session) panicError(r any, lines []string) *workerproto.Error {
	value, cut := truncate(panicValue(r), maxStringBytes)
	if cut > 0 {
		value += moreBytes(cut)
	}
	e := &workerproto.Error{Name: NamePanic, Value: value, Traceback: []string{"panic: " + value, ""}}
	for _, l := range lines {
		e.Traceback = append(e.Traceback, s.frame(l)...)
	}
	if len(e.Traceback) == 2 {
		e.Traceback = e.Traceback[:1]
	}
	return e
}

// panicValue formats a panic value like Go's runtime does.
func panicValue(r any) string {
	if v, ok := r.(reflect.Value); ok {
		if !v.IsValid() || !v.CanInterface() {
			return fmt.Sprint(v)
		}
		r = v.Interface()
	}
	var p yaegi.Panic
	if err, ok := r.(error); ok && errors.As(err, &p) {
		return panicValue(p.Value)
	}
	switch v := r.(type) {
	case nil:
		return "nil"
	case error:
		return runtimeMessage(v.Error())
	case string:
		return runtimeMessage(v)
	case fmt.Stringer:
		return v.String()
	}
	return formatValue(r)
}

// runtimeMessage rewrites the panic messages where yaegi differs from Go: reflect's panics for
// Go's runtime errors, and yaegi's own position in front of a failed type assertion (the
// traceback has the position).
func runtimeMessage(msg string) string {
	if m, ok := reflectMessages[msg]; ok {
		return m
	}
	if strings.HasPrefix(msg, "reflect: call of reflect.Value.") && strings.HasSuffix(msg, " on zero Value") {
		return "runtime error: invalid memory address or nil pointer dereference"
	}
	if loc := encodedPos.FindStringIndex(msg); loc != nil && loc[0] == 0 && strings.HasPrefix(msg[loc[1]:], ": ") {
		return msg[loc[1]+2:]
	}
	return msg
}

// reflectMessages translates the panics of reflect that yaegi lets through for Go's runtime
// errors.
var reflectMessages = map[string]string{
	"reflect: slice index out of range":              "runtime error: index out of range",
	"reflect: array index out of range":              "runtime error: index out of range",
	"reflect: string index out of range":             "runtime error: index out of range",
	"reflect.Value.Slice: slice index out of bounds": "runtime error: slice bounds out of range",
}

// frame turns one of yaegi's "L:C: panic: main.f(...)" lines into a traceback entry and the
// source line. Yaegi names the frame's function but gives the position of its first statement,
// not of the failing one. That is exact for the cell's own statements (each runs alone: at
// global scope or in a generated function); for a func the entry names it and where it is
// declared. Generated code is left out.
func (s *Session) frame(line string) []string {
	pos, fn, ok := strings.Cut(line, ": panic: ")
	if !ok {
		return nil
	}
	sub := encodedPos.FindStringSubmatch(pos)
	if sub == nil {
		return nil
	}
	p, ok := decodePos(sub[1], sub[2])
	if !ok || p.line == 0 {
		return nil // the interpreter's own code, or a generated call
	}
	fn = strings.TrimSuffix(fn, "(...)")
	name := funcName(fn)
	entry := s.where(p)
	switch {
	case name == "":
		// A statement of the cell: the position is exact.
	case strings.HasPrefix(name, "func literal"):
		entry = "in a " + name + ", at " + entry
	default:
		if decl, ok := s.declaredAt(fn); ok {
			p = decl
			entry = "in " + name + ", declared at " + s.where(decl)
		} else {
			entry = "in " + name + ", at " + entry
		}
	}
	src, ok := s.cellLine(p.seq, p.line)
	if !ok {
		return []string{entry}
	}
	return []string{entry, "    " + strings.TrimSpace(src)}
}

// funcName turns yaegi's name of a function into the cell's: main.f is f; the generated
// functions running a cell's statements have no name.
func funcName(fn string) string {
	fn = strings.TrimPrefix(fn, "main")
	fn = strings.TrimPrefix(fn, ".")
	if fn == "func" { // a func literal: of a := at the top of a cell, or converted to a named func type
		fn = ".func"
	}
	lit := 0
	for strings.HasSuffix(fn, ".func") {
		fn = strings.TrimSuffix(fn, ".func")
		lit++
	}
	switch {
	case strings.HasPrefix(fn, "_gkMain"):
		fn = "main"
	case strings.HasPrefix(fn, "_gkInit"):
		fn = "init"
	case strings.HasPrefix(fn, "_gkS"), fn == "":
		fn = ""
	}
	if lit > 0 {
		if fn == "" {
			return "func literal"
		}
		return "func literal in " + fn
	}
	return fn
}

// exitError is the error of os.Exit(code); code 0 ends the cell without error (Name ""). origin,
// if not empty, says where the exit came from ("in a goroutine started at cell[2]:3:1").
func exitError(code int, origin string) *workerproto.Error {
	if code == 0 {
		return &workerproto.Error{}
	}
	e := &workerproto.Error{Name: NameExit, Value: fmt.Sprintf("exit status %d", code)}
	e.Traceback = []string{fmt.Sprintf("the cell exited with status %d (os.Exit or log.Fatal); the kernel keeps its state", code)}
	if origin != "" {
		e.Traceback = append(e.Traceback, origin)
	}
	return e
}

func interruptedError() *workerproto.Error {
	return &workerproto.Error{
		Name:  NameInterrupted,
		Value: "the cell was interrupted",
		Traceback: []string{
			"Interrupted: the cell was interrupted",
			"Goroutines started by earlier cells were stopped too; if something looks wrong, restart the kernel.",
		},
	}
}
