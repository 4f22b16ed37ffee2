// Package client is a small Jupyter client over zmq4 and the kernel's own
// wire codec: it connects to the five sockets of a connection file, sends
// requests and collects what comes back, with the time each message arrived.
// The kernel's tests use it over loopback, and kbench measures kernels with
// it.
//
// One reader goroutine per socket decodes messages into a queue; each ends
// when [Client.Close] closes the sockets, and Close returns after they have.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"

	"github.com/gokernel/gokernel/jupyter/frameguard"
	"github.com/gokernel/gokernel/jupyter/wire"
)

// Channel names a kernel socket a client sends on.
type Channel int

// The client's channels.
const (
	Shell Channel = iota
	Control
	Stdin
)

func (ch Channel) String() string {
	switch ch {
	case Shell:
		return "shell"
	case Control:
		return "control"
	case Stdin:
		return "stdin"
	}
	return fmt.Sprintf("channel %d", int(ch))
}

// Received is a message as the client read it.
type Received struct {
	Msg      *wire.Message
	At       time.Time // when the reader goroutine decoded it
	ParentID string    // msg_id of its parent header, "" when none
	Size     int       // bytes in all its frames
}

// DialOptions tune how a Client connects.
type DialOptions struct {
	// Retry is the wait between two attempts to connect to a port the kernel
	// doesn't listen on yet. It bounds how late a start is noticed.
	Retry time.Duration
	// Timeout bounds connecting.
	Timeout time.Duration
	// Exited, if set, is closed when the kernel's process exited: Dial then
	// fails at once with [ErrExited], and a later wait for a reply gives up
	// shortly after the exit instead of at its timeout.
	Exited <-chan struct{}
	// Buffered connects through the kernel's own transport (package
	// frameguard): each message goes out in one write and comes in through a
	// read-ahead buffer, where zmq4 alone writes and reads frame by frame,
	// some fifteen read(2) calls for a reply. A client that measures a kernel
	// (kbench) uses it, so that less of what it measures is its own work.
	Buffered bool
}

// BufferedEndpoint is ep on the transport that DialOptions.Buffered dials
// through, for other zmq4 sockets (kbench's floor).
func BufferedEndpoint(ep string) (string, error) {
	if err := frameguard.Register(); err != nil {
		return "", err
	}
	return frameguard.Endpoint(ep), nil
}

// Client is one front end's connection to a kernel: DEALER sockets for shell,
// control and stdin (with one identity), SUB for iopub, REQ for heartbeat.
type Client struct {
	Conn      wire.ConnectionInfo
	Session   string
	Connected time.Time // when the last of the five sockets connected

	signer *wire.Signer
	gone   <-chan struct{} // closed when the kernel's process exited; nil if unknown
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	shell, control, stdin, iopub, hb zmq4.Socket
	shellQ, controlQ, iopubQ         chan Received
	sendMu                           sync.Mutex
}

// Queue sizes: iopub must be drained even when a test doesn't look, or the
// kernel's publisher would stall on a full TCP buffer.
const (
	replyQueue = 256
	iopubQueue = 8192
)

