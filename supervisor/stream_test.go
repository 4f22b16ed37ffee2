package supervisor

import (
	"io"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gokernel/gokernel/workerproto"
)

// chunkReader returns its chunks one Read at a time, as a pipe may.
type chunkReader struct{ chunks []string }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

const testToken = "0123456789abcdef0123456789abcdef"

func withToken() string { return testToken }

func TestStreamRemovesMarkersSplitAcrossReads(t *testing.T) {
	marker := string(workerproto.SyncMarker(testToken, 12))
	text := "before" + marker + "after\x00nul"
	// Every split point of the text, including inside the marker.
	for cut := 0; cut <= len(text); cut++ {
		var mu sync.Mutex
		var got strings.Builder
		s := newStream("stdout", func(_, t string) { mu.Lock(); got.WriteString(t); mu.Unlock() })
		s.pump(&chunkReader{chunks: []string{text[:cut], text[cut:]}}, withToken)
		if want := "beforeafter\x00nul"; got.String() != want {
			t.Fatalf("cut %d: published %q, want %q", cut, got.String(), want)
		}
		select {
		case id := <-s.synced:
			if id != 12 {
				t.Fatalf("cut %d: synced %d, want 12", cut, id)
			}
		default:
			t.Fatalf("cut %d: marker not reported", cut)
		}
	}
}

func TestStreamPassesForgedMarkersThrough(t *testing.T) {
	real := string(workerproto.SyncMarker(testToken, 3))
	forged := []string{
		"\x00gokernel-sync:99\x00", // the old marker, with a number
		"\x00gokernel-sync:\x00",   // and without
		string(workerproto.SyncMarker("ffffffffffffffffffffffffffffffff", 4)), // another worker's token
		string(workerproto.SyncMarker(testToken[:31], 5)),                     // a token cut short
		workerproto.SyncPrefix + testToken + ":\x00",                          // no number
		workerproto.SyncPrefix + testToken + ":12x\x00",                       // not a number
		workerproto.SyncPrefix,                                                // a prefix at the very end
	}
	for _, f := range forged {
		text := "a" + f + "b" + real + "c" + f
		for cut := 0; cut <= len(text); cut++ {
			var got strings.Builder
			s := newStream("stdout", func(_, t string) { got.WriteString(t) })
			s.pump(&chunkReader{chunks: []string{text[:cut], text[cut:]}}, withToken)
			if want := "a" + f + "b" + "c" + f; got.String() != want {
				t.Fatalf("forged %q, cut %d: published %q, want %q", f, cut, got.String(), want)
			}
			if len(s.synced) != 1 || <-s.synced != 3 {
				t.Fatalf("forged %q, cut %d: the real marker was not the only one seen", f, cut)
			}
		}
	}
}

func TestStreamWithoutTokenHasNoMarkers(t *testing.T) {
	// A worker that died before it was ready never said its token.
	text := string(workerproto.SyncMarker("", 1)) + "x"
	var got strings.Builder
	s := newStream("stdout", func(_, t string) { got.WriteString(t) })
	s.pump(strings.NewReader(text), func() string { return "" })
	if got.String() != text || len(s.synced) != 0 {
		t.Fatalf("published %q, %d markers; want all of %q and none", got.String(), len(s.synced), text)
	}
}

func TestStreamNeverSplitsACharacter(t *testing.T) {
	text := strings.Repeat("가", flushSize) // 3 bytes each: batches end mid-character unless kept back
	var batches []string
	s := newStream("stdout", func(_, t string) { batches = append(batches, t) })
	s.pump(strings.NewReader(text), withToken)
	if len(batches) < 2 {
		t.Fatalf("got %d batches, want several", len(batches))
	}
	for i, b := range batches {
		if !utf8.ValidString(b) {
			t.Fatalf("batch %d is not valid UTF-8", i)
		}
	}
	if strings.Join(batches, "") != text {
		t.Fatal("batches don't add up to the text")
	}
}

func TestCompleteUTF8(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"a가", 4},
		{"a\xea\xb0", 1}, // first two bytes of 가
		{"a\xea", 1},
		{"😀", 4},
		{"x\xf0\x9f\x98", 1},
	}
	for _, tt := range tests {
		if got := completeUTF8([]byte(tt.in)); got != tt.want {
			t.Errorf("completeUTF8(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
