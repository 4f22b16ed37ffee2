// Package deptest keeps the import rules of the layout (docs/architecture.md):
// which rooms of the module a room may import, and what it must never reach
// outside the module. It has only this test, over `go list -deps`.
package deptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gokernel/gokernel"

// Import paths outside the module that rules name.
const (
	yaegi  = "github.com/traefik/yaegi"
	zmq4   = "github.com/go-zeromq/zmq4"
	xImage = "golang.org/x/image"
)

// A rule covers a room: a folder of the module and every package under it,
// except those under a folder that has a rule of its own.
type rule struct {
	room    string
	imports []string // the other rooms (or packages) it may import directly
	stdOnly bool     // it reaches nothing outside the module but the standard library
	beside  []string // and, when stdOnly, these import paths (and those under them)
	never   []string // import paths outside the module it must never reach
	why     string
}

// rules is the layout's import rules. Arrows run one way: a room imports
// only rooms listed for it, and no list makes a cycle.
var rules = []rule{
	{room: "workerproto", stdOnly: true,
		why: "the worker protocol is the contract both processes import"},
	{room: "lib", stdOnly: true, beside: []string{xImage},
		why: "notebook packages are imported by cells and know nothing of the kernel (x/image draws their pictures' fonts and PNGs)"},
	{room: "lang", stdOnly: true,
		why: "Go knowledge used in the kernel process, without running code"},
	{room: "lang/completion/internal/gen", imports: []string{"lang", "lib"}, never: []string{zmq4},
		why: "the index generator reads yaegi's and the notebook packages' symbol tables"},
	{room: "eval", imports: []string{"lib", "workerproto"}, never: []string{zmq4},
		why: "the interpreter side never speaks Jupyter"},
	{room: "compiled", imports: []string{"eval", "lib", "workerproto"}, never: []string{zmq4},
		why: "compiled cells run on the interpreter side, with the session's declarations (eval) and the notebook packages' sources (lib), and never speak Jupyter"},
	{room: "worker", imports: []string{"eval", "compiled", "lib", "workerproto"}, never: []string{zmq4},
		why: "the interpreter side never speaks Jupyter"},
	{room: "supervisor", imports: []string{"workerproto"}, never: []string{yaegi, zmq4},
		why: "the kernel hosts the worker process and never runs user code"},
	{room: "jupyter", imports: []string{"supervisor", "workerproto", "lang"}, never: []string{yaegi},
		why: "the kernel process never runs user code"},
	{room: "cmd/gokernel", imports: []string{"jupyter", "supervisor", "worker"},
		why: "main only wires"},
	{room: "cmd/kbench", imports: []string{"jupyter/client", "jupyter/wire"},
		why: "the benchmark is a client of the kernel, like any front end"},
	{room: "notebooks", stdOnly: true,
		why: "the lessons' own tools (cellfmt checks their code cells) know nothing of the kernel"},
	{room: "internal/deptest", why: "only this test"},
}

// pkg is what go list says of a package.
type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func TestImportRules(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the packages: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), goCmd, "list", "-deps", "-json=ImportPath,Imports,Standard", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs, err := decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages: not the module", len(pkgs))
	}
	for _, v := range check(pkgs, rules) {
		t.Error(v)
	}
}

// TestCheckNamesTheOffendingImport shows that each kind of rule fails, on a
// made-up module, with a message naming the import at fault.
func TestCheckNamesTheOffendingImport(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	pkgs := map[string]pkg{
		m("workerproto"):         {ImportPath: m("workerproto"), Imports: []string{"fmt", "github.com/google/uuid"}},
		m("eval"):                {ImportPath: m("eval"), Imports: []string{m("workerproto"), m("jupyter/wire")}},
		m("jupyter"):             {ImportPath: m("jupyter"), Imports: []string{m("lang/completion")}},
		m("jupyter/wire"):        {ImportPath: m("jupyter/wire")},
		m("lang/completion"):     {ImportPath: m("lang/completion"), Imports: []string{yaegi + "/interp"}},
		m("newroom"):             {ImportPath: m("newroom")},
		m("lib"):                 {ImportPath: m("lib"), Imports: []string{xImage + "/vector", "github.com/google/uuid"}},
		xImage + "/vector":       {ImportPath: xImage + "/vector"},
		"fmt":                    {ImportPath: "fmt", Standard: true},
		"github.com/google/uuid": {ImportPath: "github.com/google/uuid"},
		yaegi + "/interp":        {ImportPath: yaegi + "/interp"},
	}
	rules := []rule{
		{room: "workerproto", stdOnly: true, why: "w"},
		{room: "eval", imports: []string{"workerproto"}, why: "e"},
		{room: "jupyter", imports: []string{"lang"}, never: []string{yaegi}, why: "j"},
		{room: "lang", why: "l"},
		{room: "lib", stdOnly: true, beside: []string{xImage}, why: "b"},
	}
	got := strings.Join(check(pkgs, rules), "\n")
	if strings.Contains(got, "x/image") {
		t.Errorf("check refused an import its room allows beside the standard library:\n%s", got)
	}
	for _, want := range []string{
		"workerproto reaches github.com/google/uuid, outside the standard library (workerproto → github.com/google/uuid): w",
		"eval imports jupyter/wire; it may import only workerproto: e",
		"jupyter reaches github.com/traefik/yaegi/interp (jupyter → lang/completion → github.com/traefik/yaegi/interp): j",
		"newroom is in no room of the import rules",
		"lib reaches github.com/google/uuid, outside the standard library (lib → github.com/google/uuid): b",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check said:\n%s\nwant a line:\n%s", got, want)
		}
	}
}

