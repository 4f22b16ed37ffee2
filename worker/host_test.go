package worker

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// buffer is a Writer safe for the worker's goroutines.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *buffer) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// session is a worker running in the test's process, on pipes.
type session struct {
	t      *testing.T
	req    *workerproto.Writer
	ev     *workerproto.Reader
	stdout *buffer
	token  string
}

func startWorker(t *testing.T) *session {
	t.Helper()
	reqR, reqW := io.Pipe()
	evR, evW := io.Pipe()
	s := &session{t: t, req: workerproto.NewWriter(reqW), ev: workerproto.NewReader(evR), stdout: new(buffer)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Requests: reqR, Events: evW, Stdout: s.stdout, Stderr: new(buffer)}) }() // ends at EOF on requests
	t.Cleanup(func() {
		reqW.Close()
		cancel()
		go io.Copy(io.Discard, evR) // a last event may be on its way; ends when the worker closes
		<-done
		evW.Close()
	})
	ready := s.next()
	if ready.Kind != workerproto.KindReady || len(ready.Token) != workerproto.TokenLen {
		t.Fatalf("first event %+v, want ready with a token", ready)
	}
	s.token = ready.Token
	return s
}

func (s *session) send(m *workerproto.Message) {
	s.t.Helper()
	if err := s.req.Write(m); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) next() *workerproto.Message {
	s.t.Helper()
	c := make(chan *workerproto.Message, 1)
	go func() { m, _ := s.ev.Read(); c <- m }() // ends with the next event, or at the cleanup's EOF
	select {
	case m := <-c:
		if m == nil {
			s.t.Fatal("the worker closed its events")
		}
		return m
	case <-time.After(10 * time.Second):
		s.t.Fatal("no event from the worker")
		return nil
	}
}

// until reads events until one of kind, returning the kinds before it.
func (s *session) until(kind string) (*workerproto.Message, []string) {
	s.t.Helper()
	var before []string
	for {
		m := s.next()
		if m.Kind == kind {
			return m, before
		}
		before = append(before, m.Kind)
	}
}

func TestInterruptBeforeTheCellStartsStopsItUnrun(t *testing.T) {
	s := startWorker(t)
	// The interrupt overtakes its cell, as when it comes while the cell waits to start.
	s.send(&workerproto.Message{Kind: workerproto.KindInterrupt, ID: 1})
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 1, Cell: "cell[1]", Code: "x := 1\nfor {}"})
	done, before := s.until(workerproto.KindDone)
	if done.ID != 1 || done.Error == nil || !strings.Contains(done.Error.Value, "before it started") {
		t.Fatalf("done %+v, want cell 1 interrupted before it started", done)
	}
	if len(before) != 0 {
		t.Errorf("events before done: %v, want none (it never started)", before)
	}
	// Nothing of it ran.
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 2, Cell: "cell[2]", Code: "x"})
	done, _ = s.until(workerproto.KindDone)
	if done.Error == nil || !strings.Contains(done.Error.Value, "undefined: x") {
		t.Fatalf("next cell: %+v, want x undefined", done.Error)
	}
}

func TestInterruptOfARunningCell(t *testing.T) {
	s := startWorker(t)
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 1, Cell: "cell[1]", Code: "kept := 41"})
	s.until(workerproto.KindDone)
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 2, Cell: "cell[2]", Code: "for {}"})
	if m, before := s.until(workerproto.KindStarted); m.ID != 2 || len(before) != 0 {
		t.Fatalf("started %+v after %v", m, before)
	}
	s.send(&workerproto.Message{Kind: workerproto.KindInterrupt, ID: 2})
	if m, _ := s.until(workerproto.KindStopping); m.ID != 2 {
		t.Fatalf("stopping %+v, want for cell 2", m)
	}
	done, _ := s.until(workerproto.KindDone)
	if done.Error == nil || done.Error.Name != "Interrupted" || strings.Contains(done.Error.Value, "before it started") {
		t.Fatalf("done %+v, want an interrupt of the running cell", done.Error)
	}
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 3, Cell: "cell[3]", Code: "kept + 1"})
	if r, _ := s.until(workerproto.KindResult); r.Data["text/plain"] != "42" {
		t.Fatalf("result %v, want 42: the names are kept", r.Data)
	}
}

func TestMarkersCarryTheWorkersToken(t *testing.T) {
	s := startWorker(t)
	s.send(&workerproto.Message{Kind: workerproto.KindExecute, ID: 1, Cell: "cell[1]", Code: "import \"fmt\"\nfmt.Print(\"hi\")"})
	done, _ := s.until(workerproto.KindDone)
	want := "hi" + string(workerproto.SyncMarker(s.token, done.Sync))
	if got := s.stdout.String(); got != want {
		t.Fatalf("stdout %q, want %q", got, want)
	}
}

// pipeOutput is an output on a fresh pipe, and the pipe's read end.
func pipeOutput(t *testing.T) (*output, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	o, err := newOutput("stdout", int(w.Fd()))
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); o.cell.Close(); o.mark.Close() })
	return o, r
}

func TestOutputsAfterACellClosedThem(t *testing.T) {
	read := func(r *os.File, n int) string {
		b := make([]byte, n)
		io.ReadFull(r, b)
		return string(b)
	}
	t.Run("a dup closed by number", func(t *testing.T) {
		o, r := pipeOutput(t)
		fd, _ := descriptor(o.cell)
		syscall.Close(fd)
		notes := o.repair()
		if len(notes) != 1 || !strings.Contains(notes[0], "was lost") || !strings.Contains(notes[0], "open again") {
			t.Fatalf("notes %q", notes)
		}
		o.cell.WriteString("back")
		if got := read(r, 4); got != "back" {
			t.Fatalf("read %q after the repair", got)
		}
		if notes := o.repair(); len(notes) != 0 {
			t.Errorf("a second look found %q", notes)
		}
	})
	t.Run("closed as a file", func(t *testing.T) {
		o, r := pipeOutput(t)
		o.cell.Close()
		if notes := o.repair(); len(notes) != 1 || !strings.Contains(notes[0], "lost from now on") {
			t.Fatalf("notes %q", notes)
		}
		if notes := o.repair(); len(notes) != 0 {
			t.Errorf("told again: %q", notes)
		}
		o.mark.WriteString("m") // the markers still flow
		if got := read(r, 1); got != "m" {
			t.Fatalf("read %q", got)
		}
	})
	t.Run("the markers' end closed by number", func(t *testing.T) {
		o, r := pipeOutput(t)
		fd, _ := descriptor(o.mark)
		syscall.Close(fd)
		if notes := o.repair(); len(notes) != 0 {
			t.Errorf("notes %q: the learner lost nothing", notes)
		}
		o.mark.WriteString("m")
		if got := read(r, 1); got != "m" {
			t.Fatalf("read %q after the repair", got)
		}
	})
}
