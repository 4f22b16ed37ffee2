// Package modules brings packages beyond the standard library to a session: a cell's import
// of golang.org/x/sync/errgroup is resolved with the Go toolchain, in a module of the session's
// own, and its sources (and its dependencies') are laid out for the interpreter.
//
// A [Resolver] is the session's module: a go.mod in a folder of the user's cache (never the
// notebook's), where `go list -mod=mod -deps` finds the module of each package the cells
// import (the newest version, or the version `go get` pinned) and says which files of which
// folder of the module cache make up each package. The go command honours the user's GOPROXY,
// GOPRIVATE, GONOSUMDB, GOSUMDB, GOFLAGS and GOMODCACHE; the module cache is shared by the
// user's kernels and their builds, and locks itself when two fetch at once. A [Tree] serves
// those files to the interpreter as a GOPATH.
//
// The interpreter can't unload a package: once it imported one, the version of its module is
// fixed for the session, and a change (a pin, or a new import whose requirements move it up)
// is refused with what to do instead.
package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// CacheEnv names the folder the kernel keeps what it makes in; by default the user's cache
// folder's gokernel (~/.cache/gokernel).
const CacheEnv = "GOKERNEL_CACHE_DIR"

// sessionModule is the module path of a session's module.
const sessionModule = "gokernel.session"

// A Version is a module at a version.
type Version struct {
	Path    string
	Version string
}

func (v Version) String() string { return v.Path + "@" + v.Version }

// A Package is a package of a module, as the interpreter reads it.
type Package struct {
	ImportPath string
	Name       string   // the package clause's name
	Dir        string   // its folder in the module cache
	Module     Version  // the module that provides it
	Files      []string // the Go files of Dir the go command builds here, cgo off
	Imports    []string // what its files import
}

// A Move is a module whose version changed in the session's module.
type Move struct {
	Path     string
	From, To string // From is "" for a module added
	Pinned   bool   // From was pinned with go get
}

// Config is how a Resolver reaches the go command.
type Config struct {
	// Environ returns the environment of the go commands, read at each command (so that
	// %env GOPROXY=... counts); nil means os.Environ.
	Environ func() []string
}

// A Resolver is a session's module. Its methods are safe for concurrent use; a Resolver's
// folder is its own, so sessions resolve at the same time without sharing anything but the
// module cache.
type Resolver struct {
	environ func() []string

	mu     sync.Mutex
	dir    string   // the session module's folder; "" until the first resolution
	lock   *os.File // held while the session lives: its folder is not stale
	pkgs   map[string]*Package
	loaded map[string]string // module path -> version of the modules the interpreter has packages of
	pins   map[string]string // module path -> version, pinned with go get
}

// New returns a Resolver that has resolved nothing yet; it makes its folder at the first need.
func New(cfg Config) *Resolver {
	if cfg.Environ == nil {
		cfg.Environ = os.Environ
	}
	return &Resolver{environ: cfg.Environ, pkgs: map[string]*Package{}, loaded: map[string]string{},
		pins: map[string]string{}}
}

// Close removes the session's module folder.
func (r *Resolver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir == "" {
		return nil
	}
	err := os.RemoveAll(r.dir)
	r.lock.Close()
	r.dir, r.lock = "", nil
	return err
}

// getenv reads a variable of the go commands' environment.
func (r *Resolver) getenv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// goEnv returns the environment of the go commands: the session's, in no workspace, with the
// toolchain the kernel found (not one a module asks for, unless the user's GOTOOLCHAIN says so)
// and cgo off (the interpreter runs Go source only: go list then picks a package's pure Go
// files).
func (r *Resolver) goEnv() ([]string, string, error) {
	env := r.environ()
	goPath, where, ok := FindGo(func(name string) string { return r.getenv(env, name) })
	if !ok {
		return nil, "", &Error{Msg: "importing packages beyond the standard library needs the Go toolchain, and there is no go command on the PATH: " +
			"install Go (https://go.dev/dl) or set " + GoEnv + " to the go command"}
	}
	if _, err := os.Stat(goPath); err != nil && filepath.IsAbs(goPath) {
		return nil, "", &Error{Msg: fmt.Sprintf("importing packages beyond the standard library needs the Go toolchain: %s from %s can't be run (%v)", goPath, where, err)}
	}
	env = append(slices.Clip(env), "GOWORK=off", "CGO_ENABLED=0")
	if r.getenv(env, "GOTOOLCHAIN") == "" {
		env = append(env, "GOTOOLCHAIN=local")
	}
	return env, goPath, nil
}

