// Package launch starts kernels the way Jupyter does: a [Launcher] writes
// connection files and spawns kernel processes from kernelspecs, and
// [Connect] connects a [client.Client] to one of them.
//
// Every process a Launcher starts is waited for by one goroutine, which ends
// when the process has exited; [Launcher.Close] kills the ones still running
// (and their descendants) and returns after all of them were reaped.
package launch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
	"github.com/gokernel/gokernel/jupyter/client"
	"github.com/gokernel/gokernel/jupyter/wire"
)

// Interrupt modes of a kernelspec.
const (
	InterruptSignal  = "signal" // SIGINT to the kernel's process group (the default)
	InterruptMessage = "message"
)

// Spec is a kernelspec: the kernel.json that says how to start a kernel.
type Spec struct {
	Name          string            `json:"-"` // the kernelspec folder's name
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
}

// ReadSpec reads dir/kernel.json; name is the kernelspec's name.
func ReadSpec(dir, name string) (Spec, error) {
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		return Spec{}, fmt.Errorf("kernelspec %s: %w", name, err)
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return Spec{}, fmt.Errorf("kernelspec %s: %w", name, err)
	}
	if len(s.Argv) == 0 {
		return Spec{}, fmt.Errorf("kernelspec %s: empty argv", name)
	}
	if s.InterruptMode == "" {
		s.InterruptMode = InterruptSignal
	}
	s.Name = name
	return s, nil
}

// WriteSpec writes s as dir/kernel.json, creating dir.
func WriteSpec(dir string, s Spec) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "kernel.json"), append(data, '\n'), 0o644)
}

// Launcher starts kernel processes and keeps track of them until they have
// exited.
type Launcher struct {
	dir string // connection files go here

	mu     sync.Mutex
	live   map[*Process]struct{}
	closed bool
	n      int // connection files written
}

// NewLauncher returns a Launcher that writes connection files into dir.
func NewLauncher(dir string) *Launcher {
	return &Launcher{dir: dir, live: map[*Process]struct{}{}}
}

// NewConnection picks free loopback ports and a random HMAC key and writes a
// connection file for them, as jupyter_client does.
func (l *Launcher) NewConnection(kernelName string) (wire.ConnectionInfo, string, error) {
	conns, files, err := l.NewConnections(kernelName, 1)
	if err != nil {
		return wire.ConnectionInfo{}, "", err
	}
	return conns[0], files[0], nil
}

// NewConnections writes n connection files at once. Their ports are picked
// together, so no two kernels are given the same port.
func (l *Launcher) NewConnections(kernelName string, n int) ([]wire.ConnectionInfo, []string, error) {
	ports, err := client.FreePorts(5 * n)
	if err != nil {
		return nil, nil, err
	}
	var conns []wire.ConnectionInfo
	var files []string
	for i := range n {
		p := ports[5*i : 5*i+5]
		key := make([]byte, 32)
		rand.Read(key) // never fails
		conn := wire.ConnectionInfo{
			Transport:       wire.TransportTCP,
			IP:              "127.0.0.1",
			ShellPort:       p[0],
			IOPubPort:       p[1],
			StdinPort:       p[2],
			ControlPort:     p[3],
			HBPort:          p[4],
			SignatureScheme: wire.SchemeHMACSHA256,
			Key:             hex.EncodeToString(key),
			KernelName:      kernelName,
		}
		l.mu.Lock()
		l.n++
		path := filepath.Join(l.dir, fmt.Sprintf("kernel-%s-%d.json", kernelName, l.n))
		l.mu.Unlock()
		data, err := json.MarshalIndent(conn, "", "  ")
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, nil, fmt.Errorf("write connection file: %w", err)
		}
		conns = append(conns, conn)
		files = append(files, path)
	}
	return conns, files, nil
}

