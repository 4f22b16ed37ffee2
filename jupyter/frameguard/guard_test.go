package frameguard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// frame is one ZMTP frame of a test stream.
type frame struct {
	size uint64
	more bool // not the last frame of its message
	cmd  bool
}

// zmtpStream is a greeting and frames, with the offset of every message
// boundary in it (the greeting's end, each last frame's end). Bodies are
// filled with a pattern, up to 1 MiB: a larger announced size is for
// headers that must be refused.
func zmtpStream(frames ...frame) (stream []byte, boundaries []int) {
	b := make([]byte, zmtpGreeting)
	for i := range b {
		b[i] = byte(i)
	}
	boundaries = append(boundaries, len(b))
	for i, f := range frames {
		var flags byte
		if f.more {
			flags |= zmtpMoreFlag
		}
		if f.cmd {
			flags |= 0x04
		}
		if f.size < 256 {
			b = append(b, flags, byte(f.size))
		} else {
			b = append(b, flags|zmtpLongFlag)
			b = binary.BigEndian.AppendUint64(b, f.size)
		}
		for j := range min(f.size, 1<<20) {
			b = append(b, byte(i+int(j)))
		}
		if !f.more {
			boundaries = append(boundaries, len(b))
		}
	}
	return b, boundaries
}

// sizes are the frame sizes around every edge of the framing: empty, the
// largest short size, the smallest long one, one past the coalescing limit.
var sizes = []uint64{0, 1, 255, 256, 1000, coalesceMax + 1}

// messages is a stream of Jupyter-like messages and commands over sizes.
func messages() []frame {
	fs := []frame{{size: 40, cmd: true}} // READY
	for _, n := range sizes {
		fs = append(fs, frame{size: 36, more: true}, frame{size: 9, more: true}, frame{size: n, more: true}, frame{size: 2})
		fs = append(fs, frame{size: n}) // a message of one frame
	}
	return fs
}

// scanAll feeds stream to a scanner in pieces cut at cuts and returns the
// boundaries it reported, as offsets in stream.
func scanAll(t *testing.T, stream []byte, cuts []int) []int {
	t.Helper()
	z := newScanner()
	var got []int
	start := 0
	for _, c := range append(cuts, len(stream)) {
		end, err := z.scan(stream[start:c], maxFrame)
		if err != nil {
			t.Fatalf("cuts %v: %v", cuts, err)
		}
		if end >= 0 {
			got = append(got, start+end)
		}
		start = c
	}
	return got
}

func TestScannerFindsEveryBoundary(t *testing.T) {
	stream, want := zmtpStream(messages()...)
	// One byte at a time: every boundary is the last of its piece.
	var cuts []int
	for i := 1; i < len(stream); i++ {
		cuts = append(cuts, i)
	}
	if got := scanAll(t, stream, cuts); !slices.Equal(got, want) {
		t.Fatalf("byte by byte: boundaries %v, want %v", got, want)
	}
	// Cut at, just before and just after every boundary and header byte.
	small, wantSmall := zmtpStream(frame{size: 3, more: true}, frame{size: 300}, frame{size: 0}, frame{size: 1, more: true}, frame{size: 0})
	for cut := 0; cut <= len(small); cut++ {
		got := scanAll(t, small, []int{cut})
		// Each piece reports its last boundary.
		var want []int
		if i := lastAtOrBefore(wantSmall, cut); i >= 0 && cut > 0 {
			want = append(want, wantSmall[i])
		}
		if wantSmall[len(wantSmall)-1] > cut {
			want = append(want, wantSmall[len(wantSmall)-1])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("cut at %d: boundaries %v, want %v", cut, got, want)
		}
	}
}

func lastAtOrBefore(offsets []int, n int) int {
	i := -1
	for j, o := range offsets {
		if o <= n {
			i = j
		}
	}
	return i
}

func TestScannerRefusesOversizedFrames(t *testing.T) {
	tests := []struct {
		name    string
		stream  []byte
		wantErr bool
	}{
		{"greeting only", first(zmtpStream()), false},
		{"small frames", first(zmtpStream(frame{size: 0}, frame{size: 5}, frame{size: 255})), false},
		{"long frame within the limit", first(zmtpStream(frame{size: 300}, frame{size: 1 << 20})), false},
		{"a terabyte announced", first(zmtpStream(frame{size: 1 << 40}))[:zmtpGreeting+9], true},
		{"just over the limit", first(zmtpStream(frame{size: maxFrame + 1}))[:zmtpGreeting+9], true},
		{"the limit itself", first(zmtpStream(frame{size: maxFrame}))[:zmtpGreeting+9], false},
	}
	for _, tt := range tests {
		// Every way of cutting the stream into two reads.
		for cut := 0; cut <= len(tt.stream); cut += 1 + len(tt.stream)/50 {
			z := newScanner()
			_, err := z.scan(tt.stream[:cut], maxFrame)
			if err == nil {
				_, err = z.scan(tt.stream[cut:], maxFrame)
			}
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errFrameTooLarge)) {
				t.Fatalf("%s, cut at %d: err = %v, want error %v", tt.name, cut, err, tt.wantErr)
			}
		}
	}
}

