package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// WorkerCommand says how to start an interpreter worker process.
type WorkerCommand struct {
	Path string   // executable
	Args []string // arguments after the executable's name
	Env  []string // nil: the kernel's environment

	// MemoryLimit stops the worker when its resident memory passes this
	// many bytes; 0 means no limit. The worker is told the limit
	// ([workerproto.MemoryLimitEnv]), and collects garbage harder as it
	// nears it, so that the kernel stops only real growth.
	MemoryLimit int64
}

// crashHead bounds how much of a worker's crash output the kernel keeps to
// explain its death.
const crashHead = 256 << 10

// process is one running worker process (`gokernel worker`) and the
// goroutines that read its pipes. Its goroutines end when the process has
// exited and its pipes are closed; done is closed then, after exitErr is set.
type process struct {
	cmd      *exec.Cmd
	pid      int
	req      *workerproto.Writer
	reqW     *os.File
	ready    chan struct{} // closed when the worker said ready
	token    string        // the worker's sync marker token, set before ready is closed
	squeezed chan struct{} // the worker answered a squeeze request (memory.go)

	// For the memory watch (memory.go): the cells running, and a wake-up
	// when one starts or the worker reports a collection between cells.
	cells      atomic.Int32
	memoryBusy chan struct{}
	stdout     *stream
	stderr     *stream
	crash      *headBuffer // the process's own stderr: Go's crash reports
	done       chan struct{}

	exitErr error // set before done is closed

	mu     sync.Mutex
	killed *deathNote // why the kernel killed it, if it did
	lost   []string   // the output streams whose loss the learner was told of
}

// deathNote is the error a cell gets when the kernel killed its worker.
type deathNote struct {
	name, value string
	stacks      bool // the worker was asked for Go's report: show the cells' library calls in it
}

// startProcess starts the worker process. out publishes the user's output;
// route receives the worker's events, in order, from one goroutine that ends
// before done is closed.
func startProcess(wc WorkerCommand, log *slog.Logger, out func(name, text string), route func(*process, *workerproto.Message)) (*process, error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			closers = append(closers, r, w)
		}
		return r, w, err
	}
	reqR, reqW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	evR, evW, err1 := pipe()
	outR, outW, err2 := pipe()
	errR, errW, err3 := pipe()
	crashR, crashW, err4 := pipe()
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		closeAll()
		return nil, fmt.Errorf("start worker: %w", err)
	}

	cmd := exec.Command(wc.Path, wc.Args...)
	cmd.Env = workerEnv(wc)
	// The worker's file descriptors (workerproto.FDStdin and the others).
	cmd.Stdin = nil // /dev/null: a cell's input comes through input requests
	cmd.Stdout = outW
	cmd.Stderr = crashW
	cmd.ExtraFiles = make([]*os.File, workerproto.FDCellStderr-2) // ExtraFiles[i] is fd 3+i
	cmd.ExtraFiles[workerproto.FDRequests-3] = reqR
	cmd.ExtraFiles[workerproto.FDEvents-3] = evW
	cmd.ExtraFiles[workerproto.FDCellStderr-3] = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // its own group, so a kill takes its children too
		Pdeathsig: syscall.SIGKILL, // and it can't outlive the kernel
	}
	if err := workers.start(cmd); err != nil {
		closeAll()
		return nil, fmt.Errorf("start worker %s: %w", wc.Path, err)
	}
	// The child has its copies; the kernel keeps only its own ends.
	reqR.Close()
	evW.Close()
	outW.Close()
	errW.Close()
	crashW.Close()

	w := &process{
		cmd:        cmd,
		pid:        cmd.Process.Pid,
		req:        workerproto.NewWriter(reqW),
		reqW:       reqW,
		ready:      make(chan struct{}),
		squeezed:   make(chan struct{}, 1),
		memoryBusy: make(chan struct{}, 1),
		stdout:     newStream("stdout", out),
		stderr:     newStream("stderr", out),
		crash:      &headBuffer{max: crashHead},
		done:       make(chan struct{}),
	}
	log = log.With("worker", w.pid)

	var pipes sync.WaitGroup
	pipes.Add(4)
	// Each reader below ends at EOF, which comes when the process (and any
	// child that inherited the pipe) has exited.
	// The streams know markers only by the token the worker sends when ready.
	token := func() string { <-w.ready; return w.token }
	go func() { defer pipes.Done(); r := newOutputReader(outR); w.stdout.pump(r, token); r.Close() }()
	go func() { defer pipes.Done(); r := newOutputReader(errR); w.stderr.pump(r, token); r.Close() }()
	go func() { defer pipes.Done(); io.Copy(w.crash, crashR); crashR.Close() }()
	go func() {
		defer pipes.Done()
		defer evR.Close()
		r := workerproto.NewReader(evR)
		ready := false
		defer func() {
			if !ready { // the worker died before it was ready
				close(w.ready)
			}
		}()
		for {
			m, err := r.Read()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
					log.Warn("worker event pipe", "err", err)
				}
				return
			}
			if m.Kind == workerproto.KindCollected {
				w.wakeMemoryWatch()
				continue
			}
			if m.Kind == workerproto.KindSqueezed {
				select {
				case w.squeezed <- struct{}{}:
				default:
				}
				continue
			}
			if m.Kind == workerproto.KindReady {
				if !ready {
					ready = true
					w.token = m.Token
					close(w.ready)
				}
				continue
			}
			route(w, m)
		}
	}()
	// The waiter reaps the process, then waits for the pipe readers, so that
	// done means: nothing more will come from this worker.
	go func() {
		err := cmd.Wait()
		// Children the cell started may still hold the pipes: end them, in
		// the worker's process group and wherever they went (see sweep).
		workers.exited(w.pid)
		_ = syscall.Kill(-w.pid, syscall.SIGKILL)
		workers.sweep(log)
		waitTimeout(&pipes, 2*time.Second)
		w.reqW.Close()
		w.exitErr = err
		close(w.done)
		log.Debug("worker exited", "err", err)
	}()
	if wc.MemoryLimit > 0 {
		go watchMemory(w, wc.MemoryLimit) // ends when the worker has exited
	}
	return w, nil
}

