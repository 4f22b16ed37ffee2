package completion

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

//go:embed stdlib_index.json.gz
var indexData []byte

// loadIndex decodes the embedded index, once per process: it never changes,
// so every engine shares it.
var loadIndex = sync.OnceValues(func() (*index, error) {
	raw, err := indexfile.Decode(indexData)
	if err != nil {
		return nil, err
	}
	return newIndex(raw), nil
})

// index is the embedded index, arranged for lookups.
type index struct {
	byPath map[string]*pkg
	byName map[string][]*pkg // by package name, standard paths first
	paths  []string          // sorted
	types  map[string]*typeInfo
}

// pkg is an importable package.
type pkg struct {
	path, name string
	doc        string // for our own packages, whose sources aren't installed
	members    []indexfile.Member
	byName     map[string]*indexfile.Member
}

// typeInfo is a named type's fields and methods.
type typeInfo struct {
	kind    string // reflect's: "struct", "interface", "int64"
	members []indexfile.Member
	byName  map[string]*indexfile.Member
}

func newIndex(raw *indexfile.Index) *index {
	ix := &index{
		byPath: map[string]*pkg{},
		byName: map[string][]*pkg{},
		types:  map[string]*typeInfo{},
	}
	for _, t := range raw.Types {
		ti := &typeInfo{kind: t.Kind, members: t.Members, byName: map[string]*indexfile.Member{}}
		for i := range ti.members {
			ti.byName[ti.members[i].Name] = &ti.members[i]
		}
		ix.types[t.Key] = ti
	}
	for _, p := range raw.Packages {
		pk := &pkg{path: p.Path, name: p.Name, doc: p.Doc, members: p.Members, byName: map[string]*indexfile.Member{}}
		for i := range pk.members {
			pk.byName[pk.members[i].Name] = &pk.members[i]
		}
		ix.byPath[p.Path] = pk
		ix.byName[p.Name] = append(ix.byName[p.Name], pk)
		ix.paths = append(ix.paths, p.Path)
	}
	// Where two packages share a name (math/rand, crypto/rand), the one a
	// learner means without saying is the shorter path.
	for _, pkgs := range ix.byName {
		slices.SortFunc(pkgs, func(a, b *pkg) int {
			if d := strings.Count(a.path, "/") - strings.Count(b.path, "/"); d != 0 {
				return d
			}
			return strings.Compare(a.path, b.path)
		})
	}
	slices.Sort(ix.paths)
	return ix
}

// importPaths completes a partial import path.
func (ix *index) importPaths(prefix string) []Match {
	var out []Match
	for _, p := range ix.paths {
		if strings.HasPrefix(p, prefix) {
			out = append(out, Match{Text: p, Kind: KindModule, Signature: "package " + ix.byPath[p].name})
		}
	}
	return filter(out, prefix)
}

// pkgMatches lists a package's exported members.
func (ix *index) pkgMatches(p *pkg) []Match {
	out := make([]Match, 0, len(p.members))
	for i := range p.members {
		out = append(out, ix.memberMatch(&p.members[i]))
	}
	return out
}

// typeMatches lists a type's fields and methods.
func (ix *index) typeMatches(t *typeInfo) []Match {
	out := make([]Match, 0, len(t.members))
	for i := range t.members {
		out = append(out, ix.memberMatch(&t.members[i]))
	}
	return out
}

// memberMatch shows an index member.
func (ix *index) memberMatch(m *indexfile.Member) Match {
	return Match{Text: m.Name, Kind: ix.kindOf(m), Signature: m.Sig}
}

// kindOf maps an index member's kind to what Jupyter shows.
func (ix *index) kindOf(m *indexfile.Member) string {
	switch m.Kind {
	case indexfile.KindFunc:
		return KindFunction
	case indexfile.KindMethod:
		return KindMethod
	case indexfile.KindVar:
		return KindVariable
	case indexfile.KindConst:
		return KindConstant
	case indexfile.KindField:
		return KindField
	case indexfile.KindType:
		if t, ok := ix.types[m.Type]; ok {
			switch t.kind {
			case "struct":
				return KindStruct
			case "interface":
				return KindInterface
			}
			return KindType
		}
		if _, underlying, ok := strings.Cut(m.Sig, " "+m.Name+" "); ok {
			return typeKind(underlying)
		}
		return KindType
	}
	return KindVariable
}

// lookupPkg finds a package by the name a cell uses for it: its local import
// name first, then any importable package of that name (learners write
// time.Sec before they import time).
func (ix *index) lookupPkg(sess *session, name string) *pkg {
	if path, ok := sess.imports[name]; ok {
		return ix.byPath[path]
	}
	if pkgs := ix.byName[name]; len(pkgs) > 0 {
		return pkgs[0]
	}
	return nil
}

// typeByPkgName finds a named type written with its package's name, as Go
// prints types ("exec.Cmd"): among the packages of that name, the session's
// imports first.
func (ix *index) typeByPkgName(sess *session, pkgName, name string) (string, *typeInfo) {
	for _, path := range sess.imports {
		if p := ix.byPath[path]; p != nil && p.name == pkgName {
			if key := indexfile.TypeKey(path, name); ix.types[key] != nil {
				return key, ix.types[key]
			}
		}
	}
	for _, p := range ix.byName[pkgName] {
		if key := indexfile.TypeKey(p.path, name); ix.types[key] != nil {
			return key, ix.types[key]
		}
	}
	// Types no cell can import by name, but can hold: os.fileStat, poll.FD.
	suffix := "/" + pkgName + "." + name
	best := ""
	for key := range ix.types {
		if key != pkgName+"."+name && !strings.HasSuffix(key, suffix) {
			continue
		}
		if best == "" || len(key) < len(best) || len(key) == len(best) && key < best {
			best = key
		}
	}
	if best == "" {
		return "", nil
	}
	return best, ix.types[best]
}
