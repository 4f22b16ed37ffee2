package eval

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/eval/modules"
)

var updateModules = flag.Bool("update-modules", false,
	"import well-known modules from the machine's module proxy and rewrite docs/modules.md with what happened")

// moduleCase is one row of docs/modules.md: a module version, a package of it, and a use.
type moduleCase struct {
	module  string // path@version, pinned with %go get
	imports string // the cell's import declaration
	code    string
	want    string // in the result or output; "" when the import is refused
}

var moduleCases = []moduleCase{
	{"golang.org/x/sync@v0.25.0", `import ("context"; "errors"; "golang.org/x/sync/errgroup")`,
		"g, ctx := errgroup.WithContext(context.Background())\ng.Go(func() error { return errors.New(\"boom\") })\ng.Go(func() error { <-ctx.Done(); return ctx.Err() })\n[]error{g.Wait(), ctx.Err()}", "[boom context canceled]"},
	{"golang.org/x/sync@v0.25.0", `import ("context"; "golang.org/x/sync/semaphore")`,
		"sem := semaphore.NewWeighted(2)\nsem.Acquire(context.Background(), 2)\nsem.TryAcquire(1)", "false"},
	{"golang.org/x/sync@v0.25.0", `import "golang.org/x/sync/singleflight"`,
		"var sf singleflight.Group\nv, _, _ := sf.Do(\"k\", func() (any, error) { return 42, nil })\nv", "42"},
	{"golang.org/x/exp@v0.0.0-20261113113407-e3970619a1a4", `import "golang.org/x/exp/slices"`,
		"slices.Index([]string{\"a\", \"b\"}, \"b\")", "1"},
	{"github.com/google/uuid@v1.6.0", `import "github.com/google/uuid"`, "len(uuid.NewString())", "36"},
	{"github.com/pkg/errors@v0.9.1", `import "github.com/pkg/errors"`, "errors.Wrap(errors.New(\"disk full\"), \"saving\").Error()", "saving: disk full"},
	{"github.com/dustin/go-humanize@v1.1.0", `import "github.com/dustin/go-humanize"`, "humanize.Bytes(82854982)", ""},
	{"github.com/dustin/go-humanize@v1.0.1", `import "github.com/dustin/go-humanize"`, "humanize.Bytes(82854982)", ""},
	{"golang.org/x/text@v0.44.0", `import "golang.org/x/text/language"`, "language.English.String()", `"en"`},
	{"github.com/fatih/color@v1.19.0", `import "github.com/fatih/color"`, "color.New(color.FgRed).Sprint(\"hi\")", ""},
	{"gonum.org/v1/gonum@v0.17.0", `import "gonum.org/v1/gonum/stat"`, "stat.Mean([]float64{1, 2, 3}, nil)", ""},
	{"github.com/google/go-cmp@v0.7.0", `import "github.com/google/go-cmp/cmp"`, "cmp.Diff(1, 2)", ""},
}

