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

func TestStreamRemovesMarkersSplitAcrossReads(t *testing.T) {
	marker := string(workerproto.SyncMarker(12))
	text := "before" + marker + "after\x00nul"
	// Every split point of the text, including inside the marker.
	for cut := 0; cut <= len(text); cut++ {
		var mu sync.Mutex
		var got strings.Builder
		s := newStream("stdout", func(_, t string) { mu.Lock(); got.WriteString(t); mu.Unlock() })
		s.pump(&chunkReader{chunks: []string{text[:cut], text[cut:]}})
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

func TestStreamNeverSplitsACharacter(t *testing.T) {
	text := strings.Repeat("가", flushSize) // 3 bytes each: batches end mid-character unless kept back
	var batches []string
	s := newStream("stdout", func(_, t string) { batches = append(batches, t) })
	s.pump(strings.NewReader(text))
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
