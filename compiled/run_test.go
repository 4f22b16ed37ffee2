package compiled

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/eval"
)

// recorder is a display sink that keeps what it is given.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) Display(data, _ map[string]any, _ string, _ bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, _ := data["text/plain"].(string)
	r.texts = append(r.texts, s)
}

func (r *recorder) Clear(bool) {}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.texts...)
}

// runHost runs compiled cells with the machine's go, keeping programs in a cache of the test's.
type runHost struct {
	t       *testing.T
	cache   string
	decls   eval.Declarations
	stdout  *notifyBuffer
	stderr  *notifyBuffer
	display *recorder
	stdin   func(context.Context) (string, error)
	n       int
}

func newRunHost(t *testing.T, cells ...string) *runHost {
	if testing.Short() {
		t.Skip("builds programs with the go command")
	}
	h := &runHost{t: t, cache: t.TempDir(), decls: session(t, cells...)}
	h.reset()
	return h
}

// reset gives the next run fresh outputs.
func (h *runHost) reset() {
	h.stdout, h.stderr, h.display = &notifyBuffer{wrote: make(chan struct{}, 1)}, &notifyBuffer{}, &recorder{}
}

func (h *runHost) run(ctx context.Context, code string, opts Options) Outcome {
	h.n++
	return Run(ctx, Cell{Name: fmt.Sprintf("cell[%d]", 10+h.n), Code: code}, opts, h.decls, Host{
		Stdout: h.stdout, Stderr: h.stderr, Display: h.display, Stdin: h.stdin,
		Getenv: func(k string) string {
			if k == CacheEnv {
				return h.cache
			}
			return os.Getenv(k)
		},
	})
}

func TestRunOutputResultAndCache(t *testing.T) {
	h := newRunHost(t, "import \"fmt\"\nfunc fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }")
	code := "\nfmt.Println(\"fib(20) is\", fib(20))\nfib(10)"
	for i, want := range []string{"compiled", ""} {
		h.reset()
		start := time.Now()
		out := h.run(t.Context(), code, Options{})
		took := time.Since(start)
		if out.Err != nil {
			t.Fatalf("run %d: %s\n%s", i+1, out.Err.Value, strings.Join(out.Err.Traceback, "\n"))
		}
		if got := h.stdout.String(); got != "fib(20) is 6765\n" {
			t.Errorf("run %d: stdout %q", i+1, got)
		}
		if got := out.Result["text/plain"]; got != "55" {
			t.Errorf("run %d: result %v, want 55", i+1, got)
		}
		texts := h.display.all()
		switch {
		case want == "" && len(texts) > 0:
			t.Errorf("run %d (cell[%d], unchanged): built again, in %v: %q", i+1, 10+h.n, took, texts)
		case want != "" && (len(texts) == 0 || !strings.HasPrefix(texts[len(texts)-1], want)):
			t.Errorf("run %d: status lines %q, want the last to start with %q", i+1, texts, want)
		}
	}
}

func TestRunExitStatus(t *testing.T) {
	h := newRunHost(t, "import (\"fmt\"; \"os\")")
	out := h.run(t.Context(), "\nfmt.Println(\"bye\")\nos.Exit(3)", Options{})
	if out.Err == nil || out.Err.Name != NameExit || out.Err.Value != "exit status 3" {
		t.Fatalf("error %+v, want Exit: exit status 3", out.Err)
	}
	if h.stdout.String() != "bye\n" {
		t.Errorf("stdout %q", h.stdout.String())
	}
}

func TestRunRace(t *testing.T) {
	h := newRunHost(t, "import (\"fmt\"; \"sync\")")
	code := "\nn := 0\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tn++\n\t}()\n}\nwg.Wait()\nfmt.Println(n)"
	out := h.run(t.Context(), code, Options{Race: true})
	if out.Err == nil || out.Err.Name != NameRace || out.Err.Value != "the race detector found 1 data race" {
		t.Fatalf("error %+v, want the race", out.Err)
	}
	stderr := h.stderr.String()
	for _, want := range []string{"WARNING: DATA RACE", "cell[11]:8    n++", "cell[11]:6    go func() {"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the report lacks %q:\n%s", want, stderr)
		}
	}
}

func TestRunInterruptLeavesNothing(t *testing.T) {
	h := newRunHost(t, "import (\"fmt\"; \"os\"; \"os/exec\")")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	code := "\nsleep := exec.Command(\"sleep\", \"60\")\nif err := sleep.Start(); err != nil {\n\tpanic(err)\n}\n" +
		"fmt.Println(os.Getpid(), sleep.Process.Pid)\nselect {}"
	done := make(chan Outcome, 1)
	wrote := h.waitStdout()
	go func() { done <- h.run(ctx, code, Options{}) }() // ends when the cell is interrupted below
	var pids []int
	for len(pids) < 2 {
		select {
		case <-wrote:
		case out := <-done:
			t.Fatalf("ended before the interrupt: %+v", out.Err)
		}
		if line, ok := strings.CutSuffix(h.stdout.String(), "\n"); ok {
			for _, f := range strings.Fields(line) {
				pid, _ := strconv.Atoi(f)
				pids = append(pids, pid)
			}
		}
	}
	cancel()
	out := <-done
	if out.Err == nil || out.Err.Name != NameInterrupted {
		t.Fatalf("error %+v, want Interrupted", out.Err)
	}
	for _, pid := range pids {
		if state := endedState(pid, 10*time.Second); state != "" {
			t.Errorf("process %d is left after the interrupt: %s", pid, state)
		}
	}
}

