package eval

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gokernel/gokernel/workerproto"
	yaegi "github.com/traefik/yaegi/interp"
)

// An interrupt stops interpreted code at its next step, but yaegi's EvalWithContext returns at
// once, while its goroutine takes that step, or sits in native code the cell called. The next
// cell's evaluation then ran beside it, in the same interpreter: both touch its global frame
// and scopes, which nothing guards (a data race, and a wrong value at worst). So the session
// evaluates each statement chunk on a goroutine of its own, whose end it can wait for, and
// stops it the way EvalWithContext does (stopper). After an interrupt, Execute returns once
// that goroutine has left the interpreter, or is found waiting in native code (a
// sync.WaitGroup.Wait that nothing will release): it then takes no step until that call
// returns, and the next cell checks it again (see settleEarlier). Native code that goes on
// running (math/big's MulRange) holds the cell for settleGrace; the kernel replaces such a
// worker (package supervisor), and a session on its own refuses the next cell while it runs.

// settleGrace bounds how long Execute waits, after an interrupt, for the evaluation to leave
// the interpreter; and how long the next cell waits for an earlier one still running.
const settleGrace = time.Second

// settleFirst is the first look at an evaluation after its stop: nearly every one has ended by
// then. The looks after it come at doubling intervals.
const settleFirst = 5 * time.Millisecond

// maxStackLook is the number of goroutines above which the session does not dump every
// goroutine's stack (which stops the program: two seconds for 200,000) until the grace ran out.
const maxStackLook = 20000

// stopper reaches the fields of yaegi's Interpreter that EvalWithContext uses to stop an
// evaluation, which yaegi does not export: the run id (bumped, every interpreted goroutine stops
// at its next step) and the channel that interpreted channel operations also wait on.
type stopper struct {
	id         *uint64
	mu         *sync.RWMutex
	done       *chan struct{}
	cancelChan *bool
	fastChan   bool
}

// newStopper finds the fields, checking their types, so that a yaegi whose Interpreter changed
// fails here, at New, and not at an interrupt.
func newStopper(yi *yaegi.Interpreter) (*stopper, error) {
	v := reflect.ValueOf(yi).Elem()
	field := func(name string, t reflect.Type) (unsafe.Pointer, error) {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Type() != t {
			return nil, fmt.Errorf("eval: yaegi's Interpreter has no field %s of type %v: the session can't stop evaluations", name, t)
		}
		return unsafe.Pointer(f.UnsafeAddr()), nil
	}
	id, err := field("id", reflect.TypeFor[uint64]())
	if err != nil {
		return nil, err
	}
	mu, err := field("mutex", reflect.TypeFor[sync.RWMutex]())
	if err != nil {
		return nil, err
	}
	done, err := field("done", reflect.TypeFor[chan struct{}]())
	if err != nil {
		return nil, err
	}
	cancelChan, err := field("cancelChan", reflect.TypeFor[bool]())
	if err != nil {
		return nil, err
	}
	fastChan, err := field("fastChan", reflect.TypeFor[bool]())
	if err != nil {
		return nil, err
	}
	return &stopper{id: (*uint64)(id), mu: (*sync.RWMutex)(mu), done: (*chan struct{})(done),
		cancelChan: (*bool)(cancelChan), fastChan: *(*bool)(fastChan)}, nil
}

// arm readies the interpreter for a stoppable evaluation, as EvalWithContext does first.
func (st *stopper) arm() chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	*st.done = make(chan struct{})
	*st.cancelChan = !st.fastChan
	return *st.done
}

// stop stops every interpreted goroutine at its next step, as EvalWithContext does at a cancel.
// done is arm's channel: stop closes it once, and only while it is the interpreter's.
func (st *stopper) stop(done chan struct{}) {
	atomic.AddUint64(st.id, 1)
	st.mu.Lock()
	defer st.mu.Unlock()
	if *st.done == done {
		close(done)
	}
}

// evaluation is a statement chunk being evaluated, on a goroutine of the session.
type evaluation struct {
	cell string        // the cell's name, for messages
	done chan struct{} // closed when yaegi's Eval returned
	err  error         // Eval's error, set before done is closed
	g    atomic.Int64  // the goroutine, once it runs
	// parked: os.Exit parked the goroutine for good (exit.go); it left the cells' code, and
	// nothing waits for it.
	parked atomic.Bool
	stop   chan struct{} // arm's channel
	once   sync.Once
}

// evaluate starts evaluating src, chunk c's code.
func (s *Session) evaluate(c *chunkStart, cell, src string) *evaluation {
	ev := &evaluation{cell: cell, done: make(chan struct{}), stop: s.stopper.arm()}
	s.mu.Lock()
	c.ev = ev
	s.mu.Unlock()
	go func() { // ends when Eval returns: at the chunk's end, or at its next step after a stop
		defer close(ev.done)
		defer func() {
			// Eval lets yaegi's compiler panic ("nil type"); EvalWithContext recovers it so.
			if r := recover(); r != nil {
				var pc [64]uintptr
				n := runtime.Callers(1, pc[:])
				ev.err = yaegi.Panic{Value: r, Callers: pc[:n], Stack: debug.Stack()}
			}
		}()
		ev.g.Store(goroutineID())
		_, ev.err = s.yi.Eval(src)
	}()
	return ev
}

