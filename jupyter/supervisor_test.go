package jupyter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/lang/completion"
	"github.com/gokernel/gokernel/workerproto"
)

// The test binary doubles as a fake worker: with GOKERNEL_FAKE_WORKER set it
// speaks the worker protocol and runs tiny scripts instead of Go.
func TestMain(m *testing.M) {
	if os.Getenv("GOKERNEL_FAKE_WORKER") != "" {
		fakeWorker()
		return
	}
	os.Exit(m.Run())
}

// fakeFiles keeps the fake worker's pipes reachable: an *os.File that the
// garbage collector finds unreachable is closed by its finalizer, and the
// "alloc" loop below never uses them again.
var fakeFiles []*os.File

// fakeAllocated holds what the fake worker's "alloc" command allocates.
var fakeAllocated [][]byte

// fakeWorker runs cells whose code is one command:
//
//	print:TEXT   write TEXT to stdout        result:TEXT  send TEXT as the result
//	exit:N       exit with status N          crash        print a Go crash report and die
//	wait         stop only when interrupted  hang         ignore interrupts
//	input        ask for a line and print it
func fakeWorker() {
	fakeFiles = []*os.File{os.NewFile(3, "req"), os.NewFile(4, "ev"), os.NewFile(5, "stderr")}
	req := workerproto.NewReader(fakeFiles[0])
	ev := workerproto.NewWriter(fakeFiles[1])
	stderr := fakeFiles[2]
	ev.Write(&workerproto.Message{Kind: workerproto.KindReady, PID: os.Getpid()})
	interrupts := make(chan uint64, 8)
	replies := make(chan *workerproto.Message, 1)
	cells := make(chan *workerproto.Message, 8)
	go func() {
		for {
			m, err := req.Read()
			if err != nil {
				os.Exit(0)
			}
			switch m.Kind {
			case workerproto.KindExecute:
				cells <- m
			case workerproto.KindInterrupt:
				interrupts <- m.ID
			case workerproto.KindInputReply:
				replies <- m
			}
		}
	}()
	var syncs uint64
	sync := func() uint64 {
		syncs++
		os.Stdout.Write(workerproto.SyncMarker(syncs))
		stderr.Write(workerproto.SyncMarker(syncs))
		return syncs
	}
	for m := range cells {
		done := &workerproto.Message{Kind: workerproto.KindDone, ID: m.ID}
		cmd, arg, _ := strings.Cut(m.Code, ":")
		switch cmd {
		case "print":
			os.Stdout.WriteString(arg)
		case "stderr":
			stderr.WriteString(arg)
		case "result":
			ev.Write(&workerproto.Message{Kind: workerproto.KindResult, ID: m.ID, Sync: sync(), Data: map[string]any{"text/plain": arg}})
		case "exit":
			n, _ := strconv.Atoi(arg)
			os.Exit(n)
		case "crash":
			os.Stderr.WriteString("fatal error: concurrent map writes\n\ngoroutine 7 [running]:\nruntime.throw()\n")
			os.Exit(2)
		case "wait":
			<-interrupts
			done.Error = &workerproto.Error{Name: "Interrupted", Value: "the cell was interrupted"}
		case "hang":
			select {}
		case "alloc":
			for {
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = 1
				}
				fakeAllocated = append(fakeAllocated, b)
			}
		case "input":
			ev.Write(&workerproto.Message{Kind: workerproto.KindInputRequest, ID: m.ID, Prompt: "name? "})
			r := <-replies
			if r.Error != nil {
				done.Error = &workerproto.Error{Name: "InputError", Value: r.Error.Value}
			} else {
				os.Stdout.WriteString("got " + r.Value)
			}
		}
		done.Sync = sync()
		ev.Write(done)
	}
}

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
func (h *fakeHandler) Defined([]completion.Symbol, map[string]string)       {}
func (h *fakeHandler) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return h.input, h.inputErr
}

func newTestSupervisor(t *testing.T) (*Supervisor, *output) {
	return newLimitedSupervisor(t, 0)
}

func newLimitedSupervisor(t *testing.T, limit int64) (*Supervisor, *output) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := new(output)
	s := NewSupervisor(WorkerCommand{
		Path: exe,
		Args: []string{"-test.run=^$"},
		Env:  append(os.Environ(), "GOKERNEL_FAKE_WORKER=1"),

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

// waitRunning waits until s has a cell in flight.
func waitRunning(t *testing.T, s *Supervisor) {
	t.Helper()
	for {
		s.mu.Lock()
		running := s.run != nil
		s.mu.Unlock()
		if running {
			time.Sleep(20 * time.Millisecond) // let the request reach the worker
			return
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