func first(b []byte, _ []int) []byte { return b }

// recordingConn is the network side of a frameGuard: it records each write
// and serves reads from chunks, one chunk per Read at most.
type recordingConn struct {
	net.Conn // nil: only the methods below are used

	mu     sync.Mutex
	writes [][]byte
	chunks [][]byte
	closed bool
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func (c *recordingConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

func (c *recordingConn) Close() error { c.closed = true; return nil }

// zmq4Writes cuts stream the way zmq4 writes it: the greeting, then each
// frame's header and its body.
func zmq4Writes(stream []byte) [][]byte {
	ws := [][]byte{stream[:zmtpGreeting]}
	for off := zmtpGreeting; off < len(stream); {
		h := 2
		size := uint64(stream[off+1])
		if stream[off]&zmtpLongFlag != 0 {
			h = 9
			size = binary.BigEndian.Uint64(stream[off+1:])
		}
		ws = append(ws, stream[off:off+h])
		off += h
		if size > 0 {
			ws = append(ws, stream[off:off+int(size)])
			off += int(size)
		}
	}
	return ws
}

// checkWrites checks that what reached the connection is stream, and that
// each write ended at a message boundary, or at the start or end of a frame
// larger than coalesceMax (which goes out as a writev(2) of what was held
// and the frame, two writes on a connection without writev).
func checkWrites(t *testing.T, how string, c *recordingConn, stream []byte, boundaries []int) {
	t.Helper()
	if got := bytes.Join(c.writes, nil); !bytes.Equal(got, stream) {
		t.Fatalf("%s: the connection got %d bytes, not the %d written (or not in order)", how, len(got), len(stream))
	}
	allowed := slices.Clone(boundaries)
	off := 0
	for _, w := range zmq4Writes(stream) {
		if len(w) > coalesceMax {
			allowed = append(allowed, off, off+len(w))
		}
		off += len(w)
	}
	off = 0
	for i, w := range c.writes {
		off += len(w)
		if !slices.Contains(allowed, off) {
			t.Fatalf("%s: write %d of %d bytes ends at %d, inside a message", how, i, len(w), off)
		}
	}
}

func TestWriteCoalescesEachMessage(t *testing.T) {
	// As zmq4 writes: one write per message and command.
	var small []frame
	for _, f := range messages() {
		if f.size <= coalesceMax {
			small = append(small, f)
		}
	}
	for _, tt := range []struct {
		name   string
		frames []frame
		large  int // frames larger than coalesceMax
	}{
		{"small frames", small, 0},
		{"with large frames", messages(), 2},
	} {
		stream, boundaries := zmtpStream(tt.frames...)
		c := &recordingConn{}
		g := newFrameGuard(c)
		for _, w := range zmq4Writes(stream) {
			if n, err := g.Write(w); n != len(w) || err != nil {
				t.Fatalf("%s: Write(%d bytes) = %d, %v", tt.name, len(w), n, err)
			}
		}
		checkWrites(t, tt.name, c, stream, boundaries)
		// A large frame costs one more write (two without writev).
		if max := len(boundaries) + 2*tt.large; len(c.writes) < len(boundaries) || len(c.writes) > max {
			t.Errorf("%s: %d writes for %d messages, want %d to %d", tt.name, len(c.writes), len(boundaries), len(boundaries), max)
		}
	}

	// Any split: cut the stream into two writes at every offset.
	stream, boundaries := zmtpStream(frame{size: 40, cmd: true}, frame{size: 3, more: true}, frame{size: 256, more: true}, frame{size: 0},
		frame{size: 255}, frame{size: 1, more: true}, frame{size: 0})
	for cut := 0; cut <= len(stream); cut++ {
		c := &recordingConn{}
		g := newFrameGuard(c)
		g.Write(stream[:cut])
		g.Write(stream[cut:])
		how := fmt.Sprintf("cut at %d", cut)
		checkWrites(t, how, c, stream, boundaries)
		if len(c.writes) > 2 {
			t.Fatalf("%s: %d writes, want at most 2", how, len(c.writes))
		}
	}
}

func TestWriteOfAnIncompleteMessageIsHeld(t *testing.T) {
	stream, _ := zmtpStream(frame{size: 10, more: true}, frame{size: 10})
	c := &recordingConn{}
	g := newFrameGuard(c)
	g.Write(stream[:len(stream)-1])
	if got := len(bytes.Join(c.writes, nil)); got != zmtpGreeting {
		t.Fatalf("before the message's last byte, %d bytes went out; want the greeting's %d", got, zmtpGreeting)
	}
	g.Write(stream[len(stream)-1:])
	if got := len(bytes.Join(c.writes, nil)); got != len(stream) {
		t.Fatalf("after the last byte, %d bytes went out, want %d", got, len(stream))
	}
}

func TestConcurrentWritersStayWhole(t *testing.T) {
	c := &recordingConn{}
	g := newFrameGuard(c)
	greeting, _ := zmtpStream()
	g.Write(greeting)
	const writers, each = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() { // ends after its messages
			defer wg.Done()
			for i := range each {
				msg := []byte{zmtpMoreFlag, 2, byte(w), byte(i), 0, 1, byte(w)}
				g.Write(msg)
			}
		}()
	}
	wg.Wait()
	if len(c.writes) != 1+writers*each {
		t.Fatalf("%d writes, want %d", len(c.writes), 1+writers*each)
	}
	for _, w := range c.writes[1:] {
		if len(w) != 7 || w[0] != zmtpMoreFlag || w[4] != 0 || w[2] != w[6] {
			t.Fatalf("a write interleaved two messages: % x", w)
		}
	}
}

func TestReadAheadReturnsTheStream(t *testing.T) {
	stream, _ := zmtpStream(messages()...)
	for _, chunk := range []int{1, 2, 7, 64, 1000, readAhead, len(stream)} {
		c := &recordingConn{}
		for off := 0; off < len(stream); off += chunk {
			c.chunks = append(c.chunks, stream[off:min(off+chunk, len(stream))])
		}
		g := newFrameGuard(c)
		// Read as zmq4 does: exactly what it needs, header then body.
		var got []byte
		for _, w := range zmq4Writes(stream) {
			p := make([]byte, len(w))
			if _, err := io.ReadFull(g, p); err != nil {
				t.Fatalf("chunks of %d: %v after %d bytes", chunk, err, len(got))
			}
			got = append(got, p...)
		}
		if !bytes.Equal(got, stream) {
			t.Fatalf("chunks of %d: read something else than was sent", chunk)
		}
		if _, err := g.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("chunks of %d: at the end, err = %v, want EOF", chunk, err)
		}
	}
}

