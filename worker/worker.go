// Package worker is the interpreter process: it reads requests from the
// kernel, runs cells in an [eval.Session], and writes events back.
//
// The kernel starts it as `gokernel worker` with the file descriptors that
// package workerproto names (FDRequests and the others).
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/workerproto"
)

// Config is the worker's pipes.
type Config struct {
	Requests io.Reader // from the kernel
	Events   io.Writer // to the kernel
	Stdout   io.Writer // the cells' output
	Stderr   io.Writer
	Crash    io.Writer // where Go's crash report goes; the session explains a coming crash there

	// MemoryLimit is the kernel's limit on the worker's resident memory, if
	// it has one (memory.go).
	MemoryLimit int64

	// outputs, set by FromFiles, are the ends of the output pipes that sync
	// markers go through (fds.go); without, markers go to Stdout and Stderr.
	outputs *outputs
}

// Run serves requests until the kernel closes the request pipe (or ctx
// ends). A cell that is still running then is interrupted.
func Run(ctx context.Context, cfg Config) error {
	// The pipes may be *os.Files made by FromFiles: keep them from their
	// finalizers while the worker serves.
	defer runtime.KeepAlive(cfg)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &runner{events: workerproto.NewWriter(cfg.Events), cells: make(chan *workerproto.Message, 16), quit: cancel, reported: -1,
		stdout: cfg.Stdout, stderr: cfg.Stderr, outputs: cfg.outputs, token: workerproto.Token(), done: ctx.Done()}
	w.in = newInput(w.emit)
	var err error
	w.sess, err = eval.New(eval.Config{Stdin: w.in, Stdout: cfg.Stdout, Stderr: cfg.Stderr, Crash: cfg.Crash, Display: sink{w},
		// os.Exit with a nonzero status ends this process, as in a Go
		// program; the kernel reports the status and starts a fresh
		// worker. os.Exit(0) ends only the cell (see eval.Config.Exit).
		Exit: os.Exit,
		// Before the interpreter reads a package of a module: should it crash the process
		// there, the kernel finds this line above Go's report and names the package.
		Interpreting: func(importPath, module string) {
			fmt.Fprintf(os.Stderr, "%s%s (%s)\n", workerproto.InterpretingMarker, importPath, module)
		}})
	if err != nil {
		return err
	}
	sess := w.sess
	defer sess.Close() // the session's module folder (the module cache stays)
	// The process's standard logger writes where the cells' log.Println does (log.Default,
	// slog's default logger and net/http's error log go through it), not to fd 2, which is
	// for Go's own crash reports.
	defer log.SetOutput(log.Writer())
	log.SetOutput(sess.LogWriter(cfg.Stderr))
	defer w.watchSignals()()
	setMemoryLimit(cfg.MemoryLimit)
	if cfg.MemoryLimit > 0 {
		w.reportCollections() // stops when Run returns (w.done)
	}
	if err := w.events.Write(&workerproto.Message{Kind: workerproto.KindReady, PID: os.Getpid(), Token: w.token}); err != nil {
		return err
	}

	readErr := make(chan error, 1)
	go func() { readErr <- w.read(ctx, workerproto.NewReader(cfg.Requests)) }() // ends at EOF on requests

	for {
		select {
		case m := <-w.cells:
			w.execute(ctx, sess, m)
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// runner is the state shared by the request reader and the cell runner.
type runner struct {
	events *workerproto.Writer
	in     *input
	cells  chan *workerproto.Message
	quit   context.CancelFunc // ends Run: the kernel is gone

	done <-chan struct{} // closed when Run returns

	mu       sync.Mutex
	running  uint64             // id of the cell running, 0 if none
	stop     context.CancelFunc // interrupts it
	deadlock bool               // every goroutine was waiting when it was interrupted
	last     uint64             // id of the cell started last
	early    uint64             // id of a cell interrupted before it started

	collecting uint64   // the cell whose undeliverable events are collected in lost
	lost       []string // what it could not show (undeliverable.go)

	queued atomic.Int64 // cells read and not yet done: values are read only at 0 (value.go)

	reported int           // the session generation whose symbols the kernel has
	sess     *eval.Session // set before the request reader starts

	syncMu         sync.Mutex // orders markers and events
	syncs          uint64     // markers written
	token          string     // in every marker, so that output can't pass for one
	stdout, stderr io.Writer
	outputs        *outputs // nil: markers go to stdout and stderr
}

// read dispatches requests: cells to the runner, interrupts and input
// replies at once, even while a cell runs.
func (w *runner) read(ctx context.Context, r *workerproto.Reader) error {
	for {
		m, err := r.Read()
		if err != nil {
			w.interrupt(0)
			return err
		}
		switch m.Kind {
		case workerproto.KindExecute:
			w.queued.Add(1)
			select {
			case w.cells <- m:
			case <-ctx.Done():
				return ctx.Err()
			}
		case workerproto.KindInterrupt:
			w.interrupt(m.ID)
		case workerproto.KindSqueeze:
			go w.squeeze() // ends after one collection
		case workerproto.KindInputReply:
			w.in.reply(m)
		case workerproto.KindValue:
			w.send(&workerproto.Message{Kind: workerproto.KindValue, ID: m.ID, Value: w.value(m.Name)})
		}
	}
}

// current is the id of the running cell, or 0 between cells.
func (w *runner) current() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// interrupt stops cell id (any cell if id is 0), noting first whether the
// cell was deadlocked, for the learner, and telling the kernel how many
// goroutines have to stop. A cell that hasn't started yet is stopped when it
// does, before it runs.
func (w *runner) interrupt(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.stop != nil && (id == 0 || id == w.running):
		w.deadlock = deadlocked()
		n := w.sess.Goroutines()
		w.events.Write(&workerproto.Message{Kind: workerproto.KindStopping, ID: w.running, Goroutines: n})
		w.stop()
		if n > 0 {
			go w.windDown(w.running, n) // ends when they have, or stall
		}
	case id > w.last:
		w.early = id
	}
}

// start registers cell m as running, and tells the kernel, unless it was
// interrupted before it started: then it reports false.
func (w *runner) start(m *workerproto.Message, stop context.CancelFunc) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = m.ID
	if w.early == m.ID {
		return false
	}
	w.running, w.stop, w.deadlock = m.ID, stop, false
	// Under the lock: a stopping event for this cell comes after it.
	w.events.Write(&workerproto.Message{Kind: workerproto.KindStarted, ID: m.ID})
	return true
}

func (w *runner) execute(ctx context.Context, sess *eval.Session, m *workerproto.Message) {
	cctx, cancel := context.WithCancel(ctx)
	if !w.start(m, cancel) {
		cancel()
		w.send(&workerproto.Message{Kind: workerproto.KindDone, ID: m.ID, Error: &workerproto.Error{Name: eval.NameInterrupted,
			Value:     "the cell was interrupted before it started: nothing of it ran, and the names of earlier cells are kept",
			Traceback: []string{"Interrupted: the cell was interrupted before it started: nothing of it ran"}}})
		return
	}
	w.in.begin(cctx, m.ID, m.AllowStdin)
	w.collectLost(m.ID)

	cell := eval.Cell{Name: m.Cell, Code: m.Code}
	out, magic := w.runCompiled(cctx, sess, cell)
	if !magic {
		out, magic = runMagic(cctx, sess, cell, w.stdout)
	}
	if !magic {
		out = sess.Execute(cctx, cell)
	}

	// Cancel first: a goroutine of this cell may be waiting for input.
	cancel()
	w.in.end()
	w.repairOutputs()
	w.mu.Lock()
	w.running, w.stop = 0, nil
	deadlock := w.deadlock
	w.mu.Unlock()
	if deadlock && out.Err != nil && out.Err.Name == eval.NameInterrupted {
		out.Err.Value += ": every goroutine was waiting (on a channel, a select or a lock) with nothing left to wake it, a deadlock"
		out.Err.Traceback = append(out.Err.Traceback,
			"Hint: every goroutine was waiting, so none could ever have woken the others: a deadlock.",
			"A Go program would stop with \"fatal error: all goroutines are asleep - deadlock!\"")
	}

	if out.Result != nil {
		w.send(&workerproto.Message{Kind: workerproto.KindResult, ID: m.ID, Data: out.Result, Metadata: out.ResultMetadata})
	}
	done := &workerproto.Message{Kind: workerproto.KindDone, ID: m.ID, Goroutines: goingOn(sess)}
	if gen := sess.Generation(); gen != w.reported {
		w.reported = gen
		syms, imports := sess.Symbols()
		done.Defined = &workerproto.Defined{Symbols: syms, Imports: imports}
	}
	done.Error = w.withLost(out.Err)
	w.queued.Add(-1) // before done: the kernel may ask for a value as soon as it has it
	w.send(done)
}

// send writes an event; a failure of the pipe means the kernel is gone, and ends Run. An
// event that can't be encoded is not written: see undeliverable.
func (w *runner) send(m *workerproto.Message) {
	err := w.emit(m)
	if errors.Is(err, workerproto.ErrEncode) || errors.Is(err, workerproto.ErrTooLarge) {
		err = w.undeliverable(m, err)
	}
	if err != nil {
		w.quit() // nobody is left to tell
	}
}

// emit writes an event after a sync marker on both output pipes, so the
// kernel shows the output printed before the event first.
func (w *runner) emit(m *workerproto.Message) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.syncs++
	m.Sync = w.syncs
	m.NoSync = w.markers(workerproto.SyncMarker(w.token, m.Sync))
	return w.events.Write(m)
}

// endGrace is how long a cell's end waits for goroutines on their way out (endStep apart).
const (
	endGrace = 5 * time.Millisecond
	endStep  = 250 * time.Microsecond
)

// goingOn returns the number of the cells' goroutines that go on after a cell ended. A
// goroutine that has done its work (sent its last value, called wg.Done) may still be on its
// way out when the cell's last statement returns: it gets a moment, so that the note under
// the cell ("(1 goroutine still running ...)") counts only goroutines that really go on. A
// cell that leaves goroutines running pays that moment, endGrace at most.
func goingOn(sess *eval.Session) int {
	n := sess.Goroutines()
	for waited := time.Duration(0); n > 0 && waited < endGrace; waited += endStep {
		time.Sleep(endStep)
		n = sess.Goroutines()
	}
	return n
}
