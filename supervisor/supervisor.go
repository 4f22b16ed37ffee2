// Package supervisor hosts the worker process, as the kernel sees it: it
// starts `gokernel worker` with its pipes (the file descriptors are in
// package workerproto), sends it cells, publishes what the cells print,
// interrupts a cell (interrupt, then a grace period, then kill), stops the
// worker at its memory limit, and turns the worker's death into the running
// cell's error, read from Go's crash report, starting a fresh worker at once.
//
// Goroutines, for each worker process, and who ends them:
//
//	Supervisor.watch   waits for the process to end; starts a new one if it
//	                   died between cells; Close waits for it
//	waiter             reaps the process, kills its group, waits for the
//	  │                readers below, then closes the process's done
//	  ├─ stdout pump   the cells' stdout → stream messages; ends at EOF
//	  ├─ stderr pump   the cells' stderr → stream messages; ends at EOF
//	  ├─ crash copy    the process's own stderr → the crash report; ends at EOF
//	  └─ event reader  events → the running cell or a value request; ends at EOF
//	memory watch       polls the process's memory, kills it past the limit;
//	                   ends when done is closed
//
// EOF comes when the process, and every child of it that inherited a pipe,
// has exited; the waiter kills the process group to make sure it does.
// [Supervisor.Close] kills the worker and returns when its watch has seen
// done closed.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// interruptGrace is how long a cell may take to stop after an interrupt
// before the supervisor replaces the worker.
const interruptGrace = 2 * time.Second

// syncTimeout bounds the wait for a cell's output after its done event (the
// cell may have closed its own stdout).
const syncTimeout = 2 * time.Second

// Supervisor owns the interpreter worker process: it starts it, sends it
// cells, interrupts them, and replaces the worker when it dies or won't stop.
// A worker's death in a cell becomes that cell's error.
type Supervisor struct {
	cmd  WorkerCommand
	log  *slog.Logger
	out  func(name, text string)      // publishes the user's output
	show func(m *workerproto.Message) // publishes displays made between cells

	mu      sync.Mutex
	cur     *process
	run     *execution                           // the cell running now, or nil
	values  map[uint64]chan *workerproto.Message // value requests waiting for the worker
	nextID  uint64
	closed  bool
	watches sync.WaitGroup // one watch goroutine per worker
}

// execution is one cell in flight.
type execution struct {
	id        uint64
	code      string // the cell, to point at its lines when the worker dies
	w         *process
	events    chan *workerproto.Message // the worker's events for this cell
	grace     chan struct{}             // closed when the interrupt grace ran out
	stopInput context.CancelFunc
	timer     *time.Timer
}

// ExecRequest is a cell for the worker.
type ExecRequest struct {
	Cell       string // name in positions, e.g. "cell[3]"
	Code       string
	AllowStdin bool
}

// ExecHandler receives what a running cell produces besides its output.
type ExecHandler interface {
	// Result is the value of the cell's final expression.
	Result(data, metadata map[string]any)
	// Display shows data now, or updates the display displayID.
	Display(data, metadata map[string]any, displayID string, update bool)
	// Clear clears the cell's output (when the next output arrives, if wait).
	Clear(wait bool)
	// Defined tells what the cells have defined so far, after each cell.
	Defined(symbols []workerproto.Symbol, imports map[string]string)
	// Input asks the user for a line of input; ctx ends if the cell is
	// interrupted.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// New returns a Supervisor; Start starts its first worker. out
// publishes output; show publishes displays that goroutines make between
// cells.
func New(cmd WorkerCommand, log *slog.Logger, out func(name, text string), show func(*workerproto.Message)) *Supervisor {
	return &Supervisor{cmd: cmd, log: log, out: out, show: show}
}

// route hands a worker's event to the cell it belongs to. Displays from
// goroutines of finished cells are shown anyway; other late events are
// dropped.
func (s *Supervisor) route(w *process, m *workerproto.Message) {
	s.mu.Lock()
	x := s.run
	waiter := s.values[m.ID]
	s.mu.Unlock()
	if m.Kind == workerproto.KindValue {
		if waiter != nil {
			waiter <- m // buffered
		}
		return
	}
	if x != nil && x.w == w && m.ID == x.id {
		x.events <- m // Execute reads until the cell is done
		return
	}
	switch m.Kind {
	case workerproto.KindDisplay, workerproto.KindClear:
		s.show(m)
	}
}

// Start starts a worker in the background if none is running.
func (s *Supervisor) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.processLocked()
	return err
}

