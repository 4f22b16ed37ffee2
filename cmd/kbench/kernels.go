package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/launch"
	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
	"github.com/gokernel/gokernel/jupyter/client"
)

// Kernel names, as the columns of the report.
const (
	goName = "gokernel"
	pyName = "ipykernel"
)

// kind is a kernel under test: its kernelspec and the same programs
// written in its language.
type kind struct {
	name string
	spec launch.Spec
	code code
}

// code is each measurement's cells in one language.
type code struct {
	trivial   string // the cheapest cell that does something
	setup     string // what the print loop needs first ("" if nothing)
	print     string // prints 0..99999, one per line
	loopInit  string
	loop      string // runs until interrupted
	loopCheck string // true when the interrupted loop's state was kept
	fibDecl   string
	fibCall   string
	expr      string // 1+1
}

var goCode = code{
	trivial:   "x := 1",
	setup:     `import "fmt"`,
	print:     "for i := 0; i < 100000; i++ { fmt.Println(i) }",
	loopInit:  "i := 0",
	loop:      "for { i++ }",
	loopCheck: "i > 0",
	fibDecl:   "func fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }",
	fibCall:   "fib(27)",
	expr:      "1+1",
}

var pyCode = code{
	trivial:   "x = 1",
	print:     "for i in range(100000): print(i)",
	loopInit:  "i = 0",
	loop:      "while True: i += 1",
	loopCheck: "i > 0",
	fibDecl:   "def fib(n):\n    if n < 2:\n        return n\n    return fib(n-1) + fib(n-2)",
	fibCall:   "fib(27)",
	expr:      "1+1",
}

// installKernels installs gokernel's kernelspec into a prefix under dir
// with `gokernel install --prefix`, and writes ipykernel's, which Debian's
// python3-ipykernel does not install as a file.
func installKernels(ctx context.Context, dir, gokernel, python string) (goKind, pyKind kind, err error) {
	prefix := filepath.Join(dir, "prefix")
	bin, err := filepath.Abs(gokernel)
	if err != nil {
		return kind{}, kind{}, err
	}
	if _, err := os.Stat(bin); err != nil {
		return kind{}, kind{}, fmt.Errorf("gokernel binary: %w (run make build)", err)
	}
	out, err := exec.CommandContext(ctx, bin, "install", "--prefix", prefix).CombinedOutput()
	if err != nil {
		return kind{}, kind{}, fmt.Errorf("%s install --prefix: %w\n%s", bin, err, out)
	}
	kernels := filepath.Join(prefix, "share", "jupyter", "kernels")
	goSpec, err := launch.ReadSpec(filepath.Join(kernels, "gokernel"), goName)
	if err != nil {
		return kind{}, kind{}, err
	}

	if out, err := exec.CommandContext(ctx, python, "-c", "import ipykernel_launcher").CombinedOutput(); err != nil {
		return kind{}, kind{}, fmt.Errorf("%s has no ipykernel (run .ci/deps bench): %w\n%s", python, err, out)
	}
	pyDir := filepath.Join(kernels, "python3")
	err = launch.WriteSpec(pyDir, launch.Spec{
		Argv:        []string{python, "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		DisplayName: "Python 3 (ipykernel)",
		Language:    "python",
	})
	if err != nil {
		return kind{}, kind{}, err
	}
	pySpec, err := launch.ReadSpec(pyDir, pyName)
	if err != nil {
		return kind{}, kind{}, err
	}
	return kind{goName, goSpec, goCode}, kind{pyName, pySpec, pyCode}, nil
}

// Timeouts. Nothing waits without one.
const (
	readyTimeout    = 60 * time.Second // a kernel's first kernel_info and iopub status
	cellTimeout     = 30 * time.Second // a cell that should be quick
	shutdownTimeout = 10 * time.Second // shutdown_reply, then the process's exit
)

// fastDial notices a kernel's listening port within a millisecond.
var fastDial = client.DialOptions{Retry: time.Millisecond, Timeout: readyTimeout}

// session is a started kernel with a connected, ready client.
type session struct {
	kind   kind
	proc   *launch.Process
	client *client.Client
	ready  client.Ready
}

// startEach starts one kernel of each kind, gokernel first, for the
// measures that alternate between them; stop shuts down all that started.
func (b *bench) startEach(ctx context.Context) (sessions []*session, stop func(), err error) {
	stop = func() {
		for _, s := range sessions {
			s.shutdown(context.WithoutCancel(ctx))
		}
	}
	for _, k := range []kind{b.goK, b.pyK} {
		s, err := b.start(ctx, k, fastDial)
		if err != nil {
			return sessions, stop, err
		}
		sessions = append(sessions, s)
	}
	return sessions, stop, nil
}

// start starts a kernel of kind k and waits until it is ready. A kernel
// that exits before it is ready (another process may have taken one of its
// ports in the meantime) is started once more on new ports.
func (b *bench) start(ctx context.Context, k kind, dial client.DialOptions) (*session, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		conn, file, cerr := b.launcher.NewConnection(k.name)
		if cerr != nil {
			return nil, cerr
		}
		var p *launch.Process
		p, err = b.launcher.Start(k.spec, conn, file)
		if err != nil {
			return nil, err
		}
		var s *session
		s, err = b.connect(ctx, k, p, dial)
		if err == nil {
			return s, nil
		}
		if !p.Exited() || ctx.Err() != nil {
			break
		}
		b.log.Warn("kernel exited while starting; trying again", "kernel", k.name, "err", err)
	}
	return nil, err
}