// cacheRoot returns the folder of session modules.
func cacheRoot(env func(string) string) (string, error) {
	dir := env(CacheEnv)
	if dir == "" {
		user, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("the session's module is kept in the user's cache folder: %w", err)
		}
		dir = filepath.Join(user, "gokernel")
	}
	return filepath.Join(dir, "modules"), nil
}

// staleAfter is how old the folder of a session that is gone must be before another removes it
// (a folder younger than that may be one being made, not yet locked).
const staleAfter = time.Minute

// ensure makes the session module's folder, once. r.mu is held.
func (r *Resolver) ensure(env []string) error {
	if r.dir != "" {
		return nil
	}
	root, err := cacheRoot(func(name string) string { return r.getenv(env, name) })
	if err != nil {
		return &Error{Msg: err.Error()}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return &Error{Msg: "the session's module: " + err.Error()}
	}
	removeStale(root)
	dir, err := os.MkdirTemp(root, "session-")
	if err != nil {
		return &Error{Msg: "the session's module: " + err.Error()}
	}
	lock, err := os.Create(filepath.Join(dir, "lock"))
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+sessionModule+"\n\ngo 1.22\n"), 0o644)
	}
	if err != nil {
		os.RemoveAll(dir)
		return &Error{Msg: "the session's module: " + err.Error()}
	}
	r.dir, r.lock = dir, lock
	return nil
}

// removeStale removes the folders of sessions that are gone: their lock is free.
func removeStale(root string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "session-") {
			continue
		}
		if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < staleAfter {
			continue
		}
		dir := filepath.Join(root, e.Name())
		f, err := os.Open(filepath.Join(dir, "lock"))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				os.RemoveAll(dir)
			}
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(dir)
		}
		f.Close()
	}
}

// listed is what go list -json says of a package.
type listed struct {
	ImportPath     string
	Name           string
	Dir            string
	Standard       bool
	Module         *struct{ Path, Version, Dir string }
	GoFiles        []string
	IgnoredGoFiles []string
	SFiles         []string
	Imports        []string
	Error          *struct{ Err string }
}

// listFields are the fields of go list -json read into listed.
const listFields = "-json=ImportPath,Name,Dir,Standard,Module,GoFiles,IgnoredGoFiles,SFiles,Imports,Error"

// state is the session module's go.mod and go.sum, to put back after a refused change.
type state struct{ mod, sum []byte }

func (r *Resolver) save() state {
	mod, _ := os.ReadFile(filepath.Join(r.dir, "go.mod"))
	sum, _ := os.ReadFile(filepath.Join(r.dir, "go.sum"))
	return state{mod, sum}
}

func (r *Resolver) restore(s state) {
	os.WriteFile(filepath.Join(r.dir, "go.mod"), s.mod, 0o644)
	if s.sum == nil {
		os.Remove(filepath.Join(r.dir, "go.sum"))
	} else {
		os.WriteFile(filepath.Join(r.dir, "go.sum"), s.sum, 0o644)
	}
}