// processLocked returns the live worker, starting one if needed.
func (s *Supervisor) processLocked() (*process, error) {
	if s.closed {
		return nil, errors.New("kernel is shutting down")
	}
	if s.cur != nil {
		return s.cur, nil
	}
	w, err := startProcess(s.cmd, s.log, s.out, s.route)
	if err != nil {
		return nil, err
	}
	s.cur = w
	s.watches.Add(1)
	go s.watch(w) // ends when the worker has exited
	return w, nil
}

// watch waits for a worker to end. A death while no cell runs (a goroutine
// left by an earlier cell crashed it) is announced on stderr, and a fresh
// worker is started at once.
func (s *Supervisor) watch(w *process) {
	defer s.watches.Done()
	<-w.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != w {
		return // replaced on purpose
	}
	s.cur = nil
	if s.closed || (s.run != nil && s.run.w == w) {
		return // the running cell reports it and restarts
	}
	s.out("stderr", betweenCells(w.death()))
	if _, err := s.processLocked(); err != nil {
		s.log.Error("restart worker", "err", err)
	}
}

// betweenCells announces the death e of a worker while no cell ran, with
// what its crash report told (the cells' lines of a panic of a goroutine
// an earlier cell left running), and that the names are gone.
func betweenCells(e *workerproto.Error) string {
	var b strings.Builder
	b.WriteString("\nThe interpreter stopped between cells: " + e.Name + ": " + e.Value + "\n")
	for _, l := range e.Traceback[1:] { // its last line is stateLost
		b.WriteString(l + "\n")
	}
	return b.String()
}

// Execute runs one cell and returns its error, or nil. Output goes to the
// supervisor's out function; Execute returns after all of the cell's output
// was handed to it.
func (s *Supervisor) Execute(ctx context.Context, req ExecRequest, h ExecHandler) *workerproto.Error {
	s.mu.Lock()
	w, err := s.processLocked()
	if err != nil {
		s.mu.Unlock()
		return &workerproto.Error{Name: "KernelError", Value: err.Error(), Traceback: []string{err.Error()}}
	}
	s.nextID++
	x := &execution{id: s.nextID, code: req.Code, w: w, grace: make(chan struct{}), events: make(chan *workerproto.Message, 64)}
	s.run = x
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.run = nil
		if x.timer != nil {
			x.timer.Stop()
		}
		s.mu.Unlock()
	}()

	select {
	case <-w.ready:
	case <-ctx.Done():
		return interrupted("the kernel stopped before the cell ran")
	}
	err = w.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: x.id, Cell: req.Cell, Code: req.Code, AllowStdin: req.AllowStdin})
	if err != nil {
		return s.died(x)
	}
	for {
		var m *workerproto.Message
		select {
		case m = <-x.events:
		case <-w.done:
			// Events sent before the worker died still count: a finished
			// cell's done beats the death that followed it.
			select {
			case m = <-x.events:
			default:
				return s.died(x)
			}
		case <-x.grace:
			w.kill(fmt.Sprintf("The cell did not stop within %v of the interrupt, so the interpreter was replaced.", interruptGrace))
			return s.died(x)
		}
		if m.Sync != 0 {
			s.awaitOutput(w, m.Sync) // what the cell printed before this event goes first
		}
		switch m.Kind {
		case workerproto.KindResult:
			h.Result(m.Data, m.Metadata)
		case workerproto.KindDisplay:
			h.Display(m.Data, m.Metadata, m.DisplayID, m.Update)
		case workerproto.KindClear:
			h.Clear(m.Wait)
		case workerproto.KindInputRequest:
			ictx, cancel := context.WithCancel(ctx)
			s.mu.Lock()
			x.stopInput = cancel
			s.mu.Unlock()
			value, err := h.Input(ictx, m.Prompt, m.Password)
			cancel()
			reply := &workerproto.Message{Kind: workerproto.KindInputReply, ID: x.id, Value: value}
			if err != nil {
				reply.Error = &workerproto.Error{Name: "InputError", Value: err.Error()}
			}
			if err := w.send(reply); err != nil {
				return s.died(x)
			}
		case workerproto.KindDone:
			if m.Defined != nil {
				h.Defined(m.Defined.Symbols, m.Defined.Imports)
			}
			if m.Goroutines > 0 && m.Error == nil {
				s.out("stderr", fmt.Sprintf("(%d goroutine%s still running; their output will appear as they print)\n", m.Goroutines, plural(m.Goroutines)))
			}
			return m.Error
		}
	}
}

