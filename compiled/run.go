package compiled

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/gokernel/gokernel/lib/display"
	"github.com/gokernel/gokernel/workerproto"
)

// interruptGrace is how long a program has to end after the SIGINT of an interrupt before its
// process group is killed: well within the kernel's own grace for the cell.
const interruptGrace = 500 * time.Millisecond

// drainFor is how long the pipes may stay open after the program's group was killed (a process
// that left the group may hold them) before they are closed under it.
const drainFor = 2 * time.Second

// stdinPoll is how often a running program is checked for a read of its stdin.
const stdinPoll = 40 * time.Millisecond

// ran is what running a program gave.
type ran struct {
	result      *display.Event // its result, if it sent one
	wait        error          // cmd.Wait's
	interrupted bool
	trace       *traceFilter
}

// execute runs a built program as a child of this process in a process group of its own, its
// output on the host's, its displays through the host's sink, and waits for it and everything it
// started to end. Cancelling ctx interrupts it: SIGINT to the group, SIGKILL after a grace.
//
// Goroutines, all ended before execute returns:
//
//	waiter    cmd.Wait; ends when the program exits
//	events    the display pipe; ends at EOF (the program exited) or when the pipe is closed
//	stderr    the traceFilter; ends at EOF (the group is gone) or when the pipe is closed
//	stdout    a copy, when the host's stdout is not a file; ends like stderr
//	stdin     asks for lines while the program reads; ends when the program exits
func execute(ctx context.Context, bin string, args []string, host Host, prog *program) (*ran, error) {
	socks, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("display pipe: %w", err)
	}
	syscall.SetNonblock(socks[0], true) // so that Close ends a Read waiting on it
	events := os.NewFile(uintptr(socks[0]), "display")
	theirs := os.NewFile(uintptr(socks[1]), "display")
	var mine, childs []*os.File // our ends, closed when the readers are done; the child's, after Start
	mine = append(mine, events)
	childs = append(childs, theirs)
	closeAll := func(files []*os.File) {
		for _, f := range files {
			f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		return r, w, err
	}

	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), display.DisplayFDEnv+"=3")
	if host.Getenv("GORACE") == "" {
		// The race detector waits a second at exit for late reports, by default; a tenth is
		// enough for a cell's, and every -race cell would take a second longer.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=100")
	}
	cmd.ExtraFiles = []*os.File{theirs} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // its own group: an interrupt and the end take its children too
		Pdeathsig: syscall.SIGKILL, // and it can't outlive the worker
	}
	errR, errW, err := pipe()
	if err != nil {
		closeAll(append(mine, childs...))
		return nil, err
	}
	mine, childs = append(mine, errR), append(childs, errW)
	cmd.Stderr = errW
	var outR *os.File
	if f, ok := host.Stdout.(*os.File); ok {
		cmd.Stdout = f // the program writes to the cell's output itself, in order with the worker's
	} else {
		var outW *os.File
		if outR, outW, err = pipe(); err != nil {
			closeAll(append(mine, childs...))
			return nil, err
		}
		mine, childs = append(mine, outR), append(childs, outW)
		cmd.Stdout = outW
	}
	var inW *os.File
	if host.Stdin != nil {
		var inR *os.File
		if inR, inW, err = pipe(); err != nil {
			closeAll(append(mine, childs...))
			return nil, err
		}
		childs = append(childs, inR)
		cmd.Stdin = inR
	}

	// Pdeathsig fires when the thread that started the child ends: keep this one until it has exited.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		closeAll(append(mine, childs...))
		if inW != nil {
			inW.Close()
		}
		return nil, fmt.Errorf("start the program: %w", err)
	}
	closeAll(childs)
	pid := cmd.Process.Pid
	r := &ran{trace: &traceFilter{out: host.Stderr, src: prog.sources, cells: prog.cells}}

	var readers sync.WaitGroup
	readers.Add(2)
	go func() { defer readers.Done(); r.result = readEvents(events, host.Display) }()
	go func() { defer readers.Done(); r.trace.copy(errR) }()
	if outR != nil {
		readers.Add(1)
		go func() { defer readers.Done(); io.Copy(host.Stdout, outR) }()
	}
	exited := make(chan struct{})
	go func() { r.wait = cmd.Wait(); close(exited) }()
	var feeder sync.WaitGroup
	if inW != nil {
		feeder.Add(1)
		go func() { defer feeder.Done(); feedStdin(pid, inW, host.Stdin, host.Stderr, exited) }()
	}

	select {
	case <-exited:
	case <-ctx.Done():
		r.interrupted = true
		syscall.Kill(-pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(interruptGrace):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-exited
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL) // what the program started and left running
	feeder.Wait()
	drained := make(chan struct{})
	go func() { readers.Wait(); close(drained) }() // ends when the readers do, at the latest after the close below
	select {
	case <-drained:
	case <-time.After(drainFor):
		closeAll(mine)
		<-drained
	}
	closeAll(mine)
	return r, nil
}

