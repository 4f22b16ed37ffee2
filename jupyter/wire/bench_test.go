package wire_test

import (
	"testing"

	"github.com/gokernel/gokernel/jupyter/wire"
)

// benchRequest is a trivial cell's execute_request as a client signs it.
func benchRequest(b *testing.B, s *wire.Signer) [][]byte {
	b.Helper()
	m, err := wire.NewMessage(nil, "execute_request", "7d0c4e4a-6f1e-4a3b-9a43-0d7c7f2c1e55", map[string]any{
		"code": "x := 1", "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		b.Fatal(err)
	}
	m.Identities = [][]byte{[]byte("7d0c4e4a-6f1e-4a3b-9a43-0d7c7f2c1e55")}
	frames, err := wire.Encode(m, s)
	if err != nil {
		b.Fatal(err)
	}
	return frames
}

// BenchmarkDecodeRequest is what the kernel does with each request it gets.
func BenchmarkDecodeRequest(b *testing.B) {
	s := mustSigner(b, testKey)
	frames := benchRequest(b, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Decode(frames, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishStatus is what the kernel does for each status it
// publishes, three or four times per cell.
func BenchmarkPublishStatus(b *testing.B) {
	s := mustSigner(b, testKey)
	parent, err := wire.Decode(benchRequest(b, s), s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := wire.NewMessage(parent, "status", "kernel-session", map[string]string{"execution_state": "busy"})
		if err != nil {
			b.Fatal(err)
		}
		m.Identities = [][]byte{[]byte("status")}
		if _, err := wire.Encode(m, s); err != nil {
			b.Fatal(err)
		}
	}
}