// endedState waits until process pid has ended, and returns "" then, or its state after
// patience. A process killed is gone or a zombie (ended, and not reaped yet by the init that
// adopted it); it may take the system a moment to get there.
func endedState(pid int, patience time.Duration) string {
	deadline := time.Now().Add(patience)
	for {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if errors.Is(err, os.ErrNotExist) {
			return ""
		}
		state := ""
		for _, line := range strings.Split(string(status), "\n") {
			if s, ok := strings.CutPrefix(line, "State:"); ok {
				state = strings.TrimSpace(s)
			}
		}
		if strings.HasPrefix(state, "Z") {
			return ""
		}
		if time.Now().After(deadline) {
			return state
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStdout returns a channel that fires after the program writes to stdout.
func (h *runHost) waitStdout() <-chan struct{} { return h.stdout.wrote }

func TestRunStdin(t *testing.T) {
	h := newRunHost(t, "import (\"bufio\"; \"fmt\"; \"os\")")
	var asked []string
	var mu sync.Mutex
	h.stdin = func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, "line")
		return fmt.Sprint("gopher ", len(asked)), nil
	}
	code := "\nr := bufio.NewReader(os.Stdin)\nfor i := 0; i < 2; i++ {\n\tline, _ := r.ReadString('\\n')\n\tfmt.Print(\"read: \", line)\n}"
	if out := h.run(t.Context(), code, Options{}); out.Err != nil {
		t.Fatalf("%s\n%s", out.Err.Value, strings.Join(out.Err.Traceback, "\n"))
	}
	if got := h.stdout.String(); got != "read: gopher 1\nread: gopher 2\n" {
		t.Errorf("stdout %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 {
		t.Errorf("asked for %d lines, want 2: once for each read", len(asked))
	}
}

// fakeGo writes a go command that answers go env with settings.
func fakeGo(t *testing.T, settings string) string {
	path := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\necho '" + settings + "'\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestToolchainErrors(t *testing.T) {
	old := fakeGo(t, `{"GOVERSION": "go1.19.8", "CGO_ENABLED": "1"}`)
	noCC := fakeGo(t, `{"GOVERSION": "go1.26.1", "CGO_ENABLED": "0", "CC": "no-such-cc"}`)
	noCgo := fakeGo(t, `{"GOVERSION": "go1.26.1", "CGO_ENABLED": "0", "CC": "sh"}`)
	fine := fakeGo(t, `{"GOVERSION": "go1.26.1", "CGO_ENABLED": "1", "CC": "sh"}`)
	tests := []struct {
		name string
		env  map[string]string
		path string // PATH
		race bool
		want string // the error, or the version found
	}{
		{"too old", map[string]string{GoEnv: old}, "", false,
			"compiled cells need Go 1.26 or newer: " + old + " (from $GOKERNEL_GO) is go1.19.8; install a newer Go (https://go.dev/dl) or set GOKERNEL_GO to one"},
		{"not there", map[string]string{GoEnv: "/no/such/go"}, "", false,
			"compiled cells need the Go toolchain: /no/such/go from $GOKERNEL_GO can't be run (no such file)"},
		{"none on the PATH", nil, t.TempDir(), false,
			"compiled cells need the Go toolchain, and there is no go command on the PATH: install Go (https://go.dev/dl) or set GOKERNEL_GO to the go command"},
		{"the install's, when the PATH has none", map[string]string{InstalledEnv: fine}, t.TempDir(), false, "go1.26.1"},
		{"GOKERNEL_GO first", map[string]string{GoEnv: fine, InstalledEnv: old}, "", false, "go1.26.1"},
		{"race without a C compiler", map[string]string{GoEnv: noCC}, "", true,
			"-race needs cgo, and so a C compiler, and there is no no-such-cc: install gcc (on Debian: sudo apt-get install gcc libc6-dev) or set CC to a C compiler"},
		{"race without cgo", map[string]string{GoEnv: noCgo}, "", true,
			"-race needs cgo, and CGO_ENABLED is 0 for " + noCgo + ": set CGO_ENABLED=1 (with %env, or in kernel.json's env)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path != "" {
				t.Setenv("PATH", tt.path)
			}
			tc, err := findToolchain(t.Context(), t.TempDir(), func(k string) string { return tt.env[k] })
			if err == nil && tt.race {
				err = tc.checkRace()
			}
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = tc.version
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestRunTwoKernelsBuildAtOnce: two kernels that build the same program at the same time,
// in one cache, both run it.
func TestRunTwoKernelsBuildAtOnce(t *testing.T) {
	h := newRunHost(t, "import \"fmt\"")
	code := "\nfmt.Println(\"built twice at once\")"
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Add(1)
		go func() { // ends when its Run does
			defer wg.Done()
			stdout := &notifyBuffer{}
			out := Run(t.Context(), Cell{Name: fmt.Sprintf("cell[%d]", i+1), Code: code}, Options{}, h.decls, Host{
				Stdout: stdout, Stderr: &notifyBuffer{},
				Getenv: func(k string) string {
					if k == CacheEnv {
						return h.cache
					}
					return os.Getenv(k)
				},
			})
			if out.Err != nil {
				errs[i] = fmt.Errorf("%s: %s", out.Err.Name, out.Err.Value)
			}
			outs[i] = stdout.String()
		}()
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || outs[i] != "built twice at once\n" {
			t.Errorf("kernel %d: %q, %v", i+1, outs[i], errs[i])
		}
	}
	bins, _ := filepath.Glob(filepath.Join(h.cache, "compiled", "bin", "*"))
	left, _ := filepath.Glob(filepath.Join(h.cache, "compiled", "build", "*"))
	if len(bins) != 1 || len(left) != 0 {
		t.Errorf("the cache holds programs %q and builds %q; want one program, no build folder", bins, left)
	}
}