// Resolve finds the packages of import paths and their dependencies beyond the standard library,
// fetching their modules as needed, and returns those it had not returned before, each after the
// packages it imports, and the modules the resolution moved. progress is told what the go
// command fetches while it does. Once returned, a package's module stays at its version: a
// resolution that would move it fails, and leaves the session's module as it was.
func (r *Resolver) Resolve(ctx context.Context, paths []string, progress func(string)) ([]*Package, []Move, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var want []string
	for _, p := range paths {
		if _, ok := r.pkgs[p]; !ok && !slices.Contains(want, p) {
			want = append(want, p)
		}
	}
	if len(want) == 0 {
		return nil, nil, nil
	}
	env, goPath, err := r.goEnv()
	if err != nil {
		return nil, nil, err
	}
	if err := r.ensure(env); err != nil {
		return nil, nil, err
	}
	before := r.save()
	oldReqs := r.requires(ctx, goPath, env)
	args := append([]string{"list", "-mod=mod", "-e", "-deps", "-tags=purego", listFields}, want...)
	out, stderr, runErr := goRun(ctx, goPath, r.dir, env, progress, args...)
	if ctx.Err() != nil {
		r.restore(before)
		return nil, nil, ctx.Err()
	}
	var all []*listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			r.restore(before)
			return nil, nil, &Error{Path: want[0], Msg: "go list: " + goMessage(stderr, runErr)}
		}
		all = append(all, &l)
	}
	if len(all) == 0 {
		r.restore(before)
		return nil, nil, classify(want[0], "", goMessage(stderr, runErr), env)
	}
	order := map[string]int{} // go list's order: dependencies first
	for i, l := range all {
		order[l.ImportPath] = i
	}
	// The packages the cell imports first: their errors are the ones to show.
	slices.SortStableFunc(all, func(a, b *listed) int {
		return boolInt(!slices.Contains(want, a.ImportPath)) - boolInt(!slices.Contains(want, b.ImportPath))
	})
	var fresh []*Package
	for _, l := range all {
		if l.Standard {
			continue
		}
		if _, ok := r.pkgs[l.ImportPath]; ok {
			continue
		}
		p, err := r.check(l, want, env)
		if err != nil {
			r.restore(before)
			return nil, nil, err
		}
		fresh = append(fresh, p)
	}
	moves := diff(oldReqs, r.requires(ctx, goPath, env), r.pins)
	if err := r.refuseMoves(moves, want); err != nil {
		r.restore(before)
		return nil, nil, err
	}
	slices.SortFunc(fresh, func(a, b *Package) int { return order[a.ImportPath] - order[b.ImportPath] })
	for _, p := range fresh {
		r.pkgs[p.ImportPath] = p
		r.loaded[p.Module.Path] = p.Module.Version
	}
	return fresh, moves, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// check turns what go list said of a package into a Package, or the error of a package the
// interpreter can't have.
func (r *Resolver) check(l *listed, want []string, env []string) (*Package, error) {
	imported := l.ImportPath
	if !slices.Contains(want, imported) {
		imported = "" // a dependency: classify names the package the cell imports
	}
	if l.Error != nil {
		if strings.Contains(l.Error.Err, "build constraints exclude all Go files") {
			if f := importsC(l.Dir, l.IgnoredGoFiles); f != "" {
				return nil, cgoError(l, f, want)
			}
		}
		path := l.ImportPath
		if imported == "" && len(want) > 0 {
			path = want[0]
		}
		e := classify(path, l.ImportPath, l.Error.Err, env)
		return nil, e
	}
	if l.Module == nil {
		return nil, &Error{Path: l.ImportPath, Msg: fmt.Sprintf("package %s is not in a module: cells import the standard library and packages of modules", l.ImportPath)}
	}
	p := &Package{ImportPath: l.ImportPath, Name: l.Name, Dir: l.Dir, Module: Version{l.Module.Path, l.Module.Version},
		Files: l.GoFiles, Imports: l.Imports}
	if len(l.SFiles) > 0 {
		if fn, at := bodiless(l.Dir, l.GoFiles); fn != "" {
			sfiles := l.SFiles
			if len(sfiles) > 3 {
				sfiles = append(slices.Clip(sfiles[:3]), "…")
			}
			return nil, &Error{Path: pathFor(l, want), Package: l.ImportPath, Module: p.Module,
				Msg: fmt.Sprintf("package %s (%s)%s is written partly in assembly (%s): func %s at %s has no Go body, and the interpreter runs Go source only; "+
					"a %%%%compile cell, built with the Go toolchain, can use it once the session has its module (%%go get %s)",
					l.ImportPath, p.Module, importedBy(l, want), strings.Join(sfiles, ", "), fn, p.Where(at), getArg(l, want))}
		}
	}
	return p, nil
}

