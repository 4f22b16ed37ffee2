package jupyter

import (
	"testing"
	"time"

	"github.com/gokernel/gokernel/jupyter/client"
)

// BenchmarkExecute is a cell's round trip through the kernel over loopback,
// with the fake worker: the Jupyter side of the kernel and the client (on the
// kernel's transport, as kbench's), in one profile (go test -bench Execute
// -cpuprofile, see docs/benchmarks.md).
func BenchmarkExecute(b *testing.B) {
	c := startKernelDial(b, client.DialOptions{Retry: 20 * time.Millisecond, Timeout: 10 * time.Second, Buffered: true})
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
