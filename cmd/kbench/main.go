// Command kbench measures gokernel against ipykernel, the reference Jupyter
// kernel, on this machine: start time, round trips, output throughput,
// memory, interrupts, crashes and restarts, many kernels at once, the ZeroMQ
// floor under it all, and the cost of our layers over bare yaegi.
//
//	go run ./cmd/kbench -out bench/out          the benchmark (make bench)
//	go run ./cmd/kbench -soak -n 10000          one kernel, many cells (make soak)
//
// Kernels are started the way Jupyter starts them: a connection file with
// free loopback ports and a random HMAC key, the argv of the installed
// kernel.json, and a client on the five sockets. Every process kbench starts
// is waited for, and killed on the way out (also on Ctrl-C).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := NewMain(os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "kbench: interrupted; every kernel was stopped")
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "kbench:", err)
		os.Exit(1)
	}
}
