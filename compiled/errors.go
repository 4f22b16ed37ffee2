package compiled

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/workerproto"
)

// Names of a compiled cell's errors ([workerproto.Error.Name]); the interpreter's where they
// mean the same.
const (
	NameCompile     = "CompileError"   // the cell's program does not compile
	NameToolchain   = "ToolchainError" // no Go toolchain that can build it
	NameInterrupted = "Interrupted"
	NameExit        = "Exit"     // the program exited with a nonzero status
	NamePanic       = "panic"    // it panicked
	NameFatal       = "fatal"    // the Go runtime stopped it: a deadlock, concurrent map writes
	NameRace        = "DataRace" // the race detector found a data race
	NameBuild       = "BuildError"
)

// errorOf returns the error of problems at places in cells, each with its line shown, like an
// interpreted cell's.
func errorOf(errs []cellError, src sources) *workerproto.Error {
	e := &workerproto.Error{Name: NameCompile}
	for i, ce := range errs {
		if i == 10 {
			e.Traceback = append(e.Traceback, fmt.Sprintf("(and %d more errors)", len(errs)-i))
			break
		}
		line := fmt.Sprintf("%s:%d:%d: %s", ce.at.cell, ce.at.line, ce.at.col, ce.msg)
		if i == 0 {
			e.Value = line
		}
		e.Traceback = append(e.Traceback, line)
		if text, ok := src.line(ce.at.cell, ce.at.line); ok {
			e.Traceback = append(e.Traceback, eval.Excerpt(text, ce.at.col)...)
		}
	}
	return e
}

// compilerLine matches an error of the compiler: file:line:col: message.
var compilerLine = regexp.MustCompile(`^(\S+):(\d+):(\d+): (.*)$`)

// undefined matches the compiler's error for a name nothing declares.
var undefined = regexp.MustCompile(`^undefined: (\w+)$`)

// buildErrors reads the output of a failed go build: the compiler's errors at places in the
// cells, and whatever else it said.
func buildErrors(out string, prog *program) (errs []cellError, other []string) {
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "# ") || isPackageLine(line) {
			continue
		}
		m := compilerLine.FindStringSubmatch(line)
		if m == nil {
			other = append(other, line)
			continue
		}
		cell, ok := prog.cells[m[1]]
		if !ok {
			other = append(other, line)
			continue
		}
		var l, c int
		fmt.Sscan(m[2], &l)
		fmt.Sscan(m[3], &c)
		msg := m[4]
		if u := undefined.FindStringSubmatch(msg); u != nil && prog.vars[u[1]] {
			msg = earlierVar(u[1], "")
		}
		errs = append(errs, cellError{position{cell, l, c}, msg})
	}
	return errs, other
}

// isPackageLine tells the lines go build -v prints for each package it compiles, and its
// download notes, from its errors.
func isPackageLine(line string) bool {
	return !strings.ContainsAny(line, " :\t") || strings.HasPrefix(line, "go: downloading ") ||
		strings.HasPrefix(line, "go: finding ")
}

// noValue tells the compiler's error for a call without results used as a value.
func noValue(e cellError, at *position) bool {
	return at != nil && e.at.cell == at.cell && e.at.line == at.line && strings.Contains(e.msg, "(no value) used as value")
}
