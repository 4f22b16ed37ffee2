package eval

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"go/token"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/eval/internal/gotypes"
	"github.com/gokernel/gokernel/eval/internal/modern"
	"github.com/gokernel/gokernel/eval/modules"
	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/workerproto"
)

// NameImport is the error of a cell whose import of a package beyond the standard library
// failed: nothing of the cell ran.
const NameImport = "ImportError"

// goPath is the interpreter's GOPATH: the session's module tree (modules.Tree), which exists
// only in the session, not on disk.
const goPath = "/nonexistent/gokernel"

// moduleImports is what the session keeps of the packages of modules cells import (see package
// modules): the session's module, the tree the interpreter reads them from, and the packages
// the interpreter refused, which it can't be asked again (its import state is left half-made).
type moduleImports struct {
	resolver *modules.Resolver
	tree     *modules.Tree
	failed   map[string]*modules.Error // by import path

	interpreting func(importPath, module string) // Config.Interpreting
}

func newModuleImports(environ func() []string, interpreting func(string, string)) *moduleImports {
	return &moduleImports{
		interpreting: interpreting,
		resolver:     modules.New(modules.Config{Environ: environ}),
		tree:         modules.NewTree(goPath),
		failed:       map[string]*modules.Error{},
	}
}

// An importRef is an import path a cell writes, and where.
type importRef struct {
	path string
	off  int // of the path's literal
}

// scanImports returns the import paths of a cell's import declarations. A cell that doesn't
// scan is left to the cell compiler, which says why.
func scanImports(code string) []importRef {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(file, []byte(code), func(token.Position, string) {}, 0)
	next := func() (token.Pos, token.Token, string) { return sc.Scan() }
	var refs []importRef
	add := func(pos token.Pos, lit string) {
		if p, err := strconv.Unquote(lit); err == nil {
			refs = append(refs, importRef{path: p, off: file.Offset(pos)})
		}
	}
	for {
		_, tok, _ := next()
		if tok == token.EOF {
			return refs
		}
		if tok != token.IMPORT {
			continue
		}
		pos, tok, lit := next()
		if tok == token.LPAREN {
			for {
				pos, tok, lit = next()
				if tok == token.RPAREN || tok == token.EOF {
					break
				}
				if tok == token.STRING {
					add(pos, lit)
				}
			}
			continue
		}
		if tok == token.IDENT || tok == token.PERIOD {
			pos, tok, lit = next()
		}
		if tok == token.STRING {
			add(pos, lit)
		}
	}
}

// isModulePath tells an import path that names a package of a module: its first element has a
// dot (golang.org/x/sync/errgroup), as the go command tells them from the standard library's.
func isModulePath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return strings.Contains(first, ".")
}

// resolveImports fetches and imports the packages of modules a cell imports, before the cell is
// compiled, so that the cell compiler finds them like the standard library's. Cancelling ctx
// stops a fetch.
func (s *Session) resolveImports(ctx context.Context, seq int, code string) *workerproto.Error {
	if !strings.Contains(code, "import") {
		return nil
	}
	var want []string
	at := map[string]int{}
	for _, ref := range scanImports(code) {
		if _, ok := at[ref.path]; ok {
			continue
		}
		at[ref.path] = ref.off
		if e, ok := s.modules.failed[ref.path]; ok {
			return s.importError(seq, code, ref.off, e.Msg)
		}
		if _, ok := s.pkgs[ref.path]; ok {
			continue
		}
		if _, ok := modern.Lookup(ref.path); ok || !isModulePath(ref.path) {
			continue // the standard library's, or not there: the cell compiler says so
		}
		want = append(want, ref.path)
	}
	if len(want) == 0 {
		return nil
	}
	status := &fetchStatus{sink: s.sink, what: strings.Join(want, ", "), start: time.Now()}
	pkgs, moves, err := s.modules.resolver.Resolve(ctx, want, status.progress)
	status.done(err, pkgs)
	if ctx.Err() != nil {
		return interruptedError()
	}
	if err != nil {
		var me *modules.Error
		path := want[0]
		if errors.As(err, &me) && me.Path != "" {
			path = me.Path
		}
		return s.importError(seq, code, at[path], err.Error())
	}
	noteMoves(s.stderr, moves, want)
	s.modules.tree.Add(pkgs...)
	for _, p := range pkgs {
		s.importer.AddSource(gotypes.Source{ImportPath: p.ImportPath, Dir: p.Dir, Files: p.Files})
	}
	for _, p := range pkgs {
		cause := bringer(p, pkgs, want)
		if me := s.importPackage(p, cause); me != nil {
			s.modules.failed[p.ImportPath] = me
			if cause != p.ImportPath {
				s.modules.failed[cause] = me
			}
			return s.importError(seq, code, at[cause], me.Msg)
		}
		s.pkgs[p.ImportPath] = p.Name
	}
	return nil
}

// bringer returns the import path of the cell that brings p: p's own, or the first of want that
// imports it, directly or not.
func bringer(p *modules.Package, pkgs []*modules.Package, want []string) string {
	if slices.Contains(want, p.ImportPath) {
		return p.ImportPath
	}
	byPath := map[string]*modules.Package{}
	for _, q := range pkgs {
		byPath[q.ImportPath] = q
	}
	for _, w := range want {
		seen := map[string]bool{}
		queue := []string{w}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			if cur == p.ImportPath {
				return w
			}
			if q, ok := byPath[cur]; ok && !seen[cur] {
				seen[cur] = true
				queue = append(queue, q.Imports...)
			}
		}
	}
	return want[0]
}