// readEvents shows what the program displays, acknowledging each event once the sink has it,
// and returns its result.
func readEvents(f *os.File, sink display.Sink) *display.Event {
	var result *display.Event
	dec := json.NewDecoder(f)
	for {
		var e display.Event
		if err := dec.Decode(&e); err != nil {
			return result
		}
		switch {
		case e.Result:
			result = &e
		case e.Clear:
			sink.Clear(e.Wait)
		default:
			sink.Display(e.Data, e.Metadata, e.DisplayID, e.Update)
		}
		if _, err := f.Write([]byte{1}); err != nil {
			return result
		}
	}
}

// feedStdin asks the host for a line whenever the program waits in a read of its empty stdin,
// and writes it there. When the host has no line to give, the program's stdin ends (EOF).
func feedStdin(pid int, w *os.File, ask func(context.Context) (string, error), stderr io.Writer, exited <-chan struct{}) {
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // ends when the program exits or this function returns
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(stdinPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !readingStdin(pid) || pending(w) {
			continue
		}
		line, err := ask(ctx)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(stderr, "%v: the program's stdin ends here\n", err)
			}
			return
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return
		}
	}
}

// readingStdin tells whether a thread of process pid waits in a read of its file descriptor 0.
func readingStdin(pid int) bool {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/syscall")
	read := strconv.Itoa(syscall.SYS_READ)
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(data))
		if len(f) > 1 && f[0] == read && f[1] == "0x0" {
			return true
		}
	}
	return false
}

// pending tells whether the pipe w writes to holds bytes not read yet.
func pending(w *os.File) bool {
	rc, err := w.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	rc.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n > 0
}

// outcome turns what running the program gave into the cell's outcome.
func (r *ran) outcome() Outcome {
	var exit *exec.ExitError
	errors.As(r.wait, &exit)
	status := ""
	if exit != nil {
		status = exit.String() // "exit status 3", "signal: killed", as go run says
	}
	switch {
	case r.interrupted:
		return Outcome{Err: &workerproto.Error{Name: NameInterrupted, Value: "the cell was interrupted",
			Traceback: []string{"Interrupted: the cell was interrupted: its program was stopped (SIGINT, then SIGKILL " +
				"after " + interruptGrace.String() + ")"}}}
	case r.trace.races > 0:
		n := plural(r.trace.races, "data race")
		return Outcome{Err: &workerproto.Error{Name: NameRace, Value: "the race detector found " + n,
			Traceback: []string{NameRace + ": the race detector found " + n + " (its report is above; " + status + ")",
				"Goroutines used a variable at once, one of them writing, with nothing to order the accesses: " +
					"guard it with a sync.Mutex, use sync/atomic, or hand it over on a channel."}}}
	case r.trace.panic != "":
		return Outcome{Err: &workerproto.Error{Name: NamePanic, Value: r.trace.panic,
			Traceback: []string{"panic: " + r.trace.panic + " (the trace is above; " + status + ")"}}}
	case r.trace.fatal != "":
		return Outcome{Err: &workerproto.Error{Name: NameFatal, Value: r.trace.fatal,
			Traceback: []string{"fatal error: " + r.trace.fatal + " (the trace is above; " + status + ")"}}}
	case status != "":
		return Outcome{Err: &workerproto.Error{Name: NameExit, Value: status,
			Traceback: []string{NameExit + ": the program ended with " + status}}}
	case r.wait != nil:
		return Outcome{Err: &workerproto.Error{Name: NameExit, Value: r.wait.Error(), Traceback: []string{r.wait.Error()}}}
	}
	if r.result != nil {
		return Outcome{Result: r.result.Data, ResultMetadata: r.result.Metadata}
	}
	return Outcome{}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
