// Package frameguard is the zmq4 transport the kernel's sockets listen on.
//
// zmq4 allocates each incoming frame at the size its header claims, before
// anything is authenticated: nine bytes claiming a terabyte would make the
// kernel die of "out of memory". The kernel's sockets therefore listen
// through a transport that reads the ZMTP framing as it passes and closes a
// connection whose frame header claims more than maxFrame.
package frameguard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// maxFrame bounds one ZeroMQ frame a peer may send: far more than any
// notebook message (a cell, a file pasted into one), far less than memory.
const maxFrame = 256 << 20

// Register registers the guarded transports with zmq4, which keeps
// transports in a registry of its own, by scheme: ours are "gokernel+tcp" and
// "gokernel+ipc". Only the first call registers; every call returns its error.
var Register = sync.OnceValue(func() error {
	return errors.Join(
		zmq4.RegisterTransport(guardedScheme("tcp"), guarded{network: "tcp"}),
		zmq4.RegisterTransport(guardedScheme("ipc"), guarded{network: "unix"}),
	)
})

func guardedScheme(transport string) string { return "gokernel+" + transport }

// Endpoint turns "tcp://127.0.0.1:5555" into the same address on the
// guarded transport.
func Endpoint(ep string) string {
	scheme, rest, ok := strings.Cut(ep, "://")
	if !ok {
		return ep
	}
	return guardedScheme(scheme) + "://" + rest
}

// guarded is a zmq4 transport over tcp or unix sockets whose accepted
// connections are frame-guarded.
type guarded struct{ network string }

func (g guarded) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	return d.DialContext(ctx, g.network, addr)
}

func (g guarded) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := net.Listen(g.network, addr)
	if err != nil {
		return nil, err
	}
	return guardedListener{l}, nil
}

func (g guarded) Addr(ep string) (string, error) { return transport.New(g.network).Addr(ep) }

type guardedListener struct{ net.Listener }

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &frameGuard{Conn: c, left: zmtpGreeting}, nil
}

// ZMTP 3 framing: a 64-byte greeting, then frames of a flags byte, a size
// (1 byte, or 8 big-endian bytes when flags has the long bit) and a body.
const (
	zmtpGreeting = 64
	zmtpLongFlag = 0x02
)

type guardState int

const (
	inGreeting guardState = iota
	inFlags
	inSize
	inBody
)

// errFrameTooLarge closes a connection that announced an oversized frame.
var errFrameTooLarge = errors.New("zmtp frame too large")

// frameGuard is a connection that follows the ZMTP framing of what it reads.
type frameGuard struct {
	net.Conn
	state guardState
	left  uint64 // bytes left in the greeting or body; size bytes left in inSize
	size  [8]byte
	have  int
	long  bool
}

func (g *frameGuard) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if n > 0 {
		if gerr := g.scan(p[:n]); gerr != nil {
			g.Conn.Close()
			return 0, gerr
		}
	}
	return n, err
}

// scan advances the framing state over b.
func (g *frameGuard) scan(b []byte) error {
	for len(b) > 0 {
		switch g.state {
		case inGreeting, inBody:
			skip := min(uint64(len(b)), g.left)
			b = b[skip:]
			g.left -= skip
			if g.left == 0 {
				g.state = inFlags
			}
		case inFlags:
			g.long = b[0]&zmtpLongFlag != 0
			g.have, g.left = 0, 1
			if g.long {
				g.left = 8
			}
			g.state = inSize
			b = b[1:]
		case inSize:
			g.size[g.have] = b[0]
			g.have++
			b = b[1:]
			if g.left--; g.left > 0 {
				continue
			}
			size := uint64(g.size[0])
			if g.long {
				size = binary.BigEndian.Uint64(g.size[:])
			}
			if size > maxFrame {
				return fmt.Errorf("%w: a peer announced %d bytes (the limit is %d)", errFrameTooLarge, size, maxFrame)
			}
			g.state, g.left = inBody, size
			if size == 0 {
				g.state = inFlags
			}
		}
	}
	return nil
}
