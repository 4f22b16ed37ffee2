package jupyter

import (
	"context"
	"slices"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/jupyter/wire"
)

// routes is every message the kernel answers, by msg_type, with the queue it
// waits in. A message of another type, or one that came on a socket its
// queue isn't fed from, is logged once per type and dropped.
var routes = map[string]route{
	// Cells: one at a time, in order, on the cell executor. A cell that
	// fails aborts the cells queued behind it, unless it said
	// stop_on_error: false.
	"execute_request": {cellExecutor, (*Kernel).execute},

	// Answered at once, in order, by the socket's own goroutine: on shell
	// while a cell runs (Tab, Shift-Tab), on control even while the shell
	// is busy (interrupt, shutdown).
	"kernel_info_request": {inOrder, (*Kernel).kernelInfo},
	"is_complete_request": {inOrder, (*Kernel).isComplete},
	"complete_request":    {inOrder, (*Kernel).complete},
	"inspect_request":     {inOrder, (*Kernel).inspect},
	"history_request":     {inOrder, (*Kernel).history},
	"comm_info_request":   {inOrder, (*Kernel).commInfo},
	"comm_open":           {inOrder, (*Kernel).commOpen},
	"comm_msg":            {inOrder, ignore},
	"comm_close":          {inOrder, ignore},
	"shutdown_request":    {inOrder, (*Kernel).shutdown},
	"interrupt_request":   {inOrder, (*Kernel).interrupt},

	// The answer to a cell's input request, handed to the cell that waits.
	"input_reply": {stdinReply, (*Kernel).inputReply},
}

// A route is how the kernel serves one type of message.
type route struct {
	queue  queue
	handle handler
}

// A handler serves one message that came on sock.
type handler func(k *Kernel, ctx context.Context, sock zmq4.Socket, m *wire.Message)

// A queue is where a message waits its turn. Messages on inOrder and
// cellExecutor run between a busy and an idle status on iopub, with the
// message as their parent (see [Kernel.wrap]); an input reply doesn't, as it
// is part of the cell that asked for it.
type queue int

const (
	inOrder      queue = iota // on shell or control, by the socket's goroutine, in arrival order
	cellExecutor              // on shell; run by the cell executor, which the shell doesn't wait for
	stdinReply                // on stdin; handed to the cell waiting for input
)

// sockets names the queues each socket feeds.
var sockets = map[string][]queue{
	"shell":   {inOrder, cellExecutor},
	"control": {inOrder},
	"stdin":   {stdinReply},
}

// route looks up the route of m, which came on the socket named socket. A
// message the socket doesn't serve is logged once per type and dropped.
func (k *Kernel) route(socket string, m *wire.Message) (route, bool) {
	t := m.Header.MsgType
	r, ok := routes[t]
	if ok && slices.Contains(sockets[socket], r.queue) {
		return r, true
	}
	if socket == "stdin" {
		k.logOnce("stdin:"+t, "unexpected message on stdin", "type", t)
	} else {
		k.logOnce("type:"+t, "unknown message type", "type", t)
	}
	return route{}, false
}

// ignore is the handler of messages the kernel takes and has nothing to say
// to (comm messages: it has no comm targets).
func ignore(*Kernel, context.Context, zmq4.Socket, *wire.Message) {}
