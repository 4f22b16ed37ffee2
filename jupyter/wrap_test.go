package jupyter

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/supervisor"
)

// sentSocket records what the kernel sends on it; it does nothing else.
type sentSocket struct {
	zmq4.Socket
	mu   sync.Mutex
	sent []*wire.Message
	sign *wire.Signer
}

func (s *sentSocket) Send(m zmq4.Msg) error { return s.SendMulti(m) }

func (s *sentSocket) SendMulti(m zmq4.Msg) error {
	d, err := wire.Decode(m.Frames, s.sign)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, d)
	return nil
}

func (s *sentSocket) types() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t []string
	for _, m := range s.sent {
		t = append(t, m.Header.MsgType)
	}
	return t
}

// unboundKernel is a kernel whose sockets only record: for handler tests.
func unboundKernel(t *testing.T) (k *Kernel, shell, iopub *sentSocket) {
	t.Helper()
	k, err := New(Config{
		Conn: wire.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 1, ControlPort: 2, StdinPort: 3,
			IOPubPort: 4, HBPort: 5, SignatureScheme: "hmac-sha256", Key: "k"},
		Worker: supervisor.WorkerCommand{Path: "/nonexistent"},
		Log:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	shell, iopub = &sentSocket{sign: k.signer}, &sentSocket{sign: k.signer}
	k.iopub = iopub
	return k, shell, iopub
}

func request(t *testing.T, msgType string) *wire.Message {
	t.Helper()
	m, err := wire.NewMessage(nil, msgType, "client", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEveryRequestGetsOneReplyEvenWhenItsHandlerPanics(t *testing.T) {
	boom := func(*Kernel, context.Context, zmq4.Socket, *wire.Message) { panic("boom") }
	replyThenBoom := func(k *Kernel, _ context.Context, sock zmq4.Socket, m *wire.Message) {
		k.reply(sock, m, "complete_reply", map[string]any{"status": "ok"})
		panic("boom")
	}
	tests := []struct {
		name    string
		msgType string
		h       handler
		replies []string // reply types on shell
		status  string
	}{
		{"complete", "complete_request", boom, []string{"complete_reply"}, "error"},
		{"execute", "execute_request", boom, []string{"execute_reply"}, "error"},
		{"replied before", "complete_request", replyThenBoom, []string{"complete_reply"}, "ok"},
		{"not a request", "comm_msg", boom, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, shell, iopub := unboundKernel(t)
			m := request(t, tt.msgType)
			k.wrap(t.Context(), shell, m, tt.h)
			got := shell.types()
			if len(got) != len(tt.replies) || (len(got) == 1 && got[0] != tt.replies[0]) {
				t.Fatalf("replies %v, want %v", got, tt.replies)
			}
			if len(got) == 1 {
				r := shell.sent[0]
				var c map[string]any
				if err := json.Unmarshal(r.Content, &c); err != nil {
					t.Fatal(err)
				}
				var parent wire.Header
				if err := json.Unmarshal(r.ParentHeader, &parent); err != nil {
					t.Fatal(err)
				}
				if c["status"] != tt.status || parent.MsgID != m.Header.MsgID {
					t.Errorf("reply %s to %s, want status %s to %s", r.Content, parent.MsgID, tt.status, m.Header.MsgID)
				}
				if tt.status == "error" && (c["ename"] != "KernelError" || c["evalue"] == "") {
					t.Errorf("error reply %s says nothing of the failure", r.Content)
				}
				if tt.msgType == "execute_request" {
					if _, ok := c["execution_count"]; !ok {
						t.Errorf("execute reply %s has no execution_count", r.Content)
					}
				}
			}
			// Busy and idle around it all the same.
			io := iopub.types()
			if len(io) < 2 || io[0] != "status" || io[len(io)-1] != "status" {
				t.Errorf("iopub %v, want busy first and idle last", io)
			}
		})
	}
}

func TestContentMustBeUTF8(t *testing.T) {
	var v struct{ Code string }
	if err := decodeContent([]byte("{\"code\": \"x // \xff\"}"), &v, []string{"code"}); err == nil {
		t.Errorf("invalid UTF-8 decoded as %q", v.Code)
	}
}