// Dial connects to the kernel of conn. It returns when all five sockets are
// connected, retrying while the kernel is not listening yet.
func Dial(ctx context.Context, conn wire.ConnectionInfo, opts DialOptions) (*Client, error) {
	gone := opts.Exited
	signer, err := wire.NewSigner(conn.SignatureScheme, conn.Key)
	if err != nil {
		return nil, err
	}
	if opts.Retry <= 0 {
		opts.Retry = time.Millisecond
	}
	if opts.Buffered {
		if err := frameguard.Register(); err != nil {
			return nil, err
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	// The sockets outlive a cancelled ctx, so that a kernel can still be
	// asked to shut down on the way out; Close ends them.
	parent := ctx
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	session := uuid.NewString()
	sockOpts := []zmq4.Option{
		zmq4.WithDialerRetry(opts.Retry),
		zmq4.WithDialerMaxRetries(int(opts.Timeout/opts.Retry) + 1),
		zmq4.WithDialerTimeout(opts.Timeout),
		zmq4.WithTimeout(10 * time.Second), // sends
		zmq4.WithLogger(log.New(io.Discard, "", 0)),
	}
	withID := append([]zmq4.Option{zmq4.WithID(zmq4.SocketIdentity(session))}, sockOpts...)
	c := &Client{
		Conn:     conn,
		Session:  session,
		signer:   signer,
		ctx:      ctx,
		gone:     gone,
		shell:    zmq4.NewDealer(ctx, withID...),
		control:  zmq4.NewDealer(ctx, withID...),
		stdin:    zmq4.NewDealer(ctx, withID...),
		iopub:    zmq4.NewSub(ctx, sockOpts...),
		hb:       zmq4.NewReq(ctx, sockOpts...),
		shellQ:   make(chan Received, replyQueue),
		controlQ: make(chan Received, replyQueue),
		iopubQ:   make(chan Received, iopubQueue),
	}
	c.cancel = func() { c.closeSockets(); cancel() }
	// Subscribing before dialing sends the subscription on connect.
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		c.Close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	// Dial all five at once, as libzmq connects asynchronously.
	socks := []struct {
		name string
		sock zmq4.Socket
		port int
	}{
		{"shell", c.shell, conn.ShellPort},
		{"iopub", c.iopub, conn.IOPubPort},
		{"control", c.control, conn.ControlPort},
		{"stdin", c.stdin, conn.StdinPort},
		{"heartbeat", c.hb, conn.HBPort},
	}
	errs := make([]error, len(socks))
	var dials sync.WaitGroup
	for i, s := range socks {
		dials.Add(1)
		ep := conn.Endpoint(s.port)
		if opts.Buffered {
			ep = frameguard.Endpoint(ep)
		}
		go func() { // ends when connected, out of retries, or ctx is done
			defer dials.Done()
			if err := s.sock.Dial(ep); err != nil {
				errs[i] = fmt.Errorf("dial %s: %w", s.name, err)
			}
		}()
	}
	dialed := make(chan struct{})
	watched := make(chan struct{})
	aborted := false
	go func() { // ends when the dials are over
		defer close(watched)
		select {
		case <-gone: // the kernel died: stop retrying
			aborted = true
			c.closeSockets()
		case <-parent.Done():
			c.closeSockets()
		case <-dialed:
		}
	}()
	dials.Wait()
	close(dialed)
	<-watched
	if aborted {
		errs = append(errs, ErrExited)
	}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		if parent.Err() != nil {
			return nil, fmt.Errorf("connect: %w", parent.Err())
		}
		return nil, err
	}
	c.Connected = time.Now()
	c.wg.Add(4)
	go c.read(c.shell, c.shellQ)     // ends when the socket closes
	go c.read(c.control, c.controlQ) // ends when the socket closes
	go c.read(c.iopub, c.iopubQ)     // ends when the socket closes
	go c.read(c.stdin, nil)          // ends when the socket closes; nothing is asked on stdin
	return c, nil
}

func (c *Client) closeSockets() {
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
		s.Close()
	}
}

// Close closes the sockets and waits for the reader goroutines.
func (c *Client) Close() {
	c.cancel()
	c.wg.Wait()
}

// read decodes messages from sock into q until the socket closes.
func (c *Client) read(sock zmq4.Socket, q chan<- Received) {
	defer c.wg.Done()
	for {
		zm, err := sock.Recv()
		if err != nil {
			return
		}
		at := time.Now()
		m, err := wire.Decode(zm.Frames, c.signer)
		if err != nil || q == nil {
			continue // a bad signature or frame would be a kernel bug; tests notice the missing reply
		}
		r := Received{Msg: m, At: at}
		for _, f := range zm.Frames {
			r.Size += len(f)
		}
		var ph struct {
			MsgID string `json:"msg_id"`
		}
		if json.Unmarshal(m.ParentHeader, &ph) == nil {
			r.ParentID = ph.MsgID
		}
		select {
		case q <- r:
		case <-c.ctx.Done():
			return
		}
	}
}

// Send sends a request on ch and returns its msg_id and the time just
// before it was handed to the socket.
func (c *Client) Send(ch Channel, msgType string, content any) (string, time.Time, error) {
	m, err := wire.NewMessage(nil, msgType, c.Session, content)
	if err != nil {
		return "", time.Time{}, err
	}
	frames, err := wire.Encode(m, c.signer)
	if err != nil {
		return "", time.Time{}, err
	}
	sock := c.socket(ch)
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	at := time.Now()
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return "", time.Time{}, fmt.Errorf("send %s: %w", msgType, err)
	}
	return m.Header.MsgID, at, nil
}

