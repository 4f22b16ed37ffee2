package jupyter

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/supervisor/supervisortest"
	"github.com/gokernel/gokernel/workerproto"
)

// quietHandler takes a cell's results and asks for no input.
type quietHandler struct{ results int }

func (h *quietHandler) Result(map[string]any, map[string]any)                { h.results++ }
func (h *quietHandler) Display(map[string]any, map[string]any, string, bool) {}
func (h *quietHandler) Clear(bool)                                           {}
func (h *quietHandler) Defined([]workerproto.Symbol, map[string]string)      {}
func (h *quietHandler) Input(context.Context, string, bool) (string, error)  { return "", nil }

func TestInterruptThatArrivesBeforeItsCell(t *testing.T) {
	path, args, env := supervisortest.Command(t)
	k, err := New(Config{
		Conn: wire.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 1, ControlPort: 2, StdinPort: 3,
			IOPubPort: 4, HBPort: 5, SignatureScheme: "hmac-sha256", Key: "k"},
		Worker: supervisor.WorkerCommand{Path: path, Args: args, Env: env},
		Log:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.sup.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.sup.Close)

	// cell delivers an execute_request sent at sent to the kernel, and runs it.
	cell := func(code string, sent time.Time) *workerproto.Error {
		m := request(t, "execute_request")
		m.Header.Date = sent.UTC().Format(wire.DateLayout)
		k.cellArrived(m)
		return k.sup.Execute(t.Context(), supervisor.ExecRequest{Code: code}, &quietHandler{})
	}
	now := time.Now()
	tests := []struct {
		name      string
		cellSent  time.Duration // after the interrupt was sent
		arrivedAt time.Duration // how long before the cell arrived the interrupt did
		stopped   bool
	}{
		{"cell sent first, arriving last", -5 * time.Millisecond, 0, true},
		{"cell sent after the interrupt", 5 * time.Millisecond, 0, false},
		{"cell sent long before", -5 * time.Second, 0, false},
		{"interrupt arrived long before", -5 * time.Millisecond, 5 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k.interruptSentAt(now) // no cell runs: the interrupt waits
			k.intMu.Lock()
			k.late.arrived = k.late.arrived.Add(-tt.arrivedAt)
			k.intMu.Unlock()
			code := "result:ran"
			if tt.stopped {
				code = "wait" // would run for ever unless stopped
			}
			err := cell(code, now.Add(tt.cellSent))
			if got := err != nil && err.Name == "Interrupted"; got != tt.stopped {
				t.Fatalf("error %+v: stopped %v, want %v", err, got, tt.stopped)
			}
		})
	}
}
