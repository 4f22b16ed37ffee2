package supervisor

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/supervisor/supervisortest"
	"github.com/gokernel/gokernel/workerproto"
)

// newSlowSupervisor starts a supervisor whose fake worker takes ready to
// say it is ready, as a real one loading its interpreter does.
func newSlowSupervisor(t *testing.T, ready time.Duration) *Supervisor {
	t.Helper()
	path, args, env := supervisortest.Command(t)
	env = append(env, supervisortest.ReadyDelayEnv+"="+ready.String())
	s := New(WorkerCommand{Path: path, Args: args, Env: env}, slog.New(slog.DiscardHandler),
		func(string, string) {}, func(*workerproto.Message) {})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// execute runs code in the background; its error comes on the channel.
func execute(t *testing.T, s *Supervisor, code string) <-chan *workerproto.Error {
	errc := make(chan *workerproto.Error, 1)
	go func() { errc <- s.Execute(t.Context(), ExecRequest{Code: code}, &fakeHandler{}) }() // ends with the cell
	return errc
}

// wantInterrupted checks that a cell ended as interrupted, in the same
// worker, which then runs the next cell.
func wantInterrupted(t *testing.T, s *Supervisor, pid int, err *workerproto.Error, beforeStart bool) {
	t.Helper()
	if err == nil || err.Name != "Interrupted" {
		t.Fatalf("error = %+v, want Interrupted", err)
	}
	if got := strings.Contains(err.Value, "before it started"); got != beforeStart {
		t.Errorf("error %q: says it was stopped before it started: %v, want %v", err.Value, got, beforeStart)
	}
	if s.PID() != pid {
		t.Fatalf("the worker was replaced (pid %d, was %d)", s.PID(), pid)
	}
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:next"}, h); err != nil || len(h.results) != 1 {
		t.Fatalf("next cell: %v %q", err, h.results)
	}
}

func TestInterruptWhileTheWorkerIsNotReady(t *testing.T) {
	// As right after a crash or a %reset: the cell waits for a fresh worker.
	s := newSlowSupervisor(t, 500*time.Millisecond)
	errc := execute(t, s, "wait")
	waitPhase(t, s, queued)
	if !s.Interrupt() {
		t.Fatal("Interrupt found nothing to stop")
	}
	err := <-errc
	wantInterrupted(t, s, s.PID(), err, true)
}

func TestInterruptBeforeTheWorkerStartsTheCell(t *testing.T) {
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	// The fake worker starts this cell late; longer than the grace, which
	// counts only from the start.
	errc := execute(t, s, "late:2500ms:wait")
	waitPhase(t, s, sent)
	s.Interrupt()
	s.mu.Lock()
	armed := s.run.timer != nil
	s.mu.Unlock()
	if armed {
		t.Error("the grace started before the cell did")
	}
	wantInterrupted(t, s, pid, <-errc, true)
}

func TestInterruptOfACellExpectedButNotArrived(t *testing.T) {
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	if s.Interrupt() {
		t.Fatal("an interrupt with nothing running or expected stopped something")
	}
	s.Expect()
	if !s.Interrupt() {
		t.Fatal("Interrupt ignored an expected cell")
	}
	wantInterrupted(t, s, pid, s.Execute(t.Context(), ExecRequest{Code: "wait"}, &fakeHandler{}), true)

	// Claim takes an interrupt for a cell the kernel runs itself.
	s.Expect()
	s.Interrupt()
	if !s.Claim() {
		t.Error("Claim did not see the interrupt")
	}
	if s.Claim() {
		t.Error("a second Claim saw it too")
	}
}

func TestInterruptRaces(t *testing.T) {
	// An interrupt right behind the cell, at whatever point the cell is:
	// one interrupt stops it, every time, and the worker stays.
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	for i := range 40 {
		s.Expect()
		errc := execute(t, s, "wait")
		time.Sleep(time.Duration(i%8) * 250 * time.Microsecond)
		s.Interrupt()
		select {
		case err := <-errc:
			if err == nil || err.Name != "Interrupted" {
				t.Fatalf("trial %d: error %+v, want Interrupted", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("trial %d: the interrupt was lost", i)
		}
		if s.PID() != pid {
			t.Fatalf("trial %d: the worker was replaced", i)
		}
	}
}

func TestInterruptedNativeWorkThatGoesOnReplacesTheWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the interrupt grace period")
	}
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	errc := execute(t, s, "spin:20s")
	waitRunning(t, s)
	s.Interrupt()
	err := <-errc
	if err == nil || err.Name != "Restarted" || !strings.Contains(err.Value, "kept running") {
		t.Fatalf("error = %+v, want a restart saying the native code kept running", err)
	}
	if !strings.Contains(strings.Join(err.Traceback, "\n"), "names defined in earlier cells are gone") {
		t.Errorf("traceback %q doesn't say the names are lost", err.Traceback)
	}
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:fresh"}, h); err != nil || s.PID() == pid {
		t.Fatalf("next cell: err %v, pid %d (old %d)", err, s.PID(), pid)
	}
}

func TestCellsThatStopWithinTheirGraceKeepTheWorker(t *testing.T) {
	tests := []struct {
		name, code string
		long       bool // waits past the 2s grace
	}{
		// Native work that ends soon after the interrupt.
		{"native work ending", "spin:300ms", false},
		// 100,000 goroutines to stop: 2.5s more than the 2s grace.
		{"goroutines to stop", "winddown:100000:3s", true},
		// 1,000 goroutines add 25ms; the worker says every 100ms that fewer
		// are left, for 3s.
		{"goroutines stopping", "slowstop:3s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("waits past the interrupt grace period")
			}
			s, _ := newTestSupervisor(t)
			pid := s.PID()
			errc := execute(t, s, tt.code)
			waitRunning(t, s)
			s.Interrupt()
			wantInterrupted(t, s, pid, <-errc, false)
		})
	}
}
