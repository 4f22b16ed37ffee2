// Command cellfmt checks that the Go cells of lesson sources are formatted the way gofmt
// formats Go, and with -w rewrites them so.
//
//	go run ./notebooks/cellfmt [-w] notebooks/source/*/*.md
//
// A code cell starts at a line "```go cell=ID" (which may go on with " tags=...") and ends at the next line "```". A cell is
// not a Go file: it mixes imports, declarations and statements at its top level. cellfmt
// splits it at the lines where a top-level item starts, formats each run of declarations
// as a file and each run of statements as a list of statements (with [format.Source],
// which accepts both), and joins them again with one blank line or none
// between, as the cell had. A magic line at the top of a cell, such as "%%compile -race",
// is kept as it is and the Go below it formatted. It exits with status 1 when a cell is not formatted (or
// doesn't parse), naming the file, line and cell.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"go/scanner"
	"go/token"
	"os"
	"regexp"
	"strings"
)

var codeMarker = regexp.MustCompile("^```go cell=([A-Za-z0-9_-]+)(?: tags=\\S+)?$")

func main() {
	write := flag.Bool("w", false, "rewrite the cells of the files in place")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cellfmt [-w] lesson.md ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	bad := false
	for _, name := range flag.Args() {
		ok, err := file(name, *write)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cellfmt:", err)
			os.Exit(2)
		}
		bad = bad || !ok
	}
	if bad {
		os.Exit(1)
	}
}

// file checks (or with write, formats) the code cells of one lesson source. It reports
// false when a cell is not formatted and the file was not rewritten.
func file(name string, write bool) (bool, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return false, err
	}
	lines := strings.Split(string(data), "\n")
	ok, changed := true, false
	for i := 0; i < len(lines); i++ {
		m := codeMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		if end == len(lines) {
			return false, fmt.Errorf("%s:%d: cell %s has no closing ```", name, i+1, m[1])
		}
		src := strings.Join(lines[i+1:end], "\n")
		got, err := Cell(src)
		switch {
		case err != nil:
			fmt.Printf("%s:%d: cell %s does not parse: %v\n", name, i+1, m[1], err)
			ok = false
		case got != src && write:
			lines = append(lines[:i+1], append(strings.Split(got, "\n"), lines[end:]...)...)
			end = i + 1 + strings.Count(got, "\n") + 1
			changed = true
		case got != src:
			fmt.Printf("%s:%d: cell %s is not gofmt-clean (cellfmt -w formats it):\n%s", name, i+1, m[1], firstDifference(src, got))
			ok = false
		}
		i = end
	}
	if changed {
		if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			return false, err
		}
		fmt.Println("formatted", name)
	}
	return ok, nil
}

// firstDifference shows the first lines where a cell and its formatted form differ.
func firstDifference(have, want string) string {
	h, w := strings.Split(have, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(h), len(w)); i++ {
		var a, b string
		if i < len(h) {
			a = h[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("    cell line %d: %q\n    gofmt wants:  %q\n", i+1, a, b)
		}
	}
	return ""
}

// item is a top-level piece of a cell: a declaration or a statement, with the comments
// right above it.
type item struct {
	start, end int // byte offsets
	decl       bool
}

// Cell returns src formatted as gofmt would format it, below its magic line, if any.
func Cell(src string) (string, error) {
	if strings.HasPrefix(src, "%") {
		magic, rest, _ := strings.Cut(src, "\n")
		if strings.TrimSpace(rest) == "" {
			return magic, nil
		}
		got, err := Cell(rest)
		return magic + "\n" + got, err
	}
	items, err := split(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j].decl == items[i].decl {
			j++
		}
		if i > 0 {
			b.WriteString(separator(src[items[i-1].end:items[i].start]))
		}
		out, err := formatGroup(src[items[i].start:items[j-1].end], items[i].decl)
		if err != nil {
			return "", err
		}
		b.Write(bytes.TrimSpace(out))
		i = j
	}
	return b.String(), nil
}

// filePrefix turns a run of declarations into a file. Formatted as a file, not as a
// partial source, because go/format misplaces a space in a one-line func after a doc
// comment in partial sources ("func f()  {}").
const filePrefix = "package p\n\n"

func formatGroup(src string, decl bool) ([]byte, error) {
	if !decl {
		return format.Source([]byte(src))
	}
	out, err := format.Source([]byte(filePrefix + src))
	if err != nil {
		return nil, err
	}
	return bytes.TrimPrefix(out, []byte(filePrefix)), nil
}

// separator is what gofmt leaves of the space between two top-level items: a blank line
// if there was one, else a line break.
func separator(space string) string {
	if strings.Count(space, "\n") >= 2 {
		return "\n\n"
	}
	return "\n"
}

// split finds the top-level items of a cell: an item starts at a token in the first column
// of a line, outside any brackets, unless a comment right above belongs to it.
func split(src string) ([]item, error) {
	fset := token.NewFileSet()
	f := fset.AddFile("cell", -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(f, []byte(src), func(pos token.Position, msg string) { errs.Add(pos, msg) }, scanner.ScanComments)
	var items []item
	depth, lastLine := 0, 0
	commentOpen := false // the current item so far is only comments
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue // an automatic semicolon: not a token of the source
		}
		p := f.Position(pos)
		off := f.Offset(pos)
		if len(items) == 0 || depth == 0 && p.Column == 1 && p.Line > lastLine {
			attached := commentOpen && p.Line == lastLine+1
			if !attached {
				items = append(items, item{start: off})
			}
			commentOpen = tok == token.COMMENT && (!attached || commentOpen)
			if tok != token.COMMENT {
				items[len(items)-1].decl = isDecl(tok)
			}
		} else if tok != token.COMMENT && commentOpen {
			commentOpen = false
		}
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
		end := off + len(lit)
		if lit == "" {
			end = off + len(tok.String())
		}
		items[len(items)-1].end = end
		lastLine = f.Position(token.Pos(f.Base() + end - 1)).Line
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no Go code")
	}
	return items, nil
}

func isDecl(tok token.Token) bool {
	switch tok {
	case token.IMPORT, token.FUNC, token.TYPE, token.CONST, token.VAR:
		return true
	}
	return false
}