// importPackage has the interpreter import a package of a module (its imports are imported
// already), after looking for the constructs it can't run. The error names the package and the
// place in its module.
func (s *Session) importPackage(p *modules.Package, cause string) *modules.Error {
	intro := fmt.Sprintf("package %s (%s)", p.ImportPath, p.Module)
	if cause != p.ImportPath {
		intro += ", which " + cause + " imports,"
	}
	if c, err := s.importer.Check(p.ImportPath); err == nil && c != nil {
		if probs := modules.Lint(c.Fset, c.Files, c.Info); len(probs) > 0 {
			pr := probs[0]
			return &modules.Error{Path: cause, Package: p.ImportPath, Module: p.Module, Msg: fmt.Sprintf(
				"%s uses %s at %s, which the interpreter can't run in a package's source: "+
					"pin a version of %s without it (%%go get %s@vX.Y.Z), or use the package in a %%%%compile cell, built with the Go toolchain",
				intro, pr.What, p.Where(fmt.Sprintf("%s:%d:%d", pr.File, pr.Line, pr.Col)), p.Module.Path, p.Module.Path)}
		}
	}
	if s.modules.interpreting != nil {
		s.modules.interpreting(p.ImportPath, p.Module.String())
	}
	_, err := s.yi.EvalWithContext(context.Background(), fmt.Sprintf("import _ %q", p.ImportPath))
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "\" error: "); i >= 0 && strings.HasPrefix(msg, "1:") {
		msg = msg[i+len("\" error: "):] // 1:21: import "x" error: the error in x's source
	}
	msg = s.modulePositions(msg)
	first, _, _ := strings.Cut(msg, "\n")
	if strings.Contains(first, "nil type") {
		first += " (the interpreter could not work out a type in the package's source, and doesn't say where)"
	}
	if m := unfoundRE.FindStringSubmatch(first); m != nil && !isModulePath(m[1]) {
		first = fmt.Sprintf("it imports %s, which the interpreter's standard library lacks (it has Go 1.22's, and some of Go 1.23–1.26)", m[1])
	}
	return &modules.Error{Path: cause, Package: p.ImportPath, Module: p.Module, Msg: fmt.Sprintf(
		"%s can't be interpreted: %s; pin another version of %s (%%go get %s@vX.Y.Z), or use the package in a %%%%compile cell, built with the Go toolchain",
		intro, first, p.Module.Path, p.Module.Path)}
}

// unfoundRE is the interpreter's message of an import it finds nowhere.
var unfoundRE = regexp.MustCompile(`unable to find source related to: "([^"]+)"`)

// treePosRE is a position in a file of the module tree, as the interpreter writes it.
var treePosRE = regexp.MustCompile(regexp.QuoteMeta(goPath) + `/src/(\S+)/([^/\s:]+\.go)(:\d+:\d+)?`)

// modulePositions rewrites the positions in the tree to positions in the modules:
// golang.org/x/sync@v0.25.0/errgroup/errgroup.go:12:3.
func (s *Session) modulePositions(msg string) string {
	return treePosRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := treePosRE.FindStringSubmatch(m)
		if p, ok := s.modules.tree.Package(sub[1]); ok {
			return p.Where(sub[2] + sub[3])
		}
		return m
	})
}

// importError is the error of a cell's import at offset off of its code.
func (s *Session) importError(seq int, code string, off int, msg string) *workerproto.Error {
	off = min(max(off, 0), len(code))
	line := strings.Count(code[:off], "\n") + 1
	col := off - (strings.LastIndex(code[:off], "\n") + 1) + 1
	p := cellPos{seq: seq, line: line, col: col}
	e := &workerproto.Error{Name: NameImport, Value: s.where(p) + ": " + msg}
	e.Traceback = append([]string{e.Value}, s.excerpt(p)...)
	return e
}

// noteMoves says which modules a cell's imports moved to another version than they had: a pin
// the imported packages' requirements raised (the go command's minimal version selection).
func noteMoves(w io.Writer, moves []modules.Move, want []string) {
	for _, m := range moves {
		if m.From == "" {
			continue
		}
		pinned := ""
		if m.Pinned {
			pinned = " (pinned)"
		}
		fmt.Fprintf(w, "note: %s moved from %s%s to %s, which %s requires\n", m.Path, m.From, pinned, m.To, strings.Join(want, ", "))
	}
}

// fetchStatus is the status line of a cell's fetch of modules: one display, updated in place,
// shown once the go command says it fetches something, and left as a one-line summary.
type fetchStatus struct {
	sink  display.Sink
	what  string // the import paths
	start time.Time

	mu   sync.Mutex
	h    *display.Handle
	last time.Time
}

// fetchEvery is the least time between two updates of the status line.
const fetchEvery = 250 * time.Millisecond

// progress shows a line of the go command (it comes from the command's reader goroutine).
func (f *fetchStatus) progress(line string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h == nil {
		f.h = display.NewHandle(f.sink)
	} else if time.Since(f.last) < fetchEvery {
		return
	}
	f.last = time.Now()
	f.h.Text(fmt.Sprintf("fetching %s … %.1f s (%s)", f.what, time.Since(f.start).Seconds(), strings.TrimPrefix(line, "go: ")))
}

// done replaces the status line, if it was shown, with a summary.
func (f *fetchStatus) done(err error, pkgs []*modules.Package) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h == nil {
		return
	}
	took := fmt.Sprintf("%.1f s", time.Since(f.start).Seconds())
	if err != nil {
		f.h.Text("fetching " + f.what + ": stopped after " + took + ", see the error")
		return
	}
	var mods []string
	for _, p := range pkgs {
		if m := p.Module.Path + " " + p.Module.Version; !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	f.h.Text(fmt.Sprintf("fetched %s in %s: %s", f.what, took, strings.Join(mods, ", ")))
}

// Close removes what the session keeps on disk: its module (the module cache stays, shared).
func (s *Session) Close() error { return s.modules.resolver.Close() }