// SendFrames sends frames on ch as they are, for tests of what a kernel does
// with a message that is malformed, forged or signed with another key.
func (c *Client) SendFrames(ch Channel, frames [][]byte) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if err := c.socket(ch).SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("send on %s: %w", ch, err)
	}
	return nil
}

func (c *Client) socket(ch Channel) zmq4.Socket {
	return map[Channel]zmq4.Socket{Shell: c.shell, Control: c.control, Stdin: c.stdin}[ch]
}

// Errors of the waits, for errors.Is.
var (
	ErrTimeout = errors.New("timed out")
	ErrExited  = errors.New("the kernel exited")
)

// exitGrace is how long a client still reads after its kernel's process
// exited: what the kernel sent just before (a shutdown_reply) still counts.
const exitGrace = 250 * time.Millisecond

// Reply waits for the reply to request id on ch, dropping other messages on
// that channel.
func (c *Client) Reply(ctx context.Context, ch Channel, id string, timeout time.Duration) (Received, error) {
	r, err := c.next(ctx, ch, timeout, func(r Received) bool { return r.ParentID == id })
	if err != nil {
		return r, fmt.Errorf("reply to %s: %w", id, err)
	}
	return r, nil
}

// Next waits for the next message on ch (shell or control), whatever it
// answers.
func (c *Client) Next(ctx context.Context, ch Channel, timeout time.Duration) (Received, error) {
	r, err := c.next(ctx, ch, timeout, func(Received) bool { return true })
	if err != nil {
		return r, fmt.Errorf("next on %s: %w", ch, err)
	}
	return r, nil
}

