package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// streamingPipe is an output pipe and its reader, with a gap long enough
// that reads in a row always count as streaming, however loaded the machine.
func streamingPipe(t *testing.T) (*outputReader, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	or := newOutputReader(r)
	t.Cleanup(func() { or.Close(); w.Close() })
	if or.raw < 0 {
		t.Fatal("no second description of the pipe: is /proc mounted?")
	}
	or.gap, or.pause = time.Hour, 50*time.Microsecond
	return or, w
}

func writeLines(t *testing.T, w io.Writer, from, to int) []byte {
	t.Helper()
	var all []byte
	for i := from; i < to; i++ {
		line := fmt.Appendf(nil, "%d\n", i)
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		all = append(all, line...)
	}
	return all
}

// readStreaming reads r in small reads until it leaves the poller, which it
// must within a few.
func readStreaming(t *testing.T, r *outputReader) []byte {
	t.Helper()
	var got []byte
	p := make([]byte, 5)
	for range 2 * streamReads {
		n, err := r.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, p[:n]...); r.f == nil {
			return got
		}
	}
	t.Fatalf("after %d reads of streaming output the reader still reads through the poller", 2*streamReads)
	return nil
}

func readN(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	got := make([]byte, n)
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOutputReaderStopsWatchingWhileOutputStreams(t *testing.T) {
	r, w := streamingPipe(t)
	want := writeLines(t, w, 0, 1000)
	got := readStreaming(t, r)
	got = append(got, readN(t, r, len(want)-len(got))...)
	if !bytes.Equal(got, want) {
		t.Fatal("the output read is not the output written")
	}

	// The pipe is empty now: the next read finds it so, goes back to the
	// poller, and waits there for what comes next.
	more := make(chan []byte)
	go func() { // ends after one write
		time.Sleep(20 * time.Millisecond)
		more <- writeLines(t, w, 1000, 1001)
	}()
	p := make([]byte, 64)
	n, err := r.Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := <-more; !bytes.Equal(p[:n], want) {
		t.Fatalf("after a pause, read %q, want %q", p[:n], want)
	}
	if r.f == nil {
		t.Fatal("after the pipe was empty the reader did not go back to the poller")
	}
}

func TestOutputReaderStaysOnThePollerForMarkers(t *testing.T) {
	r, w := streamingPipe(t)
	for n := uint64(1); n <= 5; n++ {
		writeLines(t, w, 0, 3)
		w.Write(workerproto.SyncMarker(testToken, n))
		writeLines(t, w, 0, 3)
	}
	p := make([]byte, 7) // each read has a line or two, or a piece of a marker
	for range 10 {
		n, err := r.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(p[:n], []byte{workerproto.SyncPrefix[0]}) && r.f == nil {
			t.Fatal("a read that carried a sync marker left the poller: the marker would wait a pause")
		}
	}
}

func TestOutputReaderEnds(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		r, w := streamingPipe(t)
		want := writeLines(t, w, 0, 100)
		var got []byte
		if streaming {
			got = readStreaming(t, r)
		}
		w.Close()
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("streaming %v: %v", streaming, err)
		}
		if got = append(got, rest...); !bytes.Equal(got, want) {
			t.Fatalf("streaming %v: the output read is not the output written", streaming)
		}
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Fatalf("streaming %v: after the writer closed, err = %v, want EOF", streaming, err)
		}
	}
}

func TestOutputReaderKeepsUpWithLargeWrites(t *testing.T) {
	r, w := streamingPipe(t)
	r.pause = time.Hour // a read that waited for the pause would not come back
	// A pipe's worth (Linux holds 64 KiB), a multiple of the reads below: each
	// read fills its buffer, as when a cell writes faster than the pump reads.
	want := bytes.Repeat([]byte("0123456789abcdef"), 60<<10/16)
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	got := readStreaming(t, r)
	p := make([]byte, 5)
	for len(got) < len(want) {
		n, err := r.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p[:n]...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the output read is not the output written")
	}
}
