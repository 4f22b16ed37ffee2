// Package frameguard is the zmq4 transport the kernel's sockets listen on.
// It follows the ZMTP framing of what passes through a connection, both
// ways, for two reasons.
//
// Reading, it is a guard: zmq4 allocates each incoming frame at the size its
// header claims, before anything is authenticated, so nine bytes claiming a
// terabyte would make the kernel die of "out of memory". A connection whose
// frame header claims more than maxFrame is closed. It also reads ahead into
// a buffer: zmq4 reads a frame's header and body with separate reads, two or
// three system calls per frame, which the buffer turns into about one per
// message.
//
// Writing, it coalesces: zmq4 writes a frame's header and its body with
// separate writes, and a ROUTER socket (shell, control, stdin) writes each
// frame of a message on its own, so a Jupyter reply of six frames cost
// twelve write(2) calls, each a TCP segment. The transport holds the writes
// of a message until its last frame is complete, and then writes them with
// one call.
package frameguard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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

// guarded is a zmq4 transport over tcp or unix sockets whose connections,
// accepted or dialed, are frame-guarded.
type guarded struct{ network string }

func (g guarded) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := d.DialContext(ctx, g.network, addr)
	if err != nil {
		return nil, err
	}
	return newFrameGuard(c), nil
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
	return newFrameGuard(c), nil
}

// ZMTP 3 framing: a 64-byte greeting, then frames of a flags byte, a size
// (1 byte, or 8 big-endian bytes when flags has the long bit) and a body.
// A message is the frames up to one without the more bit; a command is a
// frame (with the command bit) and no more bit.
const (
	zmtpGreeting = 64
	zmtpMoreFlag = 0x01
	zmtpLongFlag = 0x02
)

// Buffer sizes: readAhead is what one read(2) asks for; a write of more
// than coalesceMax (with what is held) goes out at once, as a writev(2) of
// what was held and the caller's bytes, so a large frame is never copied.
const (
	readAhead   = 16 << 10
	coalesceMax = 64 << 10
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

// zmtpScanner follows ZMTP framing over a stream that it is given in pieces
// of any size.
type zmtpScanner struct {
	state guardState
	left  uint64 // bytes left in the greeting or body; size bytes left in inSize
	size  [8]byte
	have  int
	flags byte
}

func newScanner() zmtpScanner { return zmtpScanner{state: inGreeting, left: zmtpGreeting} }

// scan advances the framing state over b. It returns the offset in b just
// past the last boundary it crossed (the end of the greeting, or of the last
// frame of a message or command), or -1 when b crosses none; and an error
// when a frame header announces more than limit bytes.
func (z *zmtpScanner) scan(b []byte, limit uint64) (end int, err error) {
	end = -1
	off := 0
	for off < len(b) {
		switch z.state {
		case inGreeting, inBody:
			skip := min(uint64(len(b)-off), z.left)
			off += int(skip)
			z.left -= skip
			if z.left == 0 {
				if z.state == inGreeting || z.flags&zmtpMoreFlag == 0 {
					end = off
				}
				z.state = inFlags
			}
		case inFlags:
			z.flags = b[off]
			z.have, z.left = 0, 1
			if z.flags&zmtpLongFlag != 0 {
				z.left = 8
			}
			z.state = inSize
			off++
		case inSize:
			z.size[z.have] = b[off]
			z.have++
			off++
			if z.left--; z.left > 0 {
				continue
			}
			size := uint64(z.size[0])
			if z.flags&zmtpLongFlag != 0 {
				size = binary.BigEndian.Uint64(z.size[:])
			}
			if size > limit {
				return end, fmt.Errorf("%w: a peer announced %d bytes (the limit is %d)", errFrameTooLarge, size, limit)
			}
			z.state, z.left = inBody, size
			if size == 0 {
				if z.flags&zmtpMoreFlag == 0 {
					end = off
				}
				z.state = inFlags
			}
		}
	}
	return end, nil
}

// frameGuard is a connection that follows the ZMTP framing of what it reads
// and writes. zmq4 reads a connection from one goroutine at a time; writes
// are serialized by wmu, so that each Write stays whole.
type frameGuard struct {
	net.Conn

	in   zmtpScanner
	rbuf []byte // read ahead: rbuf[rpos:] is scanned, not yet returned
	rpos int
	rerr error // the error that came with the last read ahead

	wmu  sync.Mutex
	out  zmtpScanner
	wbuf []byte // the written part of a message not yet complete
}

func newFrameGuard(c net.Conn) *frameGuard {
	return &frameGuard{Conn: c, in: newScanner(), out: newScanner()}
}

func (g *frameGuard) Read(p []byte) (int, error) {
	if g.rpos == len(g.rbuf) {
		if g.rerr != nil {
			err := g.rerr
			g.rerr = nil
			return 0, err
		}
		if len(p) >= readAhead { // as large as the buffer: read into p
			return g.readScanned(p)
		}
		if g.rbuf == nil {
			g.rbuf = make([]byte, 0, readAhead)
		}
		n, err := g.readScanned(g.rbuf[:readAhead])
		g.rbuf, g.rpos = g.rbuf[:n], 0
		if n == 0 {
			return 0, err
		}
		g.rerr = err
	}
	n := copy(p, g.rbuf[g.rpos:])
	g.rpos += n
	return n, nil
}

// readScanned reads into p and scans what came, closing the connection when
// it announces an oversized frame.
func (g *frameGuard) readScanned(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if n > 0 {
		if _, gerr := g.in.scan(p[:n], maxFrame); gerr != nil {
			g.Conn.Close()
			return 0, gerr
		}
	}
	return n, err
}

// Write holds p until the message it belongs to is complete, then writes
// all of it in one call. The bytes of a message that is still incomplete
// are written at once when they pass coalesceMax.
func (g *frameGuard) Write(p []byte) (int, error) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	end, _ := g.out.scan(p, math.MaxUint64)
	var err error
	switch {
	case end >= 0:
		err = g.flush(p[:end])
		g.wbuf = append(g.wbuf, p[end:]...)
	case len(g.wbuf)+len(p) > coalesceMax:
		err = g.flush(p)
	default:
		g.wbuf = append(g.wbuf, p...)
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes what is held followed by tail, in one system call, and holds
// nothing after.
func (g *frameGuard) flush(tail []byte) error {
	var err error
	switch {
	case len(g.wbuf) == 0:
		_, err = g.Conn.Write(tail)
	case len(g.wbuf)+len(tail) <= coalesceMax:
		g.wbuf = append(g.wbuf, tail...)
		_, err = g.Conn.Write(g.wbuf)
	default: // a large frame: no copy
		bufs := net.Buffers{g.wbuf, tail}
		_, err = bufs.WriteTo(g.Conn)
	}
	g.wbuf = g.wbuf[:0]
	if cap(g.wbuf) > 2*coalesceMax {
		g.wbuf = nil
	}
	return err
}
