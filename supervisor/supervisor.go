// Package supervisor hosts the worker process, as the kernel sees it: it
// starts `gokernel worker` with its pipes (the file descriptors are in
// package workerproto), sends it cells, publishes what the cells print,
// interrupts a cell (interrupt, then a grace period, then kill; a cell not
// started yet is stopped before it runs, and native work that goes on after
// the interrupt replaces the worker), stops the worker at its memory limit,
// ends the processes a worker leaves behind, and turns the worker's death
// into the running cell's error, read from Go's crash report, starting a
// fresh worker at once.
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
//	memory watch       polls the process's memory, kills it past the limit
//	                   (after asking the worker to give back what is free);
//	                   ends when done is closed
//
// EOF comes when the process, and every child of it that inherited a pipe,
// has exited; the waiter kills the process group, and every process the
// worker left elsewhere (orphans.go), to make sure it does.
// [Supervisor.Close] kills the worker and returns when its watch has seen
// done closed.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// interruptGrace is how long a cell may take to stop after an interrupt
// (counted from when the cell started, if the interrupt came first) before
// the supervisor replaces the worker.
const interruptGrace = 2 * time.Second

// windDownPerGoroutine lengthens the grace for each goroutine the worker
// has to stop: an interrupt wakes every sleeping goroutine of the cells so
// that it ends, and 200,000 of them take about half a second to run down on
// an idle machine, seconds on a loaded one. While the worker reports that
// fewer are left (stopping events), the grace runs at least windDownGrace
// past the last report.
const (
	windDownPerGoroutine = 25 * time.Microsecond
	windDownGrace        = time.Second
)

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

	mu       sync.Mutex
	cur      *process
	run      *execution                           // the cell running now, or nil
	values   map[uint64]chan *workerproto.Message // value requests waiting for the worker
	nextID   uint64
	expected int  // cells the kernel received that have not come to Execute or Claim yet
	pending  bool // an interrupt came while no cell ran but one was expected: it stops that one
	closed   bool
	watches  sync.WaitGroup // one watch goroutine per worker
}

// execution is one cell in flight. An interrupt (see [Supervisor.Interrupt])
// acts by phase:
//
//	queued   the worker isn't ready yet; nothing was sent. The cell ends
//	         as interrupted when the worker is ready, without running.
//	sent     the worker has the cell and hasn't started it: it is told, and
//	         ends the cell without running it when it gets to it.
//	running  the worker said it started the cell: it is told to stop it,
//	         and the grace period starts.
//
// An interrupt in the first two phases is remembered, so the grace period of
// a cell starts no earlier than the cell does.
type execution struct {
	id     uint64
	code   string // the cell, to point at its lines when the worker dies
	w      *process
	events chan *workerproto.Message // the worker's events for this cell

	// Guarded by the Supervisor's mu.
	phase       phase
	interrupted bool          // an interrupt asked this cell to stop
	deadline    time.Time     // when the grace runs out, once the cell runs and was interrupted
	allowed     time.Duration // the grace from start to deadline
	left        int           // goroutines the worker said it has to stop, in its last stopping event
	timer       *time.Timer
	grace       chan struct{} // closed by timer at deadline
	stopInput   context.CancelFunc
}

// phase is how far an execution has come.
type phase int

const (
	queued  phase = iota // waiting for the worker to be ready
	sent                 // the worker has the cell, not started
	running              // the worker started the cell
)

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

// Expect tells the supervisor that the kernel received a cell, which will
// come to [Supervisor.Execute] (or to [Supervisor.Claim], for a cell the
// kernel runs itself). An interrupt that arrives between the two stops that
// cell: it was about to run.
func (s *Supervisor) Expect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected++
}

// Claim is Execute for a cell the kernel runs itself (a magic such as
// %reset): it reports whether the cell was interrupted before it began, and
// should then not run.
func (s *Supervisor) Claim() (interrupted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arriveLocked()
}

// arriveLocked counts an expected cell as arrived and returns whether an
// interrupt is waiting for it.
func (s *Supervisor) arriveLocked() bool {
	if s.expected > 0 {
		s.expected--
	}
	p := s.pending
	s.pending = false
	return p
}