// awaitOutput waits until the worker's stdout and stderr carried sync
// marker n: then all that was printed before it has been published.
func (s *Supervisor) awaitOutput(w *process, n uint64) {
	timeout := time.After(syncTimeout)
	if !w.stdout.waitSync(n, timeout) || !w.stderr.waitSync(n, timeout) {
		s.log.Warn("output did not carry its sync marker", "sync", n)
	}
}

// died turns the death of x's worker into x's error and starts a new worker.
func (s *Supervisor) died(x *execution) *workerproto.Error {
	x.w.kill("") // make sure it is gone; keeps an earlier reason
	e := x.w.death()
	if strings.Contains(e.Value, "concurrent map") {
		// Go's trace of this crash shows the interpreter's frames, not the cell's lines.
		if lines := mapWriteLines(x.code); len(lines) > 0 {
			hint := append([]string{"The map writes in this cell (goroutines running them at once crash Go):"}, lines...)
			hint = append(hint, "Guard them with a sync.Mutex, or give each goroutine its own map.")
			e.Traceback = append(e.Traceback[:len(e.Traceback)-1], append(hint, e.Traceback[len(e.Traceback)-1])...)
		}
	}
	s.mu.Lock()
	if s.cur == x.w {
		s.cur = nil
	}
	if _, err := s.processLocked(); err != nil {
		s.log.Error("restart worker", "err", err)
	}
	s.mu.Unlock()
	return e
}

// Interrupt stops the running cell, if any. If the cell doesn't stop within
// the grace period, its worker is replaced.
func (s *Supervisor) Interrupt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.run
	if x == nil {
		return
	}
	if x.stopInput != nil {
		x.stopInput()
	}
	if err := x.w.send(&workerproto.Message{Kind: workerproto.KindInterrupt, ID: x.id}); err != nil {
		s.log.Warn("interrupt", "err", err)
	}
	if x.timer == nil {
		x.timer = time.AfterFunc(interruptGrace, func() { close(x.grace) })
	}
}

// Restart replaces the worker with a fresh one. A running cell ends with an
// error saying so.
func (s *Supervisor) Restart() error {
	s.mu.Lock()
	old := s.cur
	s.cur = nil
	if old != nil {
		old.kill("The kernel was restarted.")
	}
	_, err := s.processLocked()
	s.mu.Unlock()
	if old != nil {
		<-old.done
	}
	return err
}

// Close stops the worker and waits until its goroutines have ended.
func (s *Supervisor) Close() {
	s.mu.Lock()
	s.closed = true
	w := s.cur
	s.mu.Unlock()
	if w != nil {
		w.kill("The kernel shut down.")
	}
	s.watches.Wait()
}

// valueTimeout bounds the wait for a variable's value.
const valueTimeout = time.Second

// Value asks the worker for a short rendering of a variable's value. It
// answers only between cells (a running cell may be changing it), and gives
// up after valueTimeout.
func (s *Supervisor) Value(name string) (string, bool) {
	s.mu.Lock()
	w := s.cur
	if s.run != nil || w == nil {
		s.mu.Unlock()
		return "", false
	}
	select {
	case <-w.ready:
	default:
		s.mu.Unlock()
		return "", false
	}
	s.nextID++
	id := s.nextID
	c := make(chan *workerproto.Message, 1)
	if s.values == nil {
		s.values = map[uint64]chan *workerproto.Message{}
	}
	s.values[id] = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.values, id)
		s.mu.Unlock()
	}()
	if err := w.send(&workerproto.Message{Kind: workerproto.KindValue, ID: id, Name: name}); err != nil {
		return "", false
	}
	select {
	case m := <-c:
		return m.Value, m.Value != ""
	case <-time.After(valueTimeout):
		return "", false
	case <-w.done:
		return "", false
	}
}

// PID is the current worker's process id, or 0.
func (s *Supervisor) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return 0
	}
	return s.cur.pid
}

func interrupted(why string) *workerproto.Error {
	return &workerproto.Error{Name: "Interrupted", Value: why, Traceback: []string{"Interrupted: " + why}}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