// Process is one running kernel.
type Process struct {
	Spec     Spec
	ConnFile string
	Conn     wire.ConnectionInfo
	Started  time.Time // just before the process was spawned

	cmd     *exec.Cmd
	output  *tailBuffer
	done    chan struct{}
	exitErr error // set before done is closed
}

// Start runs spec's argv with {connection_file} replaced by connFile, in a
// process group of its own (as jupyter_client's start_new_session does).
func (l *Launcher) Start(spec Spec, conn wire.ConnectionInfo, connFile string) (*Process, error) {
	argv := make([]string, len(spec.Argv))
	for i, a := range spec.Argv {
		argv[i] = strings.ReplaceAll(a, "{connection_file}", connFile)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "JPY_PARENT_PID="+strconv.Itoa(os.Getpid()))
	for k, v := range spec.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &tailBuffer{max: 8 << 10}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // Ctrl-C in our terminal doesn't reach it; we interrupt it ourselves
		Pdeathsig: syscall.SIGKILL, // and if kbench dies, so does it
	}
	cmd.WaitDelay = time.Second // a descendant holding its output pipe can't keep Wait waiting
	p := &Process{Spec: spec, ConnFile: connFile, Conn: conn, cmd: cmd, output: out, done: make(chan struct{})}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errors.New("launcher closed")
	}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	l.live[p] = struct{}{}
	go func() { // ends when the process has exited
		p.exitErr = cmd.Wait()
		close(p.done)
		l.mu.Lock()
		delete(l.live, p)
		l.mu.Unlock()
	}()
	return p, nil
}

// Connect dials p's sockets. If p exits while the client connects, Connect
// fails at once; if it exits later, a wait for its reply gives up shortly
// after the exit.
func Connect(ctx context.Context, p *Process, opts client.DialOptions) (*client.Client, error) {
	opts.Exited = p.Done()
	c, err := client.Dial(ctx, p.Conn, opts)
	if err != nil {
		if p.Exited() {
			return nil, fmt.Errorf("%s exited before it listened: %v\n%s", p.Spec.Name, p.ExitErr(), p.Output())
		}
		return nil, err
	}
	return c, nil
}

// Restart starts a new process for p's kernelspec with p's connection file,
// as jupyter_client's restart does. p should have exited.
func (l *Launcher) Restart(p *Process) (*Process, error) {
	return l.Start(p.Spec, p.Conn, p.ConnFile)
}

// Close kills every process still running, with its descendants, and returns
// when all have been reaped (or after timeout).
func (l *Launcher) Close(timeout time.Duration) {
	l.mu.Lock()
	l.closed = true
	var procs []*Process
	for p := range l.live {
		procs = append(procs, p)
	}
	l.mu.Unlock()
	for _, p := range procs {
		p.Kill()
	}
	deadline := time.After(timeout)
	for _, p := range procs {
		select {
		case <-p.done:
		case <-deadline:
			return
		}
	}
}

// Live is the number of processes started and not yet reaped.
func (l *Launcher) Live() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live)
}

// PID is the kernel's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and was reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitErr is how the process ended; valid after Done.
func (p *Process) ExitErr() error {
	<-p.done
	return p.exitErr
}

// Output is the end of what the process wrote on stdout and stderr.
func (p *Process) Output() string { return p.output.String() }

// Wait waits until the process has exited, at most timeout.
func (p *Process) Wait(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		return fmt.Errorf("%s (pid %d) still running after %v", p.Spec.Name, p.PID(), timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Signal sends sig to the kernel's process group, as jupyter_client's
// signal_kernel does.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return errors.New("process has exited")
	}
	return syscall.Kill(-p.PID(), sig)
}

// Kill kills the kernel, its process group and every descendant (gokernel's
// worker has a group of its own).
func (p *Process) Kill() {
	if p.Exited() {
		return
	}
	for _, c := range procfs.Descendants(p.PID()) {
		_ = syscall.Kill(-c, syscall.SIGKILL) // the worker's own group
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
