// Package jupyter is the Jupyter side of gokernel: it owns the ZeroMQ sockets
// of a connection file, routes each message by the table in routes.go,
// publishes on iopub, and runs cells in the worker process through a
// [supervisor.Supervisor]. It never runs user code, and never imports the
// interpreter.
//
// Goroutines of a running kernel, and who ends them:
//
//	Run ─┬─ heartbeat      echo loop; ends when Run closes the hb socket
//	     ├─ recv(shell)    socket → shellQ; ends when Run closes the socket
//	     ├─ serveShell     shellQ → its routes, in order; ends when shellQ closes
//	     │    └─ executeCells  execute requests, one cell at a time (so Tab
//	     │                     is answered while a cell runs); ends with serveShell
//	     ├─ serveControl   control socket → its routes, in order, through a
//	     │                 recv of its own; ends when the socket closes
//	     ├─ serveStdin     stdin socket → the cell waiting for input, through a
//	     │                 recv of its own; ends when the socket closes
//	     └─ Supervisor     worker process, its pipe readers and memory watch;
//	                       Close ends them
//
// Every request on shell and control is answered between a busy and an idle
// status on iopub, in the order it arrived on its socket, except that cells
// wait for each other only: the shell answers what came after a cell while
// the cell runs. Run cancels its context when a shutdown request
// arrives or the caller cancels; it then closes the sockets and the
// supervisor and returns after every goroutine above has exited.
package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"

	"github.com/gokernel/gokernel/jupyter/frameguard"
	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/lang/completion"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/workerproto"
)

// Config is what a kernel needs to run.
type Config struct {
	Conn    wire.ConnectionInfo
	Worker  supervisor.WorkerCommand
	Log     *slog.Logger
	Version string // the gokernel version, for kernel_info
}

// Kernel serves one connection file.
type Kernel struct {
	cfg     Config
	log     *slog.Logger
	signer  *wire.Signer
	session string

	shell, control, stdin, iopub, hb zmq4.Socket
	iopubMu                          sync.Mutex

	sup       *supervisor.Supervisor
	completer *completion.Engine

	mu         sync.Mutex
	count      int                // execution count, as IPython counts
	outParent  *wire.Message      // parent of published output: the cell running or last run
	past       []historyEntry     // this session's cells, for history requests
	inputWait  chan *wire.Message // input replies, while a cell waits for one
	cancel     context.CancelFunc
	stdinMu    sync.Mutex // one input request at a time
	intMu      sync.Mutex // orders interrupts and arriving cells; before the supervisor's lock
	late       *lateInterrupt
	unknownLog sync.Map // kinds of bad input already logged
	replays    *replayGuard

	// abortCells is set by a cell that failed and stops on error; the cell
	// executor then aborts the cells queued behind it. Only the executor's
	// goroutine touches it.
	abortCells bool
}

type historyEntry struct {
	line   int
	input  string
	output string // the result's text, if the cell had one
}

// recordOutput remembers the result of cell count for history requests.
func (k *Kernel) recordOutput(count int, text string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.past); n > 0 && k.past[n-1].line == count {
		k.past[n-1].output = text
	}
}

// New returns a kernel for cfg; Run serves it.
func New(cfg Config) (*Kernel, error) {
	if err := cfg.Conn.Validate(); err != nil {
		return nil, err
	}
	signer, err := wire.NewSigner(cfg.Conn.SignatureScheme, cfg.Conn.Key)
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	k := &Kernel{
		cfg:       cfg,
		log:       cfg.Log,
		signer:    signer,
		session:   uuid.NewString(),
		inputWait: make(chan *wire.Message, 1),
		replays:   newReplayGuard(replayMemory),
		completer: completion.New(),
	}
	k.sup = supervisor.New(cfg.Worker, cfg.Log.With("component", "supervisor"), k.publishStream, k.publishDisplay)
	return k, nil
}

// Run binds the sockets and serves until ctx is cancelled or a client asks
// the kernel to shut down.
func (k *Kernel) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k.mu.Lock()
	k.cancel = cancel
	k.mu.Unlock()

	if err := k.bind(ctx); err != nil {
		k.closeSockets()
		return err
	}
	// The worker starts while clients connect: kernel_info doesn't wait for it.
	if err := k.sup.Start(); err != nil {
		k.closeSockets()
		return err
	}

	var wg sync.WaitGroup
	shellQ := make(chan *wire.Message, 64)
	wg.Add(5)
	go func() { defer wg.Done(); k.heartbeat() }()                                // ends when hb closes
	go func() { defer wg.Done(); defer close(shellQ); k.recv(k.shell, shellQ) }() // ends when shell closes
	go func() { defer wg.Done(); k.serveShell(ctx, shellQ) }()                    // ends when shellQ closes
	go func() { defer wg.Done(); k.serveControl(ctx) }()                          // ends when control closes
	go func() { defer wg.Done(); k.serveStdin(ctx) }()                            // ends when stdin closes

	<-ctx.Done()
	k.sup.Interrupt()
	k.closeSockets()
	k.sup.Close()
	wg.Wait()
	return nil
}

