package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/supervisor/supervisortest"
	"github.com/gokernel/gokernel/workerproto"
)

// The test binary doubles as a fake worker (see [supervisortest]).
func TestMain(m *testing.M) { supervisortest.Main(m) }

// output collects published stream text.
type output struct {
	mu   sync.Mutex
	text map[string]*strings.Builder
}

func (o *output) publish(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.text == nil {
		o.text = map[string]*strings.Builder{}
	}
	if o.text[name] == nil {
		o.text[name] = new(strings.Builder)
	}
	o.text[name].WriteString(text)
}

func (o *output) get(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.text[name] == nil {
		return ""
	}
	return o.text[name].String()
}

type fakeHandler struct {
	results  []string
	input    string
	inputErr error
}

func (h *fakeHandler) Result(data, _ map[string]any) {
	h.results = append(h.results, data["text/plain"].(string))
}
func (h *fakeHandler) Display(map[string]any, map[string]any, string, bool) {}
func (h *fakeHandler) Clear(bool)                                           {}
func (h *fakeHandler) Defined([]workerproto.Symbol, map[string]string)      {}
func (h *fakeHandler) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return h.input, h.inputErr
}

func newTestSupervisor(t *testing.T) (*Supervisor, *output) {
	return newLimitedSupervisor(t, 0)
}

func newLimitedSupervisor(t *testing.T, limit int64) (*Supervisor, *output) {
	t.Helper()
	path, args, env := supervisortest.Command(t)
	out := new(output)
	s := New(WorkerCommand{
		Path: path,
		Args: args,
		Env:  env,

		MemoryLimit: limit,
	}, slog.New(slog.DiscardHandler), out.publish, func(*workerproto.Message) {})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, out
}

func TestSupervisorOutputArrivesBeforeTheCellEnds(t *testing.T) {
	s, out := newTestSupervisor(t)
	for i := range 20 {
		text := fmt.Sprintf("line %d\n", i)
		if err := s.Execute(t.Context(), ExecRequest{Code: "print:" + text}, &fakeHandler{}); err != nil {
			t.Fatal(err)
		}
		if got := out.get("stdout"); !strings.HasSuffix(got, text) {
			t.Fatalf("after cell %d stdout = %q, want it to end with %q", i, got, text)
		}
	}
	if err := s.Execute(t.Context(), ExecRequest{Code: "stderr:oops\n"}, &fakeHandler{}); err != nil {
		t.Fatal(err)
	}
	if got := out.get("stderr"); got != "oops\n" {
		t.Errorf("stderr = %q, want %q", got, "oops\n")
	}
}

func TestSupervisorResult(t *testing.T) {
	s, _ := newTestSupervisor(t)
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:42"}, h); err != nil {
		t.Fatal(err)
	}
	if len(h.results) != 1 || h.results[0] != "42" {
		t.Errorf("results = %q, want [42]", h.results)
	}
}

func TestSupervisorWorkerDeathBecomesTheCellsError(t *testing.T) {
	tests := []struct {
		code, name, value string
	}{
		{"exit:3", "Exit", "the interpreter exited with status 3"},
		{"crash", "fatal error", "concurrent map writes"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s, _ := newTestSupervisor(t)
			first := s.PID()
			err := s.Execute(t.Context(), ExecRequest{Code: tt.code}, &fakeHandler{})
			if err == nil || err.Name != tt.name || err.Value != tt.value {
				t.Fatalf("error = %+v, want %s: %s", err, tt.name, tt.value)
			}
			if !strings.Contains(strings.Join(err.Traceback, "\n"), "earlier cells are gone") {
				t.Errorf("traceback %q doesn't say the state was lost", err.Traceback)
			}
			// A fresh worker runs the next cell.
			h := &fakeHandler{}
			if err := s.Execute(t.Context(), ExecRequest{Code: "result:ok"}, h); err != nil {
				t.Fatalf("next cell: %v", err)
			}
			if s.PID() == first || len(h.results) != 1 {
				t.Errorf("pid %d (first %d), results %q: want a new worker that answered", s.PID(), first, h.results)
			}
		})
	}
}

func TestSupervisorInterrupt(t *testing.T) {
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	errc := make(chan *workerproto.Error)
	go func() { errc <- s.Execute(t.Context(), ExecRequest{Code: "wait"}, &fakeHandler{}) }()
	waitRunning(t, s)
	s.Interrupt()
	err := <-errc
	if err == nil || err.Name != "Interrupted" {
		t.Fatalf("error = %+v, want Interrupted", err)
	}
	if s.PID() != pid {
		t.Errorf("worker replaced after a clean interrupt")
	}
}

