package jupyter

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gokernel/gokernel/jupyter/client"
	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/supervisor/supervisortest"
)

// The test binary doubles as the kernel's worker (see [supervisortest]).
func TestMain(m *testing.M) { supervisortest.Main(m) }

// startKernel runs a kernel with a fake worker on loopback and connects a
// client to it.
func startKernel(t testing.TB) *client.Client {
	t.Helper()
	return startKernelDial(t, client.DialOptions{Retry: 20 * time.Millisecond, Timeout: 10 * time.Second})
}

// startKernelDial is startKernel with the client's dial options.
func startKernelDial(t testing.TB, opts client.DialOptions) *client.Client {
	t.Helper()
	p, err := client.FreePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	conn := wire.ConnectionInfo{
		Transport: "tcp", IP: "127.0.0.1",
		ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], IOPubPort: p[3], HBPort: p[4],
		SignatureScheme: "hmac-sha256", Key: "a-test-key",
	}
	path, args, env := supervisortest.Command(t)
	k, err := New(Config{
		Conn:    conn,
		Worker:  supervisor.WorkerCommand{Path: path, Args: args, Env: env},
		Log:     slog.New(slog.DiscardHandler),
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- k.Run(ctx) }() // ends at a shutdown request or the cleanup's cancel
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})

	c, err := client.Dial(t.Context(), conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // before the kernel stops: cleanups run last first
	return c
}

func jsonField(t *testing.T, raw json.RawMessage, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}

func TestKernelOverLoopback(t *testing.T) {
	c := startKernel(t)
	ctx := t.Context()

	// The first kernel_info may go out before the SUB socket's subscription
	// reached the kernel: WaitReady asks until iopub answers, as
	// jupyter_client does.
	ready, err := c.WaitReady(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := ready.FirstReply.Msg.Header.MsgType; got != "kernel_info_reply" {
		t.Fatalf("reply type %q", got)
	}
	if got := jsonField(t, ready.FirstReply.Msg.Content, "protocol_version"); got != wire.ProtocolVersion {
		t.Fatalf("protocol_version %v", got)
	}

	r, err := c.Execute(ctx, "result:42", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Status(); got != "ok" {
		t.Fatalf("execute status %v: %s", got, r.Reply.Msg.Content)
	}
	var types []string
	for _, m := range r.IOPub {
		types = append(types, m.Msg.Header.MsgType)
	}
	if want := []string{"status", "execute_input", "execute_result", "status"}; !slices.Equal(types, want) {
		t.Fatalf("iopub %v, want %v", types, want)
	}
	if got, _ := r.Result(); got != "42" {
		t.Errorf("result %q, want 42", got)
	}

	// A message with a bad signature is dropped, never answered.
	bad, _ := wire.NewMessage(nil, "kernel_info_request", c.Session, map[string]any{})
	other, _ := wire.NewSigner("hmac-sha256", "wrong-key")
	frames, _ := wire.Encode(bad, other)
	if err := c.SendFrames(client.Shell, frames); err != nil {
		t.Fatal(err)
	}
	id, _, err := c.Send(client.Shell, "kernel_info_request", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if next, err := c.Next(ctx, client.Shell, 10*time.Second); err != nil {
		t.Fatal(err)
	} else if next.Msg.Header.MsgType != "kernel_info_reply" || next.ParentID != id {
		t.Fatalf("got %s to %s, want the reply to the good request %s: the forged one was answered",
			next.Msg.Header.MsgType, next.ParentID, id)
	}

	// Shutdown over control ends Run (checked in the cleanup).
	if _, _, err := c.Send(client.Control, "shutdown_request", map[string]any{"restart": false}); err != nil {
		t.Fatal(err)
	}
	if next, err := c.Next(ctx, client.Control, 10*time.Second); err != nil {
		t.Fatal(err)
	} else if next.Msg.Header.MsgType != "shutdown_reply" {
		t.Fatalf("got %s", next.Msg.Header.MsgType)
	}
}
