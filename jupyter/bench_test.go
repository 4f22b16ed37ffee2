package jupyter

import (
	"testing"
	"time"
)

// BenchmarkExecute is a cell's round trip through the kernel over loopback,
// with the fake worker: the Jupyter side of the kernel and the client, in one
// profile (go test -bench Execute -cpuprofile, see docs/benchmarks.md).
func BenchmarkExecute(b *testing.B) {
	c := startKernel(b)
	if _, err := c.WaitReady(b.Context(), 10*time.Second); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.MustOK(b.Context(), "print:", 10*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