// Execute runs one cell and returns its error, or nil. Output goes to the
// supervisor's out function; Execute returns after all of the cell's output
// was handed to it.
func (s *Supervisor) Execute(ctx context.Context, req ExecRequest, h ExecHandler) *workerproto.Error {
	s.mu.Lock()
	early := s.arriveLocked()
	w, err := s.processLocked()
	if err != nil {
		s.mu.Unlock()
		return &workerproto.Error{Name: "KernelError", Value: err.Error(), Traceback: []string{err.Error()}}
	}
	s.nextID++
	x := &execution{id: s.nextID, code: req.Code, w: w, interrupted: early,
		grace: make(chan struct{}), events: make(chan *workerproto.Message, 64)}
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
	s.mu.Lock()
	if x.interrupted {
		s.mu.Unlock()
		return interruptedBeforeStart()
	}
	defer w.cellRuns()()
	// Sent under the lock, so that an interrupt for this cell follows it on the pipe.
	x.phase = sent
	err = w.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: x.id, Cell: req.Cell, Code: req.Code, AllowStdin: req.AllowStdin})
	s.mu.Unlock()
	if err != nil {
		return s.died(x)
	}
	for {
		var m *workerproto.Message
		select {
		case m = <-x.events: // what the worker said goes before a death or the grace
		default:
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
				w.kill(fmt.Sprintf("The cell did not stop within %v of the interrupt, so the interpreter was replaced.", s.graceOf(x)))
				return s.died(x)
			}
		}
		if m.Sync != 0 {
			s.awaitOutput(w, m) // what the cell printed before this event goes first
		}
		switch m.Kind {
		case workerproto.KindStarted:
			s.started(x)
		case workerproto.KindStopping:
			s.windDown(x, m.Goroutines)
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
			stopped := x.interrupted
			s.mu.Unlock()
			if stopped {
				cancel()
			}
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
			if !s.settle(x) {
				select {
				case <-w.done: // it died meanwhile: that is the cell's error
				default:
					w.killWithStacks(s.stillBusy(x))
				}
				return s.died(x)
			}
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

// started notes that the worker began x: an interrupt that came earlier
// starts its grace now.
func (s *Supervisor) started(x *execution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x.phase = running
	if x.interrupted {
		x.armLocked(time.Now(), interruptGrace)
	}
}

// windDown lengthens x's grace by the goroutines the worker has to stop,
// and, while fewer are left at each report, to windDownGrace past it.
func (s *Supervisor) windDown(x *execution, goroutines int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := x.left == 0
	progress := !first && goroutines < x.left
	x.left = goroutines
	if x.timer == nil || (!first && !progress) || !x.timer.Stop() {
		return // no grace running, no news, or it ran out already
	}
	deadline := x.deadline
	if first {
		deadline = deadline.Add(time.Duration(goroutines) * windDownPerGoroutine)
	}
	if progress {
		deadline = later(deadline, time.Now().Add(windDownGrace))
	}
	x.allowed += deadline.Sub(x.deadline)
	x.deadline = deadline
	x.timer.Reset(time.Until(x.deadline))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// armLocked starts x's grace period at from, unless it runs already.
func (x *execution) armLocked(from time.Time, grace time.Duration) {
	if x.timer != nil {
		return
	}
	x.deadline, x.allowed = from.Add(grace), grace
	x.timer = time.AfterFunc(time.Until(x.deadline), func() { close(x.grace) })
}

// graceOf is the grace x had, rounded for people.
func (s *Supervisor) graceOf(x *execution) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(x.allowed, interruptGrace).Round(100 * time.Millisecond)
}

// awaitOutput waits until the worker's stdout and stderr carried the sync
// marker of m (but not on a stream the worker could not write it to): then
// all that was printed before it has been published.
func (s *Supervisor) awaitOutput(w *process, m *workerproto.Message) {
	if len(m.NoSync) > 0 && w.noteLost(m.NoSync) {
		// The worker can't say so itself: what it writes there is lost.
		s.out("stderr", fmt.Sprintf("Note: a cell closed the interpreter's %s (every descriptor of that pipe): "+
			"what cells write there is lost from now on. %%reset starts a fresh interpreter.\n", strings.Join(m.NoSync, " and ")))
	}
	timeout := time.After(syncTimeout)
	for _, st := range []*stream{w.stdout, w.stderr} {
		if slices.Contains(m.NoSync, st.name) {
			continue
		}
		if !st.waitSync(m.Sync, timeout) {
			s.log.Warn("output did not carry its sync marker", "sync", m.Sync, "stream", st.name)
		}
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

// Interrupt stops the running cell, or the cell about to run: one that has
// come to Execute and not started in the worker yet, or one the kernel said
// to expect. If the cell doesn't stop within the grace period after it
// started, its worker is replaced. With no cell running or expected, there
// is nothing to stop, and Interrupt reports false.
func (s *Supervisor) Interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.run
	if x == nil {
		s.pending = s.expected > 0
		return s.pending
	}
	x.interrupted = true
	if x.stopInput != nil {
		x.stopInput()
	}
	if x.phase == queued {
		return true // Execute sees it before it sends the cell
	}
	if err := x.w.send(&workerproto.Message{Kind: workerproto.KindInterrupt, ID: x.id}); err != nil {
		s.log.Warn("interrupt", "err", err)
	}
	if x.phase == running {
		x.armLocked(time.Now(), interruptGrace)
	}
	return true
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

// interruptedBeforeStart is the error of a cell stopped before it ran.
func interruptedBeforeStart() *workerproto.Error {
	return interrupted("the cell was interrupted before it started: nothing of it ran, and the names of earlier cells are kept")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