// TestModuleSupport imports each module of moduleCases from the machine's module proxy, into a
// module cache of its own (a first import, as on a fresh machine), then again in another session
// (from the cache), and writes what happened to docs/modules.md. It needs the network, so it runs
// only with -update-modules; the offline tests of imports are in imports_test.go and package
// modules, and e2e/test_modules.py imports x/sync through a real kernel.
func TestModuleSupport(t *testing.T) {
	if !*updateModules {
		t.Skip("reaches the module proxy: run go test ./eval -run TestModuleSupport -update-modules to rewrite docs/modules.md")
	}
	env := append(os.Environ(), modules.CacheEnv+"="+t.TempDir(), "GOMODCACHE="+t.TempDir(), "GOFLAGS=-modcacherw")
	var table strings.Builder
	for _, c := range moduleCases {
		first, got, ok := tryModule(t, env, c)
		cached, _, _ := tryModule(t, env, c)
		result := "works"
		if !ok {
			result = "refused"
		}
		if (c.want == "") == ok || ok && !strings.Contains(got, c.want) {
			t.Errorf("%s: %s %q, want %q", c.module, result, got, c.want)
		}
		fmt.Fprintf(&table, "| %s | `%s` | %s | %s | %.1f s | %.1f s |\n", strings.Replace(c.module, "@", " ", 1),
			strings.TrimPrefix(c.imports, "import "), result, cellText(got), first.Seconds(), cached.Seconds())
	}
	doc := modulesHeader + fmt.Sprintf("Last generated with %s on %s/%s.\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH) +
		"| module | import | result | what the cell showed | first import | cached |\n|---|---|---|---|---|---|\n" + table.String() + modulesFooter
	if err := os.WriteFile(filepath.Join("..", "docs", "modules.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tryModule pins c's module in a new session, imports its package and runs the use: it returns
// how long the %go get and the import took, and the result, or the error of the import.
func tryModule(t *testing.T, env []string, c moduleCase) (took time.Duration, got string, ok bool) {
	ts := newModuleSessionWith(t, nil, env)
	var out strings.Builder
	start := time.Now()
	if e := ts.Go(t.Context(), "get "+c.module, &out); e != nil {
		return time.Since(start), e.Value, false
	}
	o := ts.exec(t.Context(), c.imports)
	took = time.Since(start)
	if o.Err != nil {
		return took, o.Err.Name + ": " + o.Err.Value, false
	}
	o = ts.exec(t.Context(), c.code)
	if o.Err != nil {
		return took, o.Err.Name + ": " + o.Err.Value, false
	}
	text, _ := o.Result["text/plain"].(string)
	return took, strings.TrimSpace(ts.stdout.String() + text), true
}

const modulesHeader = `# Modules in cells

A cell imports packages beyond the standard library as a Go program does:

    import "golang.org/x/sync/errgroup"

The kernel resolves the package with the Go toolchain it was installed with (` + "`go list -mod=mod`" + `
in a module of the session's own, kept in the user's cache folder, ` + "`~/.cache/gokernel/modules`" + `
or ` + "`$GOKERNEL_CACHE_DIR/modules`" + `, never beside the notebook), through the user's ` + "`GOPROXY`" + `,
` + "`GOPRIVATE`, `GONOSUMDB`, `GOFLAGS` and `GOMODCACHE`" + ` (` + "`%env`" + ` changes them for the next fetch). The module
cache is the one ` + "`go build`" + ` uses, shared by the user's kernels; the go command locks it when two
fetch at once. The interpreter then runs the package's Go source, and its dependencies', from
the files ` + "`go list`" + ` chose (build constraints applied, cgo off, the ` + "`purego`" + ` tag set). While the
go command reaches the proxy, the cell shows a status line: ` + "`fetching golang.org/x/sync/errgroup … 0.4 s`" + `.

- ` + "`%go get module@version`" + ` pins a version before the first import of the module (` + "`@latest`" + `,
  ` + "`@none`" + ` too); without a pin, the first import takes the newest version.
- ` + "`%go list`" + ` lists the session's modules: version, pinned or not, the packages imported.
- A ` + "`%%compile`" + ` cell, built with the Go toolchain, imports the packages of the session's
  modules at the same versions: a package the interpreter refuses (cgo, assembly, ` + "`unsafe`" + `, a
  construct it lacks) runs there. For a module whose import was refused before the session
  took it (cgo, assembly), ` + "`%go get`" + ` it first, as the message says.
- The interpreter can't unload a package: once a package of a module is imported, another
  version of that module (a pin, or an import whose requirements need a newer one) is refused
  with what to do: ` + "`%reset`" + `, then ` + "`%go get`" + ` before the imports.

## When an import can't work

Each is an ` + "`ImportError`" + ` at the import's line in the cell, and nothing of the cell runs:

| what | the message says |
|---|---|
| no network, or the proxy can't be reached | which module, the ` + "`GOPROXY`" + ` in force, and how to point it at a mirror or at a folder laid out as a module proxy (` + "`GOPROXY=file:///…`" + `) |
| ` + "`GOPROXY=off`" + ` | that downloads are off, and what to set |
| an unknown module, or a proxy refusing it | the module, the proxy, what it answered; check the spelling, ` + "`GOPRIVATE`" + ` for a private one |
| an unknown version (` + "`%go get m@v9.9.9`" + `) | that the module has no such version, and ` + "`@latest`" + ` |
| a package the module doesn't have | the module and version |
| a package that needs cgo | the file that imports ` + "`\"C\"`" + ` (` + "`example.com/cgo@v1.0.0/cgo.go`" + `) |
| a function written in assembly | the function and its file:line in the module |
| a construct the interpreter can't run in a package's source (range over an integer or a function, a generic type alias, ` + "`min`/`max`/`clear`" + `) | the construct and its file:line in the module, and to pin another version |
| any other error of the interpreter in a package's source | the interpreter's error, at its file:line in the module |
| the interpreter crashing the process on a package (a stack overflow Go can't recover) | the package and module version; the interpreter restarts |
| an import of ` + "`unsafe`" + ` or of a standard package the interpreter lacks | which package |
| a version conflict with a module already imported | both versions, the packages imported, and ` + "`%reset`" + ` then ` + "`%go get`" + ` |

A package the interpreter refused stays refused for the session (its half-made import can't be
retried): ` + "`%reset`" + ` starts afresh.

## Modules tried

Generated by ` + "`go test ./eval -run TestModuleSupport -update-modules`" + ` (eval/modules_support_test.go),
which imports each from the machine's module proxy into an empty module cache (the first
import: ` + "`%go get`" + ` and the import, downloads included), then again in a new session (cached).
`

const modulesFooter = `
Not in the table, because it ends the process that runs it: ` + "`golang.org/x/text/cases`" + ` (x/text
v0.44.0) imports ` + "`golang.org/x/text/unicode/norm`" + `, on which the interpreter overflows its stack
while it builds a type. Go can't recover from that; the kernel restarts the interpreter and says
` + "`the interpreter crashed (stack overflow) while it read the source of package golang.org/x/text/unicode/norm (golang.org/x/text@v0.44.0)`" + `
(e2e/test_modules.py checks it).

What the refusals have in common: ` + "`golang.org/x/sys/unix`" + ` (fatih/color's terminal check) and
gonum's kernels have functions in assembly, and go-cmp reads values through ` + "`unsafe`" + `. None of
them can be interpreted; a ` + "`%%compile`" + ` cell can use them. go-humanize v1.1.0
uses the builtin ` + "`max`" + ` in its source, which the interpreter lacks there (cells get it from the cell
compiler, packages don't); in v1.0.1 the interpreter trips over an untyped float constant.
`
