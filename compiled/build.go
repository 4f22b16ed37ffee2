package compiled

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/lib"
)

// CacheEnv names the folder compiled cells' programs are built in and kept; by default the
// user's cache folder's gokernel (~/.cache/gokernel), never the notebook's.
const CacheEnv = "GOKERNEL_CACHE_DIR"

// Tag is the build tag of compiled cells' programs: with it the notebook packages' functions
// are bound to the kernel's display pipe (see package display).
const Tag = "gokernel_compiled"

// Limits of the cache of built programs.
const (
	keepBinaries = 64             // the most recently used programs kept
	staleBuild   = 24 * time.Hour // a build folder left this long was left by a killed build
)

// cacheDir returns the folder of compiled cells: the builds, and the programs they made.
func cacheDir(getenv func(string) string) (string, error) {
	dir := getenv(CacheEnv)
	if dir == "" {
		user, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("compiled cells keep their programs in the user's cache folder: %w", err)
		}
		dir = filepath.Join(user, "gokernel")
	}
	dir = filepath.Join(dir, "compiled")
	for _, sub := range []string{"bin", "build"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return "", fmt.Errorf("compiled cells' cache: %w", err)
		}
	}
	return dir, nil
}

// libPrefix is how the notebook packages import each other in the kernel's module; in a
// program's module they are gokernel/display and so on.
const libPrefix = "github.com/gokernel/gokernel/lib/"

// moduleFiles returns every file of a program's module, by path: the program's own files,
// go.mod, go.sum and the notebook packages.
func moduleFiles(prog *program) (map[string][]byte, error) {
	files := map[string][]byte{}
	for name, text := range prog.files {
		files[name] = []byte(text)
	}
	gomod := "module gokernel\n\ngo " + goVersion + "\n"
	if prog.images {
		gomod += "\nrequire (\n\t" + strings.Join(requires, "\n\t") + "\n)\n"
		files["go.sum"] = []byte(goSum)
	}
	files["go.mod"] = []byte(gomod)
	err := fs.WalkDir(lib.Sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := fs.ReadFile(lib.Sources, path)
		if err != nil {
			return err
		}
		files[path] = []byte(strings.ReplaceAll(string(data), `"`+libPrefix, `"gokernel/`))
		return nil
	})
	return files, err
}

// cacheKey is the name of a program's binary in the cache: a hash of everything the build
// reads that can change.
func cacheKey(tc *toolchain, race bool, files map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "gokernel compiled cell 1\nrace %v\n%s\n", race, tc.id)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// A buildFailure is a build that ended with errors: what go build said.
type buildFailure struct{ out string }

func (e *buildFailure) Error() string { return "go build: " + firstLine(e.out) }

// build builds a program's module in a folder of its own under dir/build and moves the binary
// to bin, replacing one another kernel built at the same time (the same program). progress is
// told of each package compiled. Cancelling ctx stops the build.
func build(ctx context.Context, tc *toolchain, dir, bin string, race bool, files map[string][]byte, progress func(pkg string)) error {
	trim(dir)
	work, err := os.MkdirTemp(filepath.Join(dir, "build"), "cell-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	for name, data := range files {
		path := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	out := filepath.Join(work, "program")
	args := []string{"build", "-trimpath", "-tags", Tag, "-v", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command(tc.path, append(args, ".")...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOWORK=off")
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("go build: %w", err)
	}
	w.Close()
	pgid := cmd.Process.Pid
	stopped := make(chan struct{})
	defer close(stopped)
	go func() { // ends with the build: at the cell's interrupt it stops it
		select {
		case <-ctx.Done():
			syscall.Kill(-pgid, syscall.SIGKILL)
		case <-stopped:
		}
	}()

	var said []string
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() { // ends at EOF: go build and the compilers it started have exited
		line := lines.Text()
		if isPackageLine(line) {
			progress(strings.TrimPrefix(line, "go: downloading "))
			continue
		}
		said = append(said, line)
	}
	err = cmd.Wait()
	syscall.Kill(-pgid, syscall.SIGKILL) // anything go build left
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return &buildFailure{out: strings.Join(said, "\n")}
		}
		return fmt.Errorf("go build: %w", err)
	}
	// A rename is atomic: a kernel starting bin sees the old file or the new one, whole.
	if err := os.Rename(out, bin); err != nil {
		return fmt.Errorf("keep the program: %w", err)
	}
	return nil
}

// trim keeps the cache small: the most recently used programs, and no build folder of a build
// that was killed long ago.
func trim(dir string) {
	entries, _ := os.ReadDir(filepath.Join(dir, "build"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleBuild {
			os.RemoveAll(filepath.Join(dir, "build", e.Name()))
		}
	}
	bins, _ := os.ReadDir(filepath.Join(dir, "bin"))
	if len(bins) < keepBinaries {
		return
	}
	type bin struct {
		name string
		used time.Time
	}
	var all []bin
	for _, e := range bins {
		if info, err := e.Info(); err == nil {
			all = append(all, bin{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b bin) int { return b.used.Compare(a.used) })
	for _, b := range all[min(len(all), keepBinaries-1):] {
		os.Remove(filepath.Join(dir, "bin", b.name))
	}
}
