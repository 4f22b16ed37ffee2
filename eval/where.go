package eval

import (
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/eval/internal/compile"
)

// Running says where the cells are, for a report of something that happens to
// the whole process (a signal): the running cell's name, and the line and
// text of the top-level statement it began last. ok is false between cells.
// It is safe to call from any goroutine.
func (s *Session) Running() (cell string, line int, text string, ok bool) {
	s.mu.Lock()
	running := s.run != nil
	var generated int
	if s.chunk != nil {
		generated = s.chunk.line
	}
	s.mu.Unlock()
	if !running {
		return "", 0, "", false
	}
	seq, n := compile.Decode(generated)
	text, _ = s.cellLine(seq, n)
	return s.cellName(seq), n, strings.TrimSpace(text), true
}

// chunkLine is the line, in generated numbering, of a statement chunk's first statement: from
// the /*line _.go:L:C*/ directive it starts with, or, when that is generated code (line 0 of
// its cell: a call of the func the compiler made of a statement), from the first directive in
// that func's declaration in decl, the declarations evaluated last.
func chunkLine(src, decl string) int {
	line := firstDirective(src)
	if _, n := compile.Decode(line); n != 0 {
		return line
	}
	_, call, _ := strings.Cut(src, "*/")
	name, _, ok := strings.Cut(strings.TrimSpace(call), "(")
	if !ok {
		return line
	}
	if _, body, found := strings.Cut(decl, "func "+name+"("); found {
		if d := firstDirective(body); d/compile.LineBase == line/compile.LineBase {
			return d
		}
	}
	return line
}

// firstDirective reads the line of the first /*line _.go:L:C*/ directive in src, or 0.
func firstDirective(src string) int {
	_, rest, ok := strings.Cut(src, "/*line _.go:")
	if !ok {
		return 0
	}
	l, _, _ := strings.Cut(rest, ":")
	n, _ := strconv.Atoi(l)
	return n
}

// faultsPanic makes a memory fault of the calling goroutine (a native call
// touching unmapped memory, say a slice of an unmapped syscall.Mmap region) a
// panic that the cell can see and the session recovers, with the cell's
// line, instead of Go's "fatal error: fault", which ends the process. Every
// goroutine that runs cell code calls it first.
func faultsPanic() { debug.SetPanicOnFault(true) }