func TestReadRefusesAnOversizedFrame(t *testing.T) {
	ok, _ := zmtpStream(frame{size: 10})
	bad, _ := zmtpStream(frame{size: 1 << 40})
	stream := append(ok, bad[zmtpGreeting:zmtpGreeting+9]...)
	for cut := 1; cut < len(stream); cut++ {
		c := &recordingConn{chunks: [][]byte{stream[:cut], stream[cut:]}}
		g := newFrameGuard(c)
		_, err := io.ReadAll(g)
		if !errors.Is(err, errFrameTooLarge) || !c.closed {
			t.Fatalf("cut at %d: err = %v, closed %v; want %v and the connection closed", cut, err, c.closed, errFrameTooLarge)
		}
	}
}

// TestOverZMQ4 sends messages of every size both ways between a ROUTER on
// the guarded transport and a DEALER on plain tcp, and publishes to a SUB.
func TestOverZMQ4(t *testing.T) {
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	router := zmq4.NewRouter(ctx)
	defer router.Close()
	if err := router.Listen("gokernel+tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	pub := zmq4.NewPub(ctx)
	defer pub.Close()
	if err := pub.Listen("gokernel+tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	dealer := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("d")))
	defer dealer.Close()
	if err := dealer.Dial("tcp://" + router.Addr().String()); err != nil {
		t.Fatal(err)
	}
	sub := zmq4.NewSub(ctx)
	defer sub.Close()
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	if err := sub.Dial("tcp://" + pub.Addr().String()); err != nil {
		t.Fatal(err)
	}

	body := func(n uint64, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i)
		}
		return b
	}
	for _, n := range append(sizes, 1<<20) {
		frames := [][]byte{[]byte("<IDS|MSG>"), body(n, 1), {}, body(300, 2)}
		if err := dealer.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
		got, err := router.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if want := append([][]byte{[]byte("d")}, frames...); !equalFrames(got.Frames, want) {
			t.Fatalf("%d bytes: the router got %d frames, not what the dealer sent", n, len(got.Frames))
		}
		if err := router.SendMulti(got); err != nil {
			t.Fatal(err)
		}
		back, err := dealer.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if !equalFrames(back.Frames, frames) {
			t.Fatalf("%d bytes: the dealer got %d frames back, not what it sent", n, len(back.Frames))
		}
	}

	// The subscription travels to the publisher asynchronously: publish
	// until one arrives, then check a message of every size.
	ready := make(chan error, 1)
	go func() { _, err := sub.Recv(); ready <- err }() // ends at the first message or when sub closes
	for waiting := true; waiting; {
		if err := pub.Send(zmq4.NewMsgFrom([]byte("hello"))); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-ready:
			if err != nil {
				t.Fatal(err)
			}
			waiting = false
		case <-time.After(10 * time.Millisecond):
		}
	}
	for _, n := range append(sizes, 1<<20) {
		frames := [][]byte{[]byte("stream"), body(n, 3), body(7, 4)}
		if err := pub.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
		var got zmq4.Msg
		for { // skip the hellos still queued
			var err error
			if got, err = sub.Recv(); err != nil {
				t.Fatal(err)
			}
			if string(got.Frames[0]) != "hello" {
				break
			}
		}
		if !equalFrames(got.Frames, frames) {
			t.Fatalf("%d bytes: the subscriber got %d frames, not what was published", n, len(got.Frames))
		}
	}
}

func equalFrames(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}