func (k *Kernel) bind(ctx context.Context) error {
	c := k.cfg.Conn
	if c.Transport == "ipc" {
		// ipc socket files are private to the user.
		old := syscall.Umask(0o077)
		defer syscall.Umask(old)
	}
	if err := frameguard.Register(); err != nil {
		return fmt.Errorf("register the guarded transports: %w", err)
	}
	k.shell = zmq4.NewRouter(ctx, zmq4.WithTimeout(5*time.Second))
	k.control = zmq4.NewRouter(ctx, zmq4.WithTimeout(5*time.Second))
	k.stdin = zmq4.NewRouter(ctx, zmq4.WithTimeout(5*time.Second))
	k.iopub = zmq4.NewPub(ctx, zmq4.WithTimeout(5*time.Second))
	k.hb = zmq4.NewRep(ctx)
	if err := k.iopub.SetOption(zmq4.OptionHWM, 100_000); err != nil {
		return fmt.Errorf("iopub: %w", err)
	}
	for _, s := range []struct {
		name string
		sock zmq4.Socket
		port int
	}{
		{"shell", k.shell, c.ShellPort},
		{"control", k.control, c.ControlPort},
		{"stdin", k.stdin, c.StdinPort},
		{"iopub", k.iopub, c.IOPubPort},
		{"heartbeat", k.hb, c.HBPort},
	} {
		if err := s.sock.Listen(frameguard.Endpoint(c.Endpoint(s.port))); err != nil {
			return fmt.Errorf("bind %s on %s: %w", s.name, c.Endpoint(s.port), err)
		}
	}
	k.log.Info("kernel listening", "conn", c.String(), "session", k.session)
	return nil
}

func (k *Kernel) closeSockets() {
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

// heartbeat echoes every ping.
func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			return
		}
		if err := k.hb.Send(msg); err != nil {
			k.log.Debug("heartbeat send", "err", err)
		}
	}
}

// recv decodes messages from a socket until it closes. Bad messages are
// logged and dropped: they are never answered.
func (k *Kernel) recv(sock zmq4.Socket, out chan<- *wire.Message) {
	for {
		zm, err := sock.Recv()
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				k.log.Debug("recv", "socket", sock.Type(), "err", err)
			}
			return
		}
		m, err := wire.Decode(zm.Frames, k.signer)
		if err != nil {
			k.logOnce("drop:"+dropKind(err), "dropped a message", "socket", sock.Type(), "err", err)
			continue
		}
		if !k.replays.fresh(m.Signature) {
			k.logOnce("drop:replay", "dropped a replayed message", "socket", sock.Type(), "type", m.Header.MsgType)
			continue
		}
		if sock == k.shell && m.Header.MsgType == "execute_request" {
			// From here on an interrupt stops this cell, even before it runs.
			k.cellArrived(m)
		}
		out <- m
	}
}

func dropKind(err error) string {
	for _, e := range []error{wire.ErrBadSignature, wire.ErrNoDelimiter, wire.ErrShortMessage, wire.ErrMalformed} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "other"
}

// logOnce logs a warning the first time key is seen, so a flood of bad
// input can't flood the log.
func (k *Kernel) logOnce(key, msg string, args ...any) {
	if _, seen := k.unknownLog.LoadOrStore(key, true); !seen {
		k.log.Warn(msg, args...)
	}
}

// serveShell answers shell requests in order, except that cells run one
// after another on an executor of their own (see [routes]): Tab, Shift-Tab
// and the like are answered while a cell runs, from what the kernel knows.
func (k *Kernel) serveShell(ctx context.Context, q <-chan *wire.Message) {
	cells := make(chan *wire.Message, 256)
	done := make(chan struct{})
	go func() { defer close(done); k.executeCells(ctx, cells) }() // ends when cells closes
	for m := range q {
		r, ok := k.route("shell", m)
		switch {
		case !ok:
		case r.queue == cellExecutor:
			cells <- m
		default:
			k.wrap(ctx, k.shell, m, r.handle)
		}
	}
	close(cells)
	<-done
}

