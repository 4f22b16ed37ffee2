package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gokernel/gokernel/workerproto"
)

// input is the cells' stdin. A read with nothing buffered asks the kernel for
// a line (an input_request to the front end) and waits for the reply, the
// cell's interrupt, or the cell's end.
type input struct {
	send    func(*workerproto.Message) error // an event to the kernel, after the output so far
	replies chan *workerproto.Message

	mu      sync.Mutex
	ctx     context.Context // the running cell's; nil between cells
	id      uint64
	allowed bool
	buf     []byte
}

func newInput(send func(*workerproto.Message) error) *input {
	return &input{send: send, replies: make(chan *workerproto.Message, 1)}
}

// ErrNoStdin is what a read of stdin returns when the front end doesn't
// take input.
var ErrNoStdin = errors.New("stdin: this front end does not accept input for this cell (allow_stdin is false)")

var errNoCell = errors.New("stdin: no cell is running to ask for input (a goroutine of an earlier cell read stdin)")

func (in *input) begin(ctx context.Context, id uint64, allowed bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ctx, in.id, in.allowed = ctx, id, allowed
	in.buf = nil
}

func (in *input) end() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ctx = nil
}

func (in *input) reply(m *workerproto.Message) {
	select {
	case in.replies <- m:
	default: // nobody asked: drop it
	}
}

// Read implements io.Reader.
func (in *input) Read(p []byte) (int, error) { return in.read(nil, p) }

// line asks for a line, as a read with nothing buffered does, and gives up when ctx ends too:
// the input of a compiled cell's program, which asks for each line it waits for.
func (in *input) line(ctx context.Context) (string, error) {
	var b []byte
	buf := make([]byte, 4096)
	for {
		n, err := in.read(ctx.Done(), buf)
		b = append(b, buf[:n]...)
		if err != nil {
			return "", err
		}
		if n > 0 && b[len(b)-1] == '\n' {
			return string(b[:len(b)-1]), nil
		}
	}
}

// read reads, asking the kernel for a line when nothing is buffered; it gives up when the cell
// ends or stop is closed.
func (in *input) read(stop <-chan struct{}, p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.buf) > 0 {
		n := copy(p, in.buf)
		in.buf = in.buf[n:]
		return n, nil
	}
	if in.ctx == nil {
		return 0, errNoCell
	}
	if !in.allowed {
		return 0, ErrNoStdin
	}
	ctx, id := in.ctx, in.id
	// Drop a reply left over from an interrupted request.
	select {
	case <-in.replies:
	default:
	}
	if err := in.send(&workerproto.Message{Kind: workerproto.KindInputRequest, ID: id}); err != nil {
		return 0, fmt.Errorf("stdin: %w", err)
	}
	// Hold the lock while waiting: other readers queue behind this line.
	select {
	case m := <-in.replies:
		if m.Error != nil {
			return 0, fmt.Errorf("stdin: %s", m.Error.Value)
		}
		in.buf = append([]byte(m.Value), '\n')
		n := copy(p, in.buf)
		in.buf = in.buf[n:]
		return n, nil
	case <-ctx.Done():
		return 0, errors.New("stdin: the cell was interrupted while waiting for input")
	case <-stop:
		return 0, errors.New("stdin: the program no longer waits for input")
	}
}