// pathFor is the import path a cell wrote that brought a package.
func pathFor(l *listed, want []string) string {
	if slices.Contains(want, l.ImportPath) || len(want) == 0 {
		return l.ImportPath
	}
	return want[0]
}

// Where returns a position in one of the package's files as a path inside its module:
// golang.org/x/sync@v0.25.0/errgroup/errgroup.go:12:3. at is "file.go:line:col", a file of Dir.
func (p *Package) Where(at string) string {
	sub := strings.TrimPrefix(p.ImportPath, p.Module.Path)
	return p.Module.String() + sub + "/" + at
}

// cgoError is the error of a package that needs cgo.
func cgoError(l *listed, file string, want []string) error {
	mod := Version{}
	if l.Module != nil {
		mod = Version{l.Module.Path, l.Module.Version}
	}
	p := &Package{ImportPath: l.ImportPath, Module: mod}
	return &Error{Path: pathFor(l, want), Package: l.ImportPath, Module: mod,
		Msg: fmt.Sprintf("package %s (%s)%s needs cgo (%s imports \"C\"), and the interpreter runs Go source only: "+
			"a %%%%compile cell, built with the Go toolchain and a C compiler, can use it once the session has its module (%%go get %s)",
			l.ImportPath, mod, importedBy(l, want), p.Where(file), getArg(l, want))}
}

// getArg is the %go get argument that gives the session the module of the package a cell
// imported: the package's own path, which go get resolves to its module, or the dependency's
// module at its version when the cell's import brought it.
func getArg(l *listed, want []string) string {
	if p := pathFor(l, want); p != l.ImportPath || l.Module == nil {
		return p + "@latest"
	}
	return l.Module.Path + "@" + l.Module.Version
}

// importedBy says which import of the cell brought a dependency: ", which x imports,".
func importedBy(l *listed, want []string) string {
	if p := pathFor(l, want); p != l.ImportPath {
		return ", which " + p + " imports,"
	}
	return ""
}

// importsC returns the first of files (of dir) that imports "C".
func importsC(dir string, files []string) string {
	for _, f := range files {
		ast, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, f), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, s := range ast.Imports {
			if s.Path.Value == `"C"` {
				return f
			}
		}
	}
	return ""
}

// bodiless returns the first func of files (of dir) declared without a body, and where.
func bodiless(dir string, files []string) (name, at string) {
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body == nil {
				pos := fset.Position(fd.Pos())
				return fd.Name.Name, fmt.Sprintf("%s:%d:%d", f, pos.Line, pos.Column)
			}
		}
	}
	return "", ""
}

// requires returns the session module's requirements: module path -> version.
func (r *Resolver) requires(ctx context.Context, goPath string, env []string) map[string]string {
	out, _, err := goRun(ctx, goPath, r.dir, env, nil, "mod", "edit", "-json")
	if err != nil {
		return nil
	}
	var mod struct {
		Require []struct{ Path, Version string }
	}
	if json.Unmarshal(out, &mod) != nil {
		return nil
	}
	reqs := map[string]string{}
	for _, req := range mod.Require {
		reqs[req.Path] = req.Version
	}
	return reqs
}

// diff returns how the requirements moved from old to new.
func diff(old, new, pins map[string]string) []Move {
	var moves []Move
	for _, path := range slices.Sorted(maps.Keys(new)) {
		if v := new[path]; old[path] != v {
			_, pinned := pins[path]
			moves = append(moves, Move{Path: path, From: old[path], To: v, Pinned: pinned && old[path] != ""})
		}
	}
	return moves
}

