package supervisor

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// outputReader reads one of the worker's output pipes for a stream's pump.
//
// A pipe in the runtime's poller wakes the poller's thread at every write
// (Linux signals each write to an edge-triggered watcher), whether or not
// anyone is reading. A cell printing line after line writes once per line,
// and each write then paid for that wake-up (in a VM, an interrupt to the
// other CPU): 100,000 writes of a line took 1.7 times as long as with nobody
// watching. So while output streams, the reader stops watching: it closes
// the polled file and reads, once per streamPause, a second open file
// description of the same pipe that was never polled; it goes back to a
// polled file (opened anew) as soon as it finds the pipe empty. A sync marker
// is not waited for: a read that carries one keeps the reader on the poller
// or puts it back, so only the marker that ends a streaming cell can come a
// pause late.
type outputReader struct {
	f      *os.File  // the pipe, watched by the poller; nil while output streams
	raw    int       // a never-polled, non-blocking description of the pipe; -1 if none
	streak int       // reads in a row that brought output and no marker, close together
	last   time.Time // when the last read returned
	prev   time.Time // when the one before returned
	full   bool      // the last read filled the caller's buffer: more is waiting

	gap, pause time.Duration // streamGap and streamPause; tests change them
}

// Streaming: after streamReads reads in a row, each less than streamGap after
// the one before, that carried output and no sync marker, the reader reads
// once per streamPause.
const (
	streamReads = 2
	streamGap   = time.Millisecond
	streamPause = time.Millisecond
)

// newOutputReader reads f, the read end of an output pipe. Without a second
// description of it (no /proc), it reads f alone, as a plain file.
func newOutputReader(f *os.File) *outputReader {
	r := &outputReader{f: f, raw: -1, gap: streamGap, pause: streamPause}
	if c, err := f.SyscallConn(); err == nil {
		c.Control(func(fd uintptr) {
			if raw, err := openPipe(int(fd)); err == nil {
				r.raw = raw
			}
		})
	}
	return r
}

// openPipe opens a new, non-blocking description of the pipe fd is open on.
func openPipe(fd int) (int, error) {
	for {
		raw, err := syscall.Open("/proc/self/fd/"+strconv.Itoa(fd), syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if !errors.Is(err, syscall.EINTR) {
			return raw, err
		}
	}
}

func (r *outputReader) Read(p []byte) (int, error) {
	for {
		var n int
		var err error
		if r.f != nil {
			n, err = r.f.Read(p)
		} else if n, err = r.readRaw(p); n == 0 && err == nil {
			// The pipe is empty: output stopped. Wait on the poller.
			r.watch()
			continue
		}
		r.last, r.full = time.Now(), n == len(p)
		r.account(p[:n], err)
		return n, err
	}
}

// account counts a read towards streaming, and moves the reader off the
// poller or back on.
func (r *outputReader) account(data []byte, err error) {
	streaming := len(data) > 0 && err == nil && r.last.Sub(r.prev) < r.gap
	r.prev = r.last
	switch {
	case bytes.Contains(data, []byte(workerproto.SyncPrefix[:1])):
		r.streak = 0
		r.watch() // the next marker must not wait either
	case !streaming:
		r.streak = 0
	case r.f != nil:
		if r.streak++; r.streak >= streamReads && r.raw >= 0 {
			r.f.Close() // stop watching; raw reads on
			r.f = nil
		}
	}
}

// readRaw reads the never-polled description, a pause after the last read
// unless that one filled its buffer (a cell writing more than a buffer a
// pause is not held back). It returns 0, nil when the pipe is empty.
func (r *outputReader) readRaw(p []byte) (int, error) {
	if d := r.pause - time.Since(r.last); d > 0 && !r.full {
		time.Sleep(d)
	}
	for {
		n, err := syscall.Read(r.raw, p)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			return 0, nil
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0:
			return 0, io.EOF // every writer closed the pipe
		}
		return n, nil
	}
}

// watch puts the reader back on the poller, on a description of its own (the
// runtime watches what it is given until it is closed). Without one to be had
// the reader stays off the poller, reading once per pause.
func (r *outputReader) watch() {
	if r.f != nil {
		return
	}
	if f, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(r.raw), os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		r.f, r.streak = f, 0
	}
}

// Close closes the pipe's descriptions.
func (r *outputReader) Close() error {
	var err error
	if r.f != nil {
		err = r.f.Close()
	}
	if r.raw >= 0 {
		err = errors.Join(err, syscall.Close(r.raw))
		r.raw = -1
	}
	return err
}
