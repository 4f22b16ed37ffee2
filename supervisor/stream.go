package supervisor

import (
	"bytes"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gokernel/gokernel/workerproto"
)

// Output batching: a stream message is sent when this much text is waiting,
// or flushDelay after the first byte of a batch, whichever comes first. A
// cell printing a million lines thus becomes a few hundred messages, and a
// single line still shows up at once (the end of a cell flushes too).
const (
	flushSize  = 256 << 10
	flushDelay = 25 * time.Millisecond
	readSize   = 64 << 10
)

// stream reads one of the worker's output pipes and publishes what it reads
// in batches, in order. It removes the worker's sync markers and reports them
// on synced. Only a marker with the worker's token is one: anything else,
// NUL bytes and look-alike markers included, is the user's output.
type stream struct {
	name    string                  // "stdout" or "stderr"
	publish func(name, text string) // called with mu held, so batches stay in order
	synced  chan uint64             // ids of sync markers seen, newest last
	token   string                  // the worker's marker token; set by pump, read by its goroutine

	mu      sync.Mutex
	pending []byte
	timer   *time.Timer
}

func newStream(name string, publish func(name, text string)) *stream {
	return &stream{name: name, publish: publish, synced: make(chan uint64, 16)}
}

// pump reads r until it fails (the worker exited and closed its end), then
// flushes what is left. token returns the worker's marker token, waiting
// for it if need be (an empty token: the worker never said, and nothing is
// a marker). It runs in the worker's goroutine group and returns at EOF.
func (s *stream) pump(r io.Reader, token func() string) {
	s.token = token()
	buf := make([]byte, readSize)
	var carry []byte // an incomplete sync marker from the end of the last read
	for {
		n, err := r.Read(buf)
		if n > 0 {
			data := buf[:n]
			if len(carry) > 0 {
				data = append(carry, data...)
				carry = nil
			}
			carry = s.take(data)
		}
		if err != nil {
			s.mu.Lock()
			s.pending = append(s.pending, carry...)
			s.flushLocked(true)
			s.mu.Unlock()
			return
		}
	}
}

// take queues data, handling sync markers, and returns a tail that may be
// the start of a marker cut off by the read.
func (s *stream) take(data []byte) (carry []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			s.add(data)
			return nil
		}
		s.add(data[:i])
		data = data[i:]
		id, size, ok := parseMarker(data, s.token)
		switch {
		case ok:
			s.mu.Lock()
			s.flushLocked(true)
			s.mu.Unlock()
			s.signal(id)
			data = data[size:]
		case size < 0: // may be a marker, cut off: wait for more
			return append([]byte(nil), data...)
		default: // a NUL the user printed
			s.add(data[:1])
			data = data[1:]
		}
	}
	return nil
}

// parseMarker reads a sync marker with token at the start of data. It
// returns ok with the marker's length, or size -1 when data is a proper
// prefix of a marker.
func parseMarker(data []byte, token string) (id uint64, size int, ok bool) {
	if token == "" {
		return 0, 0, false
	}
	head := workerproto.SyncPrefix + token + ":"
	n := min(len(data), len(head))
	if string(data[:n]) != head[:n] {
		return 0, 0, false
	}
	if len(data) < len(head) {
		return 0, -1, false
	}
	digits := 0
	for i := len(head); i < len(data); i++ {
		switch c := data[i]; {
		case c >= '0' && c <= '9' && digits < 20:
			id = id*10 + uint64(c-'0')
			digits++
		case c == 0 && digits > 0:
			return id, i + 1, true
		default:
			return 0, 0, false
		}
	}
	return 0, -1, false // the number goes on in the next read
}

func (s *stream) signal(id uint64) {
	for {
		select {
		case s.synced <- id:
			return
		default: // nobody waited for old markers: drop the oldest
			select {
			case <-s.synced:
			default:
			}
		}
	}
}

func (s *stream) add(p []byte) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, p...)
	if len(s.pending) >= flushSize {
		s.flushLocked(false)
		return
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(flushDelay, s.flush)
	}
}

func (s *stream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked(false)
}

// flushLocked publishes the pending text. Unless all is set it keeps back an
// incomplete UTF-8 sequence at the end, so a character is never split
// between two messages.
func (s *stream) flushLocked(all bool) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	n := len(s.pending)
	if !all {
		n = completeUTF8(s.pending)
	}
	if n == 0 {
		return
	}
	s.publish(s.name, string(s.pending[:n]))
	rest := copy(s.pending, s.pending[n:])
	s.pending = s.pending[:rest]
	if cap(s.pending) > 4*flushSize {
		s.pending = append([]byte(nil), s.pending...)
	}
	if rest > 0 {
		s.timer = time.AfterFunc(flushDelay, s.flush)
	}
}

// completeUTF8 returns the length of the longest prefix of p that doesn't
// end inside a multi-byte UTF-8 sequence.
func completeUTF8(p []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(p); i++ {
		c := p[len(p)-i]
		if c < utf8.RuneSelf { // ASCII: everything up to here is whole
			return len(p)
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(p[len(p)-i:]) {
				return len(p)
			}
			return len(p) - i
		}
	}
	return len(p)
}

// waitSync waits until marker n (or a later one) went by, or until timeout.
func (s *stream) waitSync(n uint64, timeout <-chan time.Time) bool {
	for {
		select {
		case got := <-s.synced:
			if got >= n {
				return true
			}
		case <-timeout:
			return false
		}
	}
}