// refuseMoves fails when a move changes a module the interpreter has packages of. cause names
// what asked for the move.
func (r *Resolver) refuseMoves(moves []Move, cause []string) error {
	for _, m := range moves {
		have, ok := r.loaded[m.Path]
		if !ok || have == m.To {
			continue
		}
		var pkgs []string
		for ip, p := range r.pkgs {
			if p.Module.Path == m.Path {
				pkgs = append(pkgs, ip)
			}
		}
		slices.Sort(pkgs)
		what := strings.Join(cause, ", ")
		return &Error{Path: firstOr(cause), Module: Version{m.Path, m.To}, Msg: fmt.Sprintf(
			"%s needs %s %s, but the session already imported %s at %s (%s), and the interpreter can't unload a package: "+
				"run %%reset, then %%go get %s@%s before the imports (or import %s first)",
			what, m.Path, m.To, m.Path, have, strings.Join(pkgs, ", "), m.Path, m.To, what)}
	}
	return nil
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Get runs go get with args (module or package paths, with @version) in the session's module: a
// pin. It returns what moved. A move of a module the interpreter has packages of is refused.
func (r *Resolver) Get(ctx context.Context, args []string, progress func(string)) ([]Move, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	env, goPath, err := r.goEnv()
	if err != nil {
		return nil, err
	}
	if err := r.ensure(env); err != nil {
		return nil, err
	}
	before := r.save()
	oldReqs := r.requires(ctx, goPath, env)
	_, stderr, runErr := goRun(ctx, goPath, r.dir, env, progress, append([]string{"get"}, args...)...)
	if ctx.Err() != nil {
		r.restore(before)
		return nil, ctx.Err()
	}
	if runErr != nil {
		r.restore(before)
		return nil, classify(firstOr(args), "", goMessage(stderr, runErr), env)
	}
	newReqs := r.requires(ctx, goPath, env)
	moves := diff(oldReqs, newReqs, r.pins)
	if err := r.refuseMoves(moves, args); err != nil {
		r.restore(before)
		return nil, err
	}
	for _, a := range args {
		path, _, _ := strings.Cut(a, "@")
		if mod := moduleOf(path, newReqs); mod != "" {
			if strings.HasSuffix(a, "@none") {
				delete(r.pins, mod)
			} else {
				r.pins[mod] = newReqs[mod]
			}
		}
	}
	// What was resolved and not imported may have moved: resolve it again when imported.
	for ip, p := range r.pkgs {
		if v, ok := newReqs[p.Module.Path]; !ok || v != p.Module.Version {
			delete(r.pkgs, ip)
		}
	}
	return moves, nil
}

// Loaded marks the modules of packages the interpreter imported (or began to: it can't be undone).
func (r *Resolver) Loaded(pkgs ...*Package) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pkgs {
		r.loaded[p.Module.Path] = p.Module.Version
	}
}

// moduleOf returns the required module that provides a package path (the longest prefix).
func moduleOf(path string, reqs map[string]string) string {
	best := ""
	for m := range reqs {
		if (path == m || strings.HasPrefix(path, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	return best
}

// A Module is a module of the session, as %go list shows it.
type Module struct {
	Version
	Pinned   bool     // with go get
	Packages []string // the packages of it that cells imported (or their packages import)
}

// current returns the session module's requirements, none before its first resolution. r.mu
// is held.
func (r *Resolver) current(ctx context.Context) (map[string]string, error) {
	if r.dir == "" {
		return nil, nil
	}
	env, goPath, err := r.goEnv()
	if err != nil {
		return nil, err
	}
	return r.requires(ctx, goPath, env), nil
}

// List returns the modules of the session: every module its module requires.
func (r *Resolver) List(ctx context.Context) ([]Module, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, path := range slices.Sorted(maps.Keys(reqs)) {
		m := Module{Version: Version{path, reqs[path]}}
		_, m.Pinned = r.pins[path]
		for ip, p := range r.pkgs {
			if p.Module.Path == path {
				m.Packages = append(m.Packages, ip)
			}
		}
		slices.Sort(m.Packages)
		mods = append(mods, m)
	}
	return mods, nil
}

// Requirements returns the session module's requirements ("path version", sorted) and its
// go.sum, for a program built with the same modules; nil when the session has none.
func (r *Resolver) Requirements(ctx context.Context) ([]string, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs, err := r.current(ctx)
	if err != nil || len(reqs) == 0 {
		return nil, nil
	}
	var out []string
	for _, path := range slices.Sorted(maps.Keys(reqs)) {
		out = append(out, path+" "+reqs[path])
	}
	sum, _ := os.ReadFile(filepath.Join(r.dir, "go.sum"))
	return out, sum
}