// halt stops the evaluation (and every interpreted goroutine) and waits until its goroutine has
// left the interpreter, or waits in native code; a goroutine still running when the grace ran
// out is kept, and the next cell waits for it (settleEarlier).
func (s *Session) halt(ev *evaluation) {
	ev.once.Do(func() { s.stopper.stop(ev.stop) })
	switch s.await(ev, settleGrace) {
	case evalWaiting, evalBusy:
		s.mu.Lock()
		s.left = append(s.left, ev)
		s.mu.Unlock()
	}
}

// What await found.
const (
	evalEnded   = iota // the goroutine left the interpreter
	evalWaiting        // it waits in native code
	evalBusy           // it still runs, after the grace
)

// await waits for a stopped evaluation to end, for at most grace, and says how it found it.
func (s *Session) await(ev *evaluation, grace time.Duration) int {
	deadline := time.Now().Add(grace)
	step := settleFirst
	for {
		t := time.NewTimer(min(step, max(time.Until(deadline), 0)))
		select {
		case <-ev.done:
			t.Stop()
			return evalEnded
		case <-t.C:
		}
		if ev.parked.Load() {
			return evalEnded
		}
		late := !time.Now().Before(deadline)
		if late || runtime.NumGoroutine() <= maxStackLook {
			// "" when gone (done is closed, or about to be) or not started yet.
			if st, _ := goroutineState(allStacks(), ev.g.Load()); st != "" && !busyState(st) {
				return evalWaiting
			}
		}
		if late {
			select {
			case <-ev.done:
				return evalEnded
			default:
				return evalBusy
			}
		}
		step *= 2
	}
}

// settleEarlier is called before a cell runs: it forgets the stopped evaluations that have ended,
// keeps those still waiting in native code, and waits for any that runs: one the grace ran out
// on, or one whose native call returned (it stops at its next step). If one still runs then, the
// cell must not run beside it: the error says so.
func (s *Session) settleEarlier() *workerproto.Error {
	s.mu.Lock()
	left := s.left
	s.left = nil
	s.mu.Unlock()
	left = slices.DeleteFunc(left, (*evaluation).ended)
	if len(left) == 0 {
		return nil
	}
	var stacks []byte // one look at every goroutine, for all of them
	if runtime.NumGoroutine() <= maxStackLook {
		stacks = allStacks()
	}
	var busy *evaluation
	for _, ev := range left {
		if stacks == nil {
			continue // too many goroutines to look: take them for waiting
		}
		// A goroutine not seen is gone, unless it has not started yet.
		g := ev.g.Load()
		if st, _ := goroutineState(stacks, g); g != 0 && (st == "" || !busyState(st)) {
			continue
		}
		if s.await(ev, settleGrace) == evalBusy {
			busy = ev
		}
	}
	left = slices.DeleteFunc(left, (*evaluation).ended)
	s.mu.Lock()
	s.left = append(left, s.left...)
	s.mu.Unlock()
	if busy == nil {
		return nil
	}
	_, where := goroutineState(allStacks(), busy.g.Load())
	msg := fmt.Sprintf("%s was interrupted, but code outside the interpreter that it called (%s) is still running, "+
		"and a cell can't run beside it: the interpreter's state is not safe for both; "+
		"run the cell again once it has ended, or restart the kernel", busy.cell, where)
	return &workerproto.Error{Name: NameRuntime, Value: msg, Traceback: []string{NameRuntime + ": " + msg}}
}

// ended tells whether the evaluation's goroutine has left the interpreter.
func (ev *evaluation) ended() bool {
	if ev.parked.Load() {
		return true
	}
	select {
	case <-ev.done:
		return true
	default:
		return false
	}
}

// busyState tells whether a goroutine in this state (as a stack dump shows it: "running",
// "chan receive", "sync.WaitGroup.Wait") runs or is about to: everything else waits.
func busyState(st string) bool {
	return strings.HasPrefix(st, "run") || st == "preempted" || strings.HasPrefix(st, "GC ")
}

// allStacks returns the stacks of every goroutine, as a panic shows them. It stops the program
// for a while: 70µs for 10 goroutines, 20ms for 1,000.
func allStacks() []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineState returns the state of goroutine g in stacks (allStacks), and the native function
// the interpreter called there; "" when there is no such goroutine.
func goroutineState(buf []byte, g int64) (state, native string) {
	if g == 0 {
		return "", ""
	}
	header := []byte("goroutine " + strconv.FormatInt(g, 10) + " [")
	i := bytes.Index(buf, header)
	for i > 0 && buf[i-1] != '\n' {
		j := bytes.Index(buf[i+1:], header)
		if j < 0 {
			return "", ""
		}
		i += 1 + j
	}
	if i < 0 {
		return "", ""
	}
	entry := buf[i+len(header):]
	if end := bytes.Index(entry, []byte("\n\n")); end >= 0 {
		entry = entry[:end]
	}
	st, _, _ := bytes.Cut(entry, []byte("]"))
	st, _, _ = bytes.Cut(st, []byte(","))
	// The function the interpreter called is the one below reflect's call.
	lines := strings.Split(string(entry), "\n")
	prev := ""
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "\t") {
			continue
		}
		if strings.HasPrefix(l, "reflect.Value.call(") {
			native = prev
			break
		}
		prev = l
	}
	if native == "" && len(lines) > 1 {
		native = lines[1]
	}
	if k := strings.LastIndexByte(native, '('); k > 0 {
		native = native[:k]
	}
	return string(st), native
}
