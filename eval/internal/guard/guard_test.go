package guard

import (
	"strings"
	"sync"
	"testing"
)

// fake is a session that reports the panics of the goroutines it was told ran its code.
type fake struct {
	mu       sync.Mutex
	mine     map[int64]bool
	now      string // what Now returns: the cell running
	reported []string
}

func (f *fake) Now() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fake) Report(g int64, r any, what string, started any) (reported, stopped bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.mine[g] {
		return false, false
	}
	report := what + ": " + r.(string)
	if started != "" {
		report += " (started in " + started.(string) + ")"
	}
	f.reported = append(f.reported, report)
	return true, true
}

func (f *fake) claim() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mine[GoroutineID()] = true
}

func newFake() *fake {
	f := &fake{mine: map[int64]bool{}}
	Register(f)
	return f
}

// Call reports a panic to the session whose code panicked on the goroutine, and not to another,
// with what that session said at Start.
func TestCall(t *testing.T) {
	other, f := newFake(), newFake()
	f.now = "cell 1"
	o := Start()
	f.mu.Lock()
	f.now = "cell 2" // the panic comes once the next cell runs
	f.mu.Unlock()
	done := make(chan [2]bool)
	go func() {
		panicked, stopped := o.Call("a func that x.Go ran", func() {
			f.claim()
			panic("boom")
		})
		done <- [2]bool{panicked, stopped}
	}()
	if got := <-done; got != [2]bool{true, true} {
		t.Errorf("Call = %v, want panicked and stopped", got)
	}
	if got := strings.Join(f.reported, "|"); got != "a func that x.Go ran: boom (started in cell 1)" {
		t.Errorf("reported %q", got)
	}
	if len(other.reported) != 0 {
		t.Errorf("the other session got %q", other.reported)
	}
	if panicked, _ := Start().Call("x", func() {}); panicked {
		t.Error("Call of a func that returns says it panicked")
	}
}

// A panic of no session's code goes on, as it would without the guard.
func TestCallPassesOnOthersPanics(t *testing.T) {
	newFake()
	defer func() {
		if r := recover(); r != "native" {
			t.Errorf("recovered %v, want the panic to go on", r)
		}
	}()
	Start().Call("x", func() { panic("native") })
	t.Error("Call returned")
}

// Writer.Write on a goroutine where nothing below recovers reports the panic and returns an
// error; below a recoverer (here the guard's own Call) the panic goes on.
func TestWriter(t *testing.T) {
	f := newFake()
	w := Writer{WWrite: func([]byte) (int, error) {
		f.claim()
		panic("write boom")
	}}
	errc := make(chan error)
	go func() {
		_, err := w.Write(nil)
		errc <- err
	}()
	if err := <-errc; err == nil || err.Error() != "panic in the Write method: write boom" {
		t.Errorf("Write = %v", err)
	}
	want := "the Write method of a value of the cells, called on a goroutine that " +
		"github.com/gokernel/gokernel/eval/internal/guard.TestWriter started: write boom"
	if len(f.reported) != 1 || f.reported[0] != want {
		t.Errorf("reported %q, want %q", f.reported, want)
	}
	go func() {
		Start().Call("a func that x.Go ran", func() { _, _ = w.Write(nil) })
		errc <- nil
	}()
	<-errc
	if len(f.reported) != 2 || !strings.HasPrefix(f.reported[1], "a func that x.Go ran: ") {
		t.Errorf("reported %q, want the panic to reach Call", f.reported)
	}
}

func TestUnrecoveredOutsideTheInterpreter(t *testing.T) {
	if e, ok := Unrecovered(); ok {
		t.Errorf("Unrecovered = %+v with no frame of the interpreter on the stack", e)
	}
}