// executeCells runs the requests routed to the cell executor, in order.
// After a cell fails, the cells already queued behind it are aborted, unless
// the failed request said stop_on_error: false.
func (k *Kernel) executeCells(ctx context.Context, cells chan *wire.Message) {
	for m := range cells {
		r, _ := k.route("shell", m) // serveShell sent it here by its route
		k.wrap(ctx, k.shell, m, r.handle)
		if k.abortCells {
			k.abortCells = false
			k.abortQueued(ctx, cells)
		}
	}
}

// abortQueued answers the execute requests waiting in cells as aborted.
func (k *Kernel) abortQueued(ctx context.Context, cells chan *wire.Message) {
	for {
		select {
		case m, ok := <-cells:
			if !ok {
				return
			}
			k.wrap(ctx, k.shell, m, func(k *Kernel, _ context.Context, sock zmq4.Socket, m *wire.Message) {
				k.sup.Claim() // it won't run: an interrupt waiting for it has nothing to stop
				k.reply(sock, m, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.executionCount()})
			})
		default:
			return
		}
	}
}

func (k *Kernel) serveControl(ctx context.Context) {
	q := make(chan *wire.Message, 16)
	done := make(chan struct{})
	go func() { defer close(done); k.recv(k.control, q); close(q) }() // ends when control closes
	for m := range q {
		if r, ok := k.route("control", m); ok {
			k.wrap(ctx, k.control, m, r.handle)
		}
	}
	<-done
}

// serveStdin hands input replies to the cell waiting for one.
func (k *Kernel) serveStdin(ctx context.Context) {
	q := make(chan *wire.Message, 4)
	go func() { k.recv(k.stdin, q); close(q) }() // ends when stdin closes
	for m := range q {
		if r, ok := k.route("stdin", m); ok {
			r.handle(k, ctx, k.stdin, m)
		}
	}
}

// wrap runs h between busy and idle, and keeps a handler's bug from taking
// the session down: a request whose handler panicked before it replied gets
// an error reply saying so, so that no client waits for ever.
func (k *Kernel) wrap(ctx context.Context, sock zmq4.Socket, m *wire.Message, h handler) {
	k.publish(m, "status", map[string]string{"execution_state": "busy"})
	defer k.publish(m, "status", map[string]string{"execution_state": "idle"})
	rs := &replySocket{Socket: sock}
	defer func() {
		if r := recover(); r != nil {
			k.log.Error("handler panicked", "type", m.Header.MsgType, "panic", r, "stack", string(debug.Stack()))
			k.replyFailed(rs, m, r)
		}
	}()
	h(k, ctx, rs, m)
}

// replySocket is the socket a handler replies on, noting whether it did.
type replySocket struct {
	zmq4.Socket
	replied atomic.Bool
}

func (s *replySocket) Send(m zmq4.Msg) error { s.replied.Store(true); return s.Socket.Send(m) }
func (s *replySocket) SendMulti(m zmq4.Msg) error {
	s.replied.Store(true)
	return s.Socket.SendMulti(m)
}

// replyFailed answers a request whose handler panicked with r, unless the
// handler had replied already.
func (k *Kernel) replyFailed(sock *replySocket, m *wire.Message, r any) {
	base, isRequest := strings.CutSuffix(m.Header.MsgType, "_request")
	if !isRequest || sock.replied.Load() {
		return
	}
	msg := fmt.Sprintf("the kernel failed while answering %s: %v", m.Header.MsgType, r)
	tb := []string{"KernelError: " + msg, "This is a bug of gokernel; the kernel goes on serving. The kernel's log has the details."}
	content := map[string]any{"status": "error", "ename": "KernelError", "evalue": msg, "traceback": tb}
	if base == "execute" {
		content["execution_count"] = k.executionCount()
		k.publish(m, "error", map[string]any{"ename": "KernelError", "evalue": msg, "traceback": tb})
	}
	k.reply(sock, m, base+"_reply", content)
}

// reply sends a reply to m on sock.
func (k *Kernel) reply(sock zmq4.Socket, m *wire.Message, msgType string, content any) {
	r, err := wire.NewMessage(m, msgType, k.session, content)
	if err != nil {
		k.log.Error("encode reply", "type", msgType, "err", err)
		return
	}
	k.send(sock, r)
}

func (k *Kernel) send(sock zmq4.Socket, m *wire.Message) {
	frames, err := wire.Encode(m, k.signer)
	if err != nil {
		k.log.Error("encode", "type", m.Header.MsgType, "err", err)
		return
	}
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		if peerGone(err) {
			// A client that asked and left before the answer (jupyter_server's nudge does, at
			// every start): a ROUTER drops such a message, as libzmq's does.
			k.log.Debug("send to a peer that left", "type", m.Header.MsgType, "err", err)
			return
		}
		k.log.Warn("send", "type", m.Header.MsgType, "err", err)
	}
}