// next waits for the first message on ch that want takes, dropping the
// others.
func (c *Client) next(ctx context.Context, ch Channel, timeout time.Duration, want func(Received) bool) (Received, error) {
	q := c.shellQ
	if ch == Control {
		q = c.controlQ
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	gone, exited := c.gone, false
	for {
		select {
		case r := <-q:
			if want(r) {
				return r, nil
			}
		case <-t.C:
			if exited {
				return Received{}, ErrExited
			}
			return Received{}, fmt.Errorf("%w after %v", ErrTimeout, timeout)
		case <-ctx.Done():
			return Received{}, ctx.Err()
		case <-gone:
			gone, exited = nil, true
			t.Reset(exitGrace)
		}
	}
}

// Ready is the outcome of WaitReady.
type Ready struct {
	FirstReply Received // the first kernel_info_reply
	IOPubAt    time.Time
	Requests   int // kernel_info_requests sent
}

// WaitReady does what jupyter_client does after connecting: it sends
// kernel_info_request until an iopub status message arrives for one of them,
// which proves the iopub subscription reached the kernel.
func (c *Client) WaitReady(ctx context.Context, timeout time.Duration) (Ready, error) {
	deadline := time.Now().Add(timeout)
	sent := map[string]bool{}
	var ready Ready
	const iopubCheck = 20 * time.Millisecond
	for {
		id, _, err := c.Send(Shell, "kernel_info_request", map[string]any{})
		if err != nil {
			return ready, err
		}
		sent[id] = true
		ready.Requests++
		r, err := c.Reply(ctx, Shell, id, time.Until(deadline))
		if err != nil {
			return ready, fmt.Errorf("kernel_info: %w", err)
		}
		if ready.FirstReply.Msg == nil {
			ready.FirstReply = r
		}
		wait := time.NewTimer(min(iopubCheck, max(time.Until(deadline), 0)))
	drain:
		for {
			select {
			case m := <-c.iopubQ:
				if sent[m.ParentID] && m.Msg.Header.MsgType == "status" {
					wait.Stop()
					ready.IOPubAt = m.At
					return ready, nil
				}
			case <-wait.C:
				break drain
			case <-ctx.Done():
				wait.Stop()
				return ready, ctx.Err()
			}
		}
		if time.Now().After(deadline) {
			return ready, fmt.Errorf("iopub: no status message: %w after %v", ErrTimeout, timeout)
		}
	}
}

// Ping sends a heartbeat and waits for its echo.
func (c *Client) Ping(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	errc := make(chan error, 1)
	go func() { // ends at the echo, or when Close closes the socket
		if err := c.hb.Send(zmq4.NewMsgString("ping")); err != nil {
			errc <- err
			return
		}
		_, err := c.hb.Recv()
		errc <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-errc:
		return time.Since(start), err
	case <-t.C:
		return 0, fmt.Errorf("heartbeat: %w", ErrTimeout)
	}
}

// Run is one execute_request and what came back for it.
type Run struct {
	ID    string
	Code  string
	Sent  time.Time
	Reply Received   // the execute_reply; Msg is nil until it arrived
	Busy  time.Time  // iopub busy status
	Idle  time.Time  // iopub idle status; zero until it arrived
	IOPub []Received // iopub messages with this request as parent, in order
}

// Status is the execute_reply's status: "ok", "error" or "aborted".
func (r *Run) Status() string {
	if r.Reply.Msg == nil {
		return ""
	}
	var c struct {
		Status string `json:"status"`
	}
	json.Unmarshal(r.Reply.Msg.Content, &c) // a malformed reply has no status: ""
	return c.Status
}

// Error describes an error reply, or "".
func (r *Run) Error() string {
	if r.Reply.Msg == nil {
		return ""
	}
	var c struct {
		EName  string `json:"ename"`
		EValue string `json:"evalue"`
	}
	json.Unmarshal(r.Reply.Msg.Content, &c)
	if c.EName == "" {
		return ""
	}
	return c.EName + ": " + c.EValue
}

// Result is the text/plain of the execute_result, and when it arrived.
func (r *Run) Result() (string, time.Time) {
	for _, m := range r.IOPub {
		if m.Msg.Header.MsgType != "execute_result" {
			continue
		}
		var c struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(m.Msg.Content, &c)
		s, _ := c.Data["text/plain"].(string)
		return s, m.At
	}
	return "", time.Time{}
}

// Done reports whether both the reply and the idle status arrived.
func (r *Run) Done() bool { return r.Reply.Msg != nil && !r.Idle.IsZero() }

// Start sends an execute_request for code.
func (c *Client) Start(code string) (*Run, error) {
	id, at, err := c.Send(Shell, "execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		return nil, err
	}
	return &Run{ID: id, Code: code, Sent: at}, nil
}

// Await reads shell and iopub until until(r) holds, recording what belongs
// to r and dropping the rest.
func (c *Client) Await(ctx context.Context, r *Run, until func(*Run) bool, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	gone, exited := c.gone, false
	for !until(r) {
		select {
		case m := <-c.shellQ:
			if m.ParentID == r.ID && m.Msg.Header.MsgType == "execute_reply" {
				r.Reply = m
			}
		case m := <-c.iopubQ:
			if m.ParentID != r.ID {
				continue
			}
			r.IOPub = append(r.IOPub, m)
			if m.Msg.Header.MsgType == "status" {
				var s struct {
					State string `json:"execution_state"`
				}
				json.Unmarshal(m.Msg.Content, &s)
				switch s.State {
				case "busy":
					r.Busy = m.At
				case "idle":
					r.Idle = m.At
				}
			}
		case <-t.C:
			if exited {
				return fmt.Errorf("execute %q: %w", abbrev(r.Code), ErrExited)
			}
			return fmt.Errorf("execute %q: %w after %v (reply: %v, idle: %v)",
				abbrev(r.Code), ErrTimeout, timeout, r.Reply.Msg != nil, !r.Idle.IsZero())
		case <-ctx.Done():
			return ctx.Err()
		case <-gone:
			gone, exited = nil, true
			t.Reset(exitGrace)
		}
	}
	return nil
}

// Execute runs code and returns once its reply and idle status arrived.
func (c *Client) Execute(ctx context.Context, code string, timeout time.Duration) (*Run, error) {
	r, err := c.Start(code)
	if err != nil {
		return nil, err
	}
	return r, c.Await(ctx, r, (*Run).Done, timeout)
}

// MustOK is Execute that also fails on an error reply.
func (c *Client) MustOK(ctx context.Context, code string, timeout time.Duration) (*Run, error) {
	r, err := c.Execute(ctx, code, timeout)
	if err != nil {
		return r, err
	}
	if st := r.Status(); st != "ok" {
		return r, fmt.Errorf("execute %q: status %s: %s", abbrev(code), st, r.Error())
	}
	return r, nil
}

// Shutdown sends shutdown_request on control and waits for its reply.
func (c *Client) Shutdown(ctx context.Context, restart bool, timeout time.Duration) (time.Time, error) {
	id, at, err := c.Send(Control, "shutdown_request", map[string]any{"restart": restart})
	if err != nil {
		return at, err
	}
	_, err = c.Reply(ctx, Control, id, timeout)
	return at, err
}

func abbrev(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
