package eval

import (
	"context"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/workerproto"
)

// Redefining a func: yaegi binds a call to the function it finds when it
// compiles the caller, so a func compiled earlier keeps calling the old
// body of a func a later cell redefines. The session keeps the source of
// every chunk that declares funcs, and when a cell redefines one, it
// evaluates again the earlier funcs that call it (and their callers), in
// an order where callees come first: later calls use the new definition,
// as they would in a Go program edited and run again.

// funcChunk is a chunk of func declarations as it was evaluated.
type funcChunk struct {
	order int             // when it was evaluated, for a stable order
	ch    compile.Chunk   // its source, with the line directives of its cell
	funcs []string        // the funcs it declares
	refs  map[string]bool // the identifiers it mentions
}

// isFuncChunk tells chunks that declare funcs and nothing else worth
// evaluating twice: no types or methods (yaegi refuses those again), no
// variables (their initializers would run again). The functions the cell
// compiler generates for statements may come along: declaring them again
// runs nothing.
func isFuncChunk(ch compile.Chunk) bool {
	if ch.Stmt || len(ch.Defs.Funcs) == 0 || len(ch.Defs.Decls) > 0 {
		return false
	}
	for _, g := range ch.Defs.Globals {
		if !slices.Contains(ch.Defs.Funcs, g) && !generated(g) {
			return false
		}
	}
	return true
}

// splitFuncs cuts a chunk of func declarations into one chunk per func,
// each with the line directive before it. It returns the chunk whole when
// it holds something else or doesn't parse.
func splitFuncs(ch compile.Chunk) []compile.Chunk {
	const prefix = "package p\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", prefix+ch.Src, parser.ParseComments)
	if err != nil || len(f.Decls) < 2 {
		return []compile.Chunk{ch}
	}
	var out []compile.Chunk
	start := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			return []compile.Chunk{ch}
		}
		end := fset.Position(fd.End()).Offset - len(prefix)
		one := ch
		one.Src = ch.Src[start:end]
		one.Defs.Funcs = []string{fd.Name.Name}
		one.Defs.Globals = []string{fd.Name.Name}
		out = append(out, one)
		start = end
	}
	return out
}

// identifiers lists the identifiers in src.
func identifiers(src string) map[string]bool {
	ids := map[string]bool{}
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), nil, 0)
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return ids
		}
		if tok == token.IDENT {
			ids[lit] = true
		}
	}
}

// recordFuncs remembers a func chunk that compiled and, when it redefined
// funcs, refreshes the earlier funcs that depend on them.
func (s *Session) recordFuncs(ch compile.Chunk) *workerproto.Error {
	var redefined []string
	for _, f := range ch.Defs.Funcs {
		if _, ok := s.funcOwner[f]; ok {
			redefined = append(redefined, f)
		}
	}
	// One record per func, so that redefining one of several funcs a cell
	// declared together leaves the others' records whole.
	fresh := map[*funcChunk]bool{}
	for _, one := range splitFuncs(ch) {
		s.funcOrder++
		fc := &funcChunk{order: s.funcOrder, ch: one, funcs: one.Defs.Funcs, refs: identifiers(one.Src)}
		for _, f := range fc.funcs {
			s.funcOwner[f] = fc
		}
		fresh[fc] = true
	}
	if len(redefined) == 0 {
		return nil
	}
	return s.refresh(fresh, redefined)
}

// refresh evaluates again every recorded func chunk but the fresh ones that
// calls one of changed, directly or through other funcs, callees first.
func (s *Session) refresh(fresh map[*funcChunk]bool, changed []string) *workerproto.Error {
	dirty := map[string]bool{}
	for _, f := range changed {
		dirty[f] = true
	}
	affected := map[*funcChunk]bool{}
	for grew := true; grew; {
		grew = false
		for _, fc := range s.liveFuncChunks() {
			if fresh[fc] || affected[fc] || !mentions(fc, dirty) {
				continue
			}
			affected[fc] = true
			grew = true
			for _, f := range fc.funcs {
				dirty[f] = true
			}
		}
	}
	pending := make([]*funcChunk, 0, len(affected))
	for fc := range affected {
		pending = append(pending, fc)
	}
	slices.SortFunc(pending, func(a, b *funcChunk) int { return a.order - b.order })
	for len(pending) > 0 {
		// A chunk is ready when no other pending chunk declares a func it calls;
		// in a cycle (funcs calling each other across chunks) take the oldest.
		next := 0
		for i, fc := range pending {
			if !callsAny(fc, pending) {
				next = i
				break
			}
		}
		fc := pending[next]
		pending = slices.Delete(pending, next, next+1)
		if _, e := s.evalChunk(context.Background(), fc.ch, fc.ch.Src); e != nil {
			return e
		}
	}
	return nil
}

// liveFuncChunks are the recorded chunks whose funcs are all still theirs:
// evaluating one that a later chunk took a func from would bring back that
// func's old body.
func (s *Session) liveFuncChunks() []*funcChunk {
	seen := map[*funcChunk]bool{}
	var out []*funcChunk
	for _, fc := range s.funcOwner {
		if seen[fc] {
			continue
		}
		seen[fc] = true
		owns := true
		for _, f := range fc.funcs {
			owns = owns && s.funcOwner[f] == fc
		}
		if owns {
			out = append(out, fc)
		}
	}
	return out
}

func mentions(fc *funcChunk, names map[string]bool) bool {
	for n := range names {
		if fc.refs[n] && !slices.Contains(fc.funcs, n) {
			return true
		}
	}
	return false
}

// callsAny tells whether fc mentions a func declared by another of chunks.
func callsAny(fc *funcChunk, chunks []*funcChunk) bool {
	for _, other := range chunks {
		if other == fc {
			continue
		}
		for _, f := range other.funcs {
			if fc.refs[f] {
				return true
			}
		}
	}
	return false
}
