// Package jupyter starts kernels the way Jupyter does and talks to them: a
// [Launcher] writes connection files and spawns kernel processes from
// kernelspecs, and a [Client] connects to a kernel's sockets, reusing
// gokernel's wire package for the frames.
//
// Every process a Launcher starts is waited for by one goroutine, which ends
// when the process has exited; [Launcher.Close] kills the ones still running
// (and their descendants) and returns after all of them were reaped.
package jupyter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/cmd/kbench/internal/procfs"
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
	ports, err := FreePorts(5 * n)
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

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago. They are taken below the kernel's ephemeral port range, so that no
// outgoing connection (a client retrying to connect to a kernel that isn't
// listening yet, say) can take one before its kernel binds it. All n
// listeners are open at once, so the ports differ.
func FreePorts(n int) ([]int, error) {
	lo, hi := portRange()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	start := lo + mathrand.IntN(hi-lo)
	for i := 0; i < hi-lo && len(ports) < n; i++ {
		port := lo + (start-lo+i)%(hi-lo)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("find free ports: only %d of %d free in %d-%d", len(ports), n, lo, hi)
	}
	return ports, nil
}

// portRange is where FreePorts looks: from 10000 up to the start of the
// ephemeral range in /proc/sys/net/ipv4/ip_local_port_range (32768 on a
// default Linux).
func portRange() (lo, hi int) {
	lo, hi = 10000, 32768
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(data))
	if len(f) < 1 {
		return lo, hi
	}
	if start, err := strconv.Atoi(f[0]); err == nil && start > lo+1000 {
		hi = start
	}
	return lo, hi
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