// workerEnv is the worker's environment: the kernel's, or wc.Env, with the
// memory limit, which the worker keeps under where it can (package worker's
// memory.go).
func workerEnv(wc WorkerCommand) []string {
	env := wc.Env
	if env == nil {
		env = os.Environ()
	}
	if wc.MemoryLimit <= 0 {
		return env
	}
	// A name's first entry counts: drop any other.
	env = slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, workerproto.MemoryLimitEnv+"=") })
	return append(env, workerproto.MemoryLimitEnv+"="+strconv.FormatInt(wc.MemoryLimit, 10))
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	c := make(chan struct{})
	go func() { wg.Wait(); close(c) }() // ends when wg does; readers end at EOF after the kill
	select {
	case <-c:
	case <-time.After(d):
	}
}

// kill ends the worker's whole process group; why is said in the cell's
// error if one was running. An empty why keeps an earlier reason.
func (w *process) kill(why string) {
	var note *deathNote
	if why != "" {
		note = &deathNote{name: "Restarted", value: why}
	}
	w.killWith(note)
}

// stacksWait bounds how long killWithStacks waits for Go's report.
const stacksWait = time.Second

// killWithStacks is kill, after asking the worker for Go's report of its
// goroutines (SIGQUIT), so that its death can name the library calls that
// kept it busy.
func (w *process) killWithStacks(why string) {
	w.mu.Lock()
	if w.killed == nil {
		w.killed = &deathNote{name: "Restarted", value: why, stacks: true}
	}
	w.mu.Unlock()
	_ = syscall.Kill(w.pid, syscall.SIGQUIT)
	select {
	case <-w.done:
	case <-time.After(stacksWait):
	}
	w.kill("")
}

func (w *process) killWith(note *deathNote) {
	w.mu.Lock()
	if w.killed == nil {
		w.killed = note
	}
	w.mu.Unlock()
	_ = syscall.Kill(-w.pid, syscall.SIGKILL)
}

// noteLost records streams the worker can no longer write markers to, and
// reports whether one of them is news.
func (w *process) noteLost(streams []string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	news := false
	for _, st := range streams {
		if !slices.Contains(w.lost, st) {
			w.lost = append(w.lost, st)
			news = true
		}
	}
	return news
}

func (w *process) killNote() *deathNote {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.killed
}

// send writes a request to the worker.
// cellRuns counts a cell as running on w until the func it returns is called,
// and tells the memory watch.
func (w *process) cellRuns() (ended func()) {
	w.cells.Add(1)
	w.wakeMemoryWatch()
	return func() { w.cells.Add(-1) }
}

func (w *process) wakeMemoryWatch() {
	select {
	case w.memoryBusy <- struct{}{}:
	default: // a wake-up is pending already
	}
}

func (w *process) send(m *workerproto.Message) error {
	return w.req.Write(m)
}