// decode reads the JSON stream of go list -json.
func decode(data []byte) (map[string]pkg, error) {
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs[p.ImportPath] = p
	}
}

// check returns a sentence for every import that breaks a rule.
func check(pkgs map[string]pkg, rules []rule) []string {
	var bad []string
	var paths []string
	for path := range pkgs {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	for _, path := range paths {
		rel, ok := inModule(path)
		if !ok {
			continue
		}
		r, ok := ruleOf(rel, rules)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s is in no room of the import rules: add a rule for it in internal/deptest", rel))
			continue
		}
		for _, imp := range pkgs[path].Imports {
			irel, ok := inModule(imp)
			if !ok || r.allows(irel, rules) {
				continue
			}
			may := "nothing else of the module"
			if len(r.imports) > 0 {
				may = "only " + strings.Join(r.imports, ", ")
			}
			bad = append(bad, fmt.Sprintf("%s imports %s; it may import %s: %s", rel, irel, may, r.why))
		}
		said := map[string]bool{} // each forbidden path once, by its shortest chain
		for _, c := range reach(pkgs, path) {
			dep := c[len(c)-1]
			if _, ok := inModule(dep); ok {
				continue // the module's own packages keep their own rules
			}
			if i := slices.IndexFunc(r.never, func(p string) bool { return under(dep, p) }); i >= 0 {
				if !said[r.never[i]] {
					said[r.never[i]] = true
					bad = append(bad, fmt.Sprintf("%s reaches %s (%s): %s", rel, dep, chain(c), r.why))
				}
				continue
			}
			// Outside the standard library, only the first package on a
			// chain counts: what it imports in turn is its own business.
			if r.stdOnly && !standard(pkgs, dep) && !slices.ContainsFunc(r.beside, func(p string) bool { return under(dep, p) }) && !slices.ContainsFunc(c[1:len(c)-1], func(p string) bool {
				_, mine := inModule(p)
				return !mine && !standard(pkgs, p)
			}) {
				bad = append(bad, fmt.Sprintf("%s reaches %s, outside the standard library (%s): %s", rel, dep, chain(c), r.why))
			}
		}
	}
	return bad
}

// allows reports whether r's room may import the module's package rel: one
// of its own room, or of a room it lists.
func (r rule) allows(rel string, rules []rule) bool {
	if own, ok := ruleOf(rel, rules); ok && own.room == r.room {
		return true
	}
	return slices.ContainsFunc(r.imports, func(room string) bool { return under(rel, room) })
}

// reach returns, for every package that path depends on, the shortest chain
// of imports from path to it.
func reach(pkgs map[string]pkg, path string) [][]string {
	var out [][]string
	seen := map[string]bool{path: true}
	queue := [][]string{{path}}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		imps := slices.Clone(pkgs[c[len(c)-1]].Imports)
		slices.Sort(imps)
		for _, imp := range imps {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			next := append(slices.Clone(c), imp)
			out = append(out, next)
			queue = append(queue, next)
		}
	}
	return out
}

// standard reports whether path is in the standard library; "C" stands for
// cgo, which standard packages such as net may import.
func standard(pkgs map[string]pkg, path string) bool {
	return path == "C" || pkgs[path].Standard
}

// chain prints a chain of imports, with the module's paths made short.
func chain(c []string) string {
	short := make([]string, len(c))
	for i, p := range c {
		if rel, ok := inModule(p); ok {
			p = rel
		}
		short[i] = p
	}
	return strings.Join(short, " → ")
}

// inModule returns path relative to the module, if it is in it.
func inModule(path string) (string, bool) {
	return strings.CutPrefix(path, module+"/")
}

// ruleOf is the rule of the deepest room that holds rel.
func ruleOf(rel string, rules []rule) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules {
		if under(rel, r.room) && (!found || len(r.room) > len(best.room)) {
			best, found = r, true
		}
	}
	return best, found
}

// under reports whether path is dir or in a folder under it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}