// connect connects to the started process p and waits until it is ready.
// On failure p is killed.
func (b *bench) connect(ctx context.Context, k kind, p *launch.Process, dial client.DialOptions) (*session, error) {
	dial.Buffered = !b.plain
	c, err := launch.Connect(ctx, p, dial)
	if err != nil {
		p.Kill()
		return nil, fmt.Errorf("%s: %w", k.name, err)
	}
	ready, err := c.WaitReady(ctx, readyTimeout)
	if err != nil {
		c.Close()
		p.Kill()
		if p.Exited() {
			return nil, fmt.Errorf("%s exited: %v\n%s", k.name, p.ExitErr(), p.Output())
		}
		return nil, fmt.Errorf("%s: %w", k.name, err)
	}
	return &session{kind: k, proc: p, client: c, ready: ready}, nil
}

// shutdown asks the kernel to shut down as Jupyter does, waits for it to
// exit, and kills it if it doesn't.
func (s *session) shutdown(ctx context.Context) error {
	defer s.client.Close()
	_, err := s.client.Shutdown(ctx, false, shutdownTimeout)
	if werr := s.proc.Wait(ctx, shutdownTimeout); werr != nil {
		s.proc.Kill()
		err = errors.Join(err, werr)
		// After SIGKILL the process is gone at once; reaping is quick.
		_ = s.proc.Wait(context.Background(), 5*time.Second)
	}
	if err != nil {
		return fmt.Errorf("%s shutdown: %w", s.kind.name, err)
	}
	return nil
}

// memory reads the RSS of the kernel process and of its whole tree.
func (s *session) memory() (procfs.Tree, error) {
	return procfs.ReadTree(s.proc.PID())
}

// result runs code and returns its text/plain result.
//
// Right after a cell failed, a kernel may still be aborting the requests
// queued behind it (stop_on_error): a cell that comes back "aborted" never
// ran, and is sent again.
func (s *session) result(ctx context.Context, code string) (string, error) {
	for range 10 {
		r, err := s.client.Execute(ctx, code, cellTimeout)
		if err != nil {
			return "", err
		}
		switch r.Status() {
		case "ok":
			text, _ := r.Result()
			return strings.TrimSpace(text), nil
		case "aborted":
			continue
		default:
			return "", fmt.Errorf("execute %q: status %s: %s", code, r.Status(), r.Error())
		}
	}
	return "", fmt.Errorf("execute %q: aborted 10 times", code)
}