func TestSupervisorReplacesAWorkerThatWontStop(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the interrupt grace period")
	}
	s, _ := newTestSupervisor(t)
	pid := s.PID()
	errc := make(chan *workerproto.Error)
	go func() { errc <- s.Execute(t.Context(), ExecRequest{Code: "hang"}, &fakeHandler{}) }()
	waitRunning(t, s)
	s.Interrupt()
	err := <-errc
	if err == nil || err.Name != "Restarted" || !strings.Contains(err.Value, "did not stop") {
		t.Fatalf("error = %+v, want a restart that says the cell did not stop", err)
	}
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:alive"}, h); err != nil || s.PID() == pid {
		t.Fatalf("next cell: err %v, pid %d (old %d)", err, s.PID(), pid)
	}
}

func TestSupervisorInput(t *testing.T) {
	s, out := newTestSupervisor(t)
	if err := s.Execute(t.Context(), ExecRequest{Code: "input"}, &fakeHandler{input: "gopher\n"}); err != nil {
		t.Fatal(err)
	}
	if got := out.get("stdout"); got != "got gopher\n" {
		t.Errorf("stdout = %q", got)
	}
	err := s.Execute(t.Context(), ExecRequest{Code: "input"}, &fakeHandler{inputErr: errors.New("no stdin")})
	if err == nil || err.Value != "no stdin" {
		t.Errorf("error = %+v, want the input error", err)
	}
}

func TestSupervisorDeathBetweenCellsIsAnnounced(t *testing.T) {
	s, out := newTestSupervisor(t)
	pid := s.PID()
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.get("stderr"), "stopped between cells") {
		if time.Now().After(deadline) {
			t.Fatalf("no announcement; stderr = %q", out.get("stderr"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:back"}, h); err != nil || len(h.results) != 1 {
		t.Fatalf("next cell: %v %q", err, h.results)
	}
}

// waitRunning waits until the worker said it started s's cell.
func waitRunning(t *testing.T, s *Supervisor) { t.Helper(); waitPhase(t, s, running) }

// waitPhase waits until s has a cell in flight that came to phase p.
func waitPhase(t *testing.T, s *Supervisor, p phase) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		there := s.run != nil && s.run.phase == p
		s.mu.Unlock()
		if there {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cell came to phase %d", p)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSupervisorMemoryLimit(t *testing.T) {
	s, _ := newLimitedSupervisor(t, 64<<20)
	err := s.Execute(t.Context(), ExecRequest{Code: "alloc"}, &fakeHandler{})
	if err == nil || err.Name != "OutOfMemory" || !strings.Contains(err.Value, "64 MiB") {
		t.Fatalf("error = %+v, want OutOfMemory at 64 MiB", err)
	}
	h := &fakeHandler{}
	if err := s.Execute(t.Context(), ExecRequest{Code: "result:ok"}, h); err != nil || len(h.results) != 1 {
		t.Fatalf("next cell: %v %q", err, h.results)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"512MiB", 512 << 20}, {"2GiB", 2 << 30}, {"1.5G", 3 << 29}, {"300M", 300 << 20},
		{"1048576", 1 << 20}, {"off", 0}, {"2 GiB", 2 << 30}, {"1GB", 1e9},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "lots", "-1G", "G"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded", bad)
		}
	}
}

func TestExplainCrash(t *testing.T) {
	tests := []struct {
		report, name, value string
		trace               []string
	}{
		{"fatal error: concurrent map writes\n\ngoroutine 7 [running]:\nruntime.throw()\n", "fatal error", "concurrent map writes", nil},
		{"runtime: goroutine stack exceeds 67108864-byte limit\nruntime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0400e0000]\nfatal error: stack overflow\n\nruntime stack:\nruntime.throw({0x1024353?, 0x4471fa?})\n\truntime/panic.go:1229 +0x48\n\ngoroutine 9 [running]:\n",
			"fatal error", "stack overflow: a function called itself too deeply (unbounded recursion?)", nil},
		{"panic: boom [recovered]\n\tpanic: boom\n\ngoroutine 1 [running]:\n", "panic", "boom", []string{"\tpanic: boom"}},
		{"some log line\n", "", "", nil},
	}
	for _, tt := range tests {
		name, value, trace := explainCrash(tt.report)
		if name != tt.name || value != tt.value || strings.Join(trace, "|") != strings.Join(tt.trace, "|") {
			t.Errorf("explainCrash(%q) = %q, %q, %q; want %q, %q, %q", tt.report, name, value, trace, tt.name, tt.value, tt.trace)
		}
	}
}
