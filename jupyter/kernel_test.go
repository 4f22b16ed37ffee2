package jupyter

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/supervisor/supervisortest"
)

// The test binary doubles as the kernel's worker (see [supervisortest]).
func TestMain(m *testing.M) { supervisortest.Main(m) }

// client is a minimal Jupyter client over real zmq4 sockets.
type client struct {
	t       *testing.T
	signer  *wire.Signer
	shell   zmq4.Socket
	control zmq4.Socket
	iopub   zmq4.Socket
	iopubQ  chan *wire.Message // decoded iopub messages, read by one goroutine
	session string
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startKernel runs a kernel with a fake worker on loopback and connects a
// client to it.
func startKernel(t *testing.T) *client {
	t.Helper()
	p := freePorts(t, 5)
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
	go func() { done <- k.Run(ctx) }()
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

	signer, _ := wire.NewSigner(conn.SignatureScheme, conn.Key)
	c := &client{t: t, signer: signer, session: "test-session"}
	cctx, ccancel := context.WithCancel(context.Background())
	c.shell = zmq4.NewDealer(cctx, zmq4.WithID(zmq4.SocketIdentity("shell-client")))
	c.control = zmq4.NewDealer(cctx, zmq4.WithID(zmq4.SocketIdentity("control-client")))
	c.iopub = zmq4.NewSub(cctx)
	t.Cleanup(func() { c.shell.Close(); c.control.Close(); c.iopub.Close(); ccancel() })
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, conn.ShellPort}, {c.control, conn.ControlPort}, {c.iopub, conn.IOPubPort}} {
		if err := dialRetry(d.s, conn.Endpoint(d.port)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	c.iopubQ = make(chan *wire.Message, 256)
	go func() { // ends when the cleanup closes the socket
		defer close(c.iopubQ)
		for {
			zm, err := c.iopub.Recv()
			if err != nil {
				return
			}
			if m, err := wire.Decode(zm.Frames, c.signer); err == nil {
				c.iopubQ <- m
			}
		}
	}()
	return c
}

func dialRetry(s zmq4.Socket, ep string) error {
	var err error
	for range 100 {
		if err = s.Dial(ep); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

func (c *client) send(sock zmq4.Socket, msgType string, content any) string {
	c.t.Helper()
	m, err := wire.NewMessage(nil, msgType, c.session, content)
	if err != nil {
		c.t.Fatal(err)
	}
	frames, err := wire.Encode(m, c.signer)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
	return m.Header.MsgID
}

func (c *client) recv(sock zmq4.Socket) *wire.Message {
	c.t.Helper()
	zm, err := sock.Recv()
	if err != nil {
		c.t.Fatal(err)
	}
	m, err := wire.Decode(zm.Frames, c.signer)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// iopubUntilIdle returns the iopub messages whose parent is msgID, up to and
// including its idle status, or fails after timeout.
func (c *client) iopubUntilIdle(msgID string, timeout time.Duration) ([]*wire.Message, bool) {
	c.t.Helper()
	var got []*wire.Message
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.iopubQ:
			if !ok {
				return got, false
			}
			parent, err := m.Parent()
			if err != nil || parent.MsgID != msgID {
				continue
			}
			got = append(got, m)
			if m.Header.MsgType == "status" && jsonField(c.t, m.Content, "execution_state") == "idle" {
				return got, true
			}
		case <-deadline:
			return got, false
		}
	}
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

	// The first kernel_info may go out before the SUB socket's subscription
	// reached the kernel: ask until iopub answers, as jupyter_client does.
	var id string
	ready := false
	for range 50 {
		id = c.send(c.shell, "kernel_info_request", map[string]any{})
		reply := c.recv(c.shell)
		if reply.Header.MsgType != "kernel_info_reply" {
			t.Fatalf("reply type %q", reply.Header.MsgType)
		}
		if got := jsonField(t, reply.Content, "protocol_version"); got != wire.ProtocolVersion {
			t.Fatalf("protocol_version %v", got)
		}
		if _, ok := c.iopubUntilIdle(id, 200*time.Millisecond); ok {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatal("no iopub status for kernel_info")
	}

	id = c.send(c.shell, "execute_request", map[string]any{"code": "result:42", "silent": false, "store_history": true})
	reply := c.recv(c.shell)
	if got := jsonField(t, reply.Content, "status"); got != "ok" {
		t.Fatalf("execute status %v: %s", got, reply.Content)
	}
	msgs, ok := c.iopubUntilIdle(id, 10*time.Second)
	if !ok {
		t.Fatal("no idle for the execute")
	}
	var types []string
	for _, m := range msgs {
		types = append(types, m.Header.MsgType)
	}
	want := []string{"status", "execute_input", "execute_result", "status"}
	if len(types) != len(want) {
		t.Fatalf("iopub %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("iopub %v, want %v", types, want)
		}
	}

	// A message with a bad signature is dropped, never answered.
	bad, _ := wire.NewMessage(nil, "kernel_info_request", c.session, map[string]any{})
	other, _ := wire.NewSigner("hmac-sha256", "wrong-key")
	frames, _ := wire.Encode(bad, other)
	if err := c.shell.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		t.Fatal(err)
	}
	id = c.send(c.shell, "kernel_info_request", map[string]any{})
	if r := c.recv(c.shell); r.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("got %s", r.Header.MsgType)
	} else if p, _ := r.Parent(); p.MsgID != id {
		t.Fatalf("reply to %s, want the good request %s: the forged one was answered", p.MsgID, id)
	}

	// Shutdown over control ends Run (checked in the cleanup).
	c.send(c.control, "shutdown_request", map[string]any{"restart": false})
	if r := c.recv(c.control); r.Header.MsgType != "shutdown_reply" {
		t.Fatalf("got %s", r.Header.MsgType)
	}
}