// peerGone reports whether err says the peer a message was for closed its connection.
func peerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// publish sends content on iopub with parent as its parent.
func (k *Kernel) publish(parent *wire.Message, msgType string, content any) {
	m, err := wire.NewMessage(parent, msgType, k.session, content)
	if err != nil {
		k.log.Error("encode", "type", msgType, "err", err)
		return
	}
	// iopub messages carry the message type as their topic.
	m.Identities = [][]byte{[]byte(msgType)}
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	k.send(k.iopub, m)
}

// publishStream publishes the user's output with the cell that is running,
// or the last one, as parent.
func (k *Kernel) publishStream(name, text string) {
	k.mu.Lock()
	parent := k.outParent
	k.mu.Unlock()
	k.publish(parent, "stream", map[string]string{"name": name, "text": text})
}

// publishDisplay shows a display made by a goroutine between cells, with
// the last cell as parent.
func (k *Kernel) publishDisplay(m *workerproto.Message) {
	k.mu.Lock()
	parent := k.outParent
	k.mu.Unlock()
	h := &cellHandler{k: k, parent: parent}
	switch m.Kind {
	case workerproto.KindDisplay:
		h.Display(m.Data, m.Metadata, m.DisplayID, m.Update)
	case workerproto.KindClear:
		h.Clear(m.Wait)
	}
}

func (k *Kernel) setOutParent(m *wire.Message) {
	k.mu.Lock()
	k.outParent = m
	k.mu.Unlock()
}

// stop ends Run.
func (k *Kernel) stop() {
	k.mu.Lock()
	cancel := k.cancel
	k.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// decode unmarshals a request's content into v and checks that the
// required fields are there. A failure is logged once per message type and
// returned for an error reply.
func (k *Kernel) decode(m *wire.Message, v any, required ...string) error {
	err := decodeContent(m.Content, v, required)
	if err != nil {
		k.logOnce("content:"+m.Header.MsgType, "malformed content", "type", m.Header.MsgType, "err", err)
	}
	return err
}

func decodeContent(raw []byte, v any, required []string) error {
	// Go's decoder would take invalid UTF-8 in a string as U+FFFD, and run a cell
	// that isn't what the client sent.
	if !utf8.Valid(raw) {
		return errors.New("content is not valid UTF-8")
	}
	if len(required) > 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return fmt.Errorf("content is not a JSON object: %w", err)
		}
		for _, f := range required {
			if _, ok := fields[f]; !ok {
				return fmt.Errorf("content has no %q", f)
			}
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	return nil
}

// replyError answers a request that can't be served.
func (k *Kernel) replyError(sock zmq4.Socket, m *wire.Message, replyType string, err error, extra map[string]any) {
	content := map[string]any{
		"status": "error", "ename": "BadRequest", "evalue": err.Error(),
		"traceback": []string{"BadRequest: " + err.Error()},
	}
	for key, v := range extra {
		content[key] = v
	}
	k.reply(sock, m, replyType, content)
}

// Interrupt stops the running cell, as an interrupt_request does.
func (k *Kernel) Interrupt() { k.interruptSentAt(time.Now()) }

// lateWindow is how long an interrupt that found no cell to stop waits for
// a cell sent before it.
const lateWindow = time.Second

// lateInterrupt is an interrupt that found no cell running or waiting. A
// client that sends a cell and then an interrupt sends them on different
// sockets, shell and control, so the cell can arrive last: a cell sent
// (by its header's date) shortly before the interrupt, arriving shortly
// after it, is the one it meant to stop.
type lateInterrupt struct {
	sent    time.Time // the interrupt's date
	arrived time.Time
}

// interruptSentAt stops the cell running or about to run, for an interrupt
// sent at sent; if there is none, a cell sent before it may still come.
func (k *Kernel) interruptSentAt(sent time.Time) {
	k.intMu.Lock()
	defer k.intMu.Unlock()
	k.late = nil
	if !k.sup.Interrupt() {
		k.late = &lateInterrupt{sent: sent, arrived: time.Now()}
	}
}

// cellArrived tells the supervisor a cell is coming, and stops it before it
// begins if it is what a late interrupt meant.
func (k *Kernel) cellArrived(m *wire.Message) {
	k.intMu.Lock()
	defer k.intMu.Unlock()
	k.sup.Expect()
	late := k.late
	if late == nil {
		return
	}
	k.late = nil
	sent, err := time.Parse(time.RFC3339Nano, m.Header.Date)
	if err == nil && time.Since(late.arrived) < lateWindow && !sent.After(late.sent) && late.sent.Sub(sent) < lateWindow {
		k.sup.Interrupt()
	}
}
