// Package worker is the interpreter process: it reads requests from the
// kernel, runs cells in an [eval.Session], and writes events back.
//
// The kernel starts it as `gokernel worker` with the file descriptors that
// package workerproto names (FDRequests and the others).
package worker

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"

	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/workerproto"
)

// Config is the worker's pipes.
type Config struct {
	Requests io.Reader // from the kernel
	Events   io.Writer // to the kernel
	Stdout   io.Writer // the cells' output
	Stderr   io.Writer
}

// FromFiles is the Config of a process started by the kernel.
func FromFiles() Config {
	// Requests are read through the runtime's poller, not with a blocking
	// read(2): a read that blocks keeps its thread, and the cell it brings
	// then waits for another thread to wake and take it, a second wake-up
	// per cell.
	_ = syscall.SetNonblock(workerproto.FDRequests, true)
	return Config{
		Requests: os.NewFile(workerproto.FDRequests, "requests"),
		Events:   os.NewFile(workerproto.FDEvents, "events"),
		Stdout:   os.Stdout, // workerproto.FDStdout
		Stderr:   os.NewFile(workerproto.FDCellStderr, "cell-stderr"),
	}
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
		stdout: cfg.Stdout, stderr: cfg.Stderr}
	w.in = newInput(w.emit)
	var err error
	w.sess, err = eval.New(eval.Config{Stdin: w.in, Stdout: cfg.Stdout, Stderr: cfg.Stderr, Display: sink{w},
		// os.Exit in a cell ends this process, as in a Go program; the
		// kernel reports the status and starts a fresh worker.
		Exit: os.Exit})
	if err != nil {
		return err
	}
	sess := w.sess
	if err := w.events.Write(&workerproto.Message{Kind: workerproto.KindReady, PID: os.Getpid()}); err != nil {
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

	mu       sync.Mutex
	running  uint64             // id of the cell running, 0 if none
	stop     context.CancelFunc // interrupts it
	deadlock bool               // every goroutine was waiting when it was interrupted

	reported int           // the session generation whose symbols the kernel has
	sess     *eval.Session // set before the request reader starts

	syncMu         sync.Mutex // orders markers and events
	syncs          uint64     // markers written
	stdout, stderr io.Writer
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
			select {
			case w.cells <- m:
			case <-ctx.Done():
				return ctx.Err()
			}
		case workerproto.KindInterrupt:
			w.interrupt(m.ID)
		case workerproto.KindInputReply:
			w.in.reply(m)
		case workerproto.KindValue:
			// Read between cells, while the kernel waits for the answer.
			v, _ := w.sess.Preview(m.Name)
			w.send(&workerproto.Message{Kind: workerproto.KindValue, ID: m.ID, Value: v})
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
// cell was deadlocked, for the learner.
func (w *runner) interrupt(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil && (id == 0 || id == w.running) {
		w.deadlock = deadlocked()
		w.stop()
	}
}

func (w *runner) execute(ctx context.Context, sess *eval.Session, m *workerproto.Message) {
	cctx, cancel := context.WithCancel(ctx)
	w.mu.Lock()
	w.running, w.stop, w.deadlock = m.ID, cancel, false
	w.mu.Unlock()
	w.in.begin(cctx, m.ID, m.AllowStdin)

	cell := eval.Cell{Name: m.Cell, Code: m.Code}
	out, magic := runMagic(cctx, sess, cell, w.stdout)
	if !magic {
		out = sess.Execute(cctx, cell)
	}

	// Cancel first: a goroutine of this cell may be waiting for input.
	cancel()
	w.in.end()
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
	done := &workerproto.Message{Kind: workerproto.KindDone, ID: m.ID, Goroutines: sess.Goroutines()}
	if gen := sess.Generation(); gen != w.reported {
		w.reported = gen
		syms, imports := sess.Symbols()
		done.Defined = &workerproto.Defined{Symbols: syms, Imports: imports}
	}
	done.Error = out.Err
	w.send(done)
}

// send writes an event; a failure means the kernel is gone, and ends Run.
func (w *runner) send(m *workerproto.Message) {
	if err := w.emit(m); err != nil {
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
	marker := workerproto.SyncMarker(m.Sync)
	w.stdout.Write(marker)
	w.stderr.Write(marker)
	return w.events.Write(m)
}