// death explains why the worker ended, as a cell error.
func (w *process) death() *workerproto.Error {
	<-w.done
	crash := w.crash.String()
	if note := w.killNote(); note != nil {
		tb := []string{note.name + ": " + note.value}
		if note.stacks {
			tb = append(tb, learnerFrames(crash)...)
		}
		return &workerproto.Error{Name: note.name, Value: note.value, Traceback: append(tb, stateLost)}
	}
	name, value, trace := explainCrash(crash)
	if pkg := interpreting(crash); pkg != "" && name != "" {
		if strings.HasPrefix(value, "stack overflow") {
			value = "stack overflow"
		}
		value = fmt.Sprintf("the interpreter crashed (%s) while it read the source of package %s: "+
			"that package can't be interpreted; pin another version of its module (%%go get module@version) "+
			"or use the package in a program built with the Go toolchain", value, pkg)
		trace = nil
	}
	if name == "" {
		name, value = "Exit", describeExit(w.exitErr)
		if strings.TrimSpace(crash) == "" && strings.HasSuffix(value, "status 2") {
			// Go's status for a crash, without Go's report.
			trace = append(trace, "Status 2 is how Go ends a program that crashed, but its report did not reach the kernel: did a cell close file descriptor 2?")
		}
	}
	tb := []string{name + ": " + value}
	tb = append(tb, trace...)
	tb = append(tb, stateLost)
	return &workerproto.Error{Name: name, Value: value, Traceback: tb}
}

const stateLost = "The interpreter was restarted: names defined in earlier cells are gone; run them again."

func describeExit(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				return fmt.Sprintf("the interpreter was killed by signal %s (%v)", signalName(ws.Signal()), ws.Signal())
			}
			return fmt.Sprintf("the interpreter exited with status %d", ws.ExitStatus())
		}
	}
	if err == nil {
		return "the interpreter exited with status 0"
	}
	return "the interpreter stopped: " + err.Error()
}

// interpreting returns the package of a module the worker was interpreting when it crashed, as
// its last InterpretingMarker line says, when the crash is in the interpreter's import of source.
func interpreting(report string) string {
	i := strings.LastIndex(report, workerproto.InterpretingMarker)
	if i < 0 || !strings.Contains(report[i:], "yaegi/interp.(*Interpreter).importSrc(") {
		return ""
	}
	line, _, _ := strings.Cut(report[i+len(workerproto.InterpretingMarker):], "\n")
	return line
}

// explainCrash reads Go's crash report: "panic: ...", "fatal error: ...",
// the stack overflow message and a signal's report, keeping the report's
// first lines, the goroutines in library calls of cells, and the worker's
// crash notes about the goroutine the report names (see
// workerproto.CrashNote): the cells' lines of a panic that Go's report
// shows only as the interpreter's frames.
func explainCrash(report string) (name, value string, trace []string) {
	if name, value, trace, ok := explainSignal(report); ok {
		return name, value, trace
	}
	lines := strings.Split(report, "\n")
	for i, line := range lines {
		var rest string
		switch {
		case strings.HasPrefix(line, "fatal error: "):
			name, rest = "fatal error", strings.TrimPrefix(line, "fatal error: ")
		case strings.HasPrefix(line, "panic: "):
			name, rest = "panic", strings.TrimPrefix(line, "panic: ")
			// A panic that repanicked says so on the same line; keep the first value.
			rest = strings.TrimSuffix(rest, " [recovered]")
			rest = strings.TrimSuffix(rest, " [recovered, repanicked]")
		default:
			continue
		}
		value = rest
		if value == "stack overflow" || strings.Contains(report, "goroutine stack exceeds") {
			value = "stack overflow: a function called itself too deeply (unbounded recursion?)"
		}
		if strings.Contains(value, "out of memory") {
			value = "out of memory"
		}
		if d := faultDetail(lines[i+1 : min(i+3, len(lines))]); d != "" {
			value += " (" + d + ")"
		}
		// Keep the lines before the goroutine dumps: they carry the message.
		for _, l := range lines[i+1:] {
			if strings.HasPrefix(l, "goroutine ") || strings.HasPrefix(l, "[signal") || l == "runtime stack:" {
				break
			}
			if strings.TrimSpace(l) != "" {
				trace = append(trace, l)
			}
		}
		if name == "fatal error" {
			trace = append(trace, learnerFrames(strings.Join(lines[i:], "\n"))...)
		}
		return name, value, append(trace, crashNotes(lines, lines[i+1:])...)
	}
	return "", "", nil
}

// crashNotes returns the texts of the notes in lines about the goroutine
// whose trace comes first in rest, the report after its message
// ("goroutine 35 [running]:").
func crashNotes(lines, rest []string) []string {
	var g int64 = -1
	for _, l := range rest {
		if num, ok := strings.CutPrefix(l, "goroutine "); ok {
			num, _, _ = strings.Cut(num, " ")
			if n, err := strconv.ParseInt(num, 10, 64); err == nil {
				g = n
			}
			break
		}
	}
	var texts []string
	for _, l := range lines {
		if n, text, ok := workerproto.ParseCrashNote(l); ok && n == g {
			texts = append(texts, text)
		}
	}
	return texts
}

// headBuffer keeps the first max bytes written to it: a crash report's
// message is at its top.
type headBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *headBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (t *headBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
