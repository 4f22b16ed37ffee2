// Command gokernel is a Jupyter kernel for Go.
//
//	gokernel run --connection-file FILE   serve a connection file (what kernel.json starts)
//	gokernel install [--user | --sys-prefix | --prefix DIR]
//	gokernel version
//	gokernel worker                       the interpreter process (started by run)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/jupyter"
	"github.com/gokernel/gokernel/jupyter/kernelspec"
	"github.com/gokernel/gokernel/jupyter/wire"
	"github.com/gokernel/gokernel/supervisor"
	"github.com/gokernel/gokernel/worker"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// maxStack bounds each goroutine's stack in the interpreter worker.
const maxStack = 64 << 20

// errUsage marks a wrong command line: exit status 2.
var errUsage = errors.New("usage")

const usage = `gokernel: a Jupyter kernel for Go

Usage:
  gokernel install [--user | --sys-prefix | --prefix DIR]   install the kernelspec "Go (yaegi)"
  gokernel run --connection-file FILE                       serve a kernel (Jupyter starts this)
  gokernel version                                          print the version
`

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "gokernel:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return profiled("kernel", func() error { return runKernel(ctx, rest, stderr) })
	case "install":
		return install(rest, stdout)
	case "worker":
		return profiled("worker", func() error { return runWorker(ctx) })
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "gokernel", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
	}
}

// profiled runs f, profiling it when GOKERNEL_CPUPROFILE or GOKERNEL_TRACE asks
// (profile.go).
func profiled(role string, f func() error) error {
	stop, err := startProfile(role)
	if err != nil {
		return err
	}
	defer stop()
	return f()
}

func runKernel(ctx context.Context, args []string, stderr io.Writer) error {
	// The kernel process routes messages one after another and waits the
	// rest of the time: on one P its goroutines hand a message to each other
	// on one thread, where two Ps woke a second thread (and spun it) for
	// every hand-off. The worker, which runs cells in parallel, keeps every
	// core. A GOMAXPROCS in the environment wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	connFile := fs.String("connection-file", "", "the kernel connection file")
	logLevel := fs.String("log-level", envOr("GOKERNEL_LOG", "warn"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *connFile == "" {
		return fmt.Errorf("run needs --connection-file: %w", errUsage)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	conn, err := wire.ReadConnectionFile(*connFile)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	limit, err := supervisor.MemoryLimit()
	if err != nil {
		return err
	}
	k, err := jupyter.New(jupyter.Config{
		Conn:    conn,
		Worker:  supervisor.WorkerCommand{Path: exe, Args: []string{"worker"}, MemoryLimit: limit},
		Log:     log,
		Version: version,
	})
	if err != nil {
		return err
	}
	// SIGTERM and SIGHUP stop the kernel cleanly; SIGINT interrupts the cell,
	// as it does for kernels whose front end signals instead of messaging.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	ints := make(chan os.Signal, 1)
	signal.Notify(ints, syscall.SIGINT)
	defer signal.Stop(ints)
	go func() { // ends when ctx does
		for {
			select {
			case <-ints:
				k.Interrupt()
			case <-ctx.Done():
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchParent(ctx, cancel) // ends when ctx does
	return k.Run(ctx)
}

// watchParent ends the kernel when the Jupyter process that started it is
// gone, so no kernel outlives its front end.
func watchParent(ctx context.Context, cancel context.CancelFunc) {
	parent := os.Getppid()
	if p, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID")); err == nil && p > 1 {
		parent = p
	}
	if parent <= 1 {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if syscall.Kill(parent, 0) == syscall.ESRCH || os.Getppid() == 1 {
				cancel()
				return
			}
		}
	}
}

func install(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	var w kernelspec.Where
	fs.BoolVar(&w.User, "user", false, "install for the current user (the default)")
	fs.BoolVar(&w.SysPrefix, "sys-prefix", false, "install into the prefix of the Python that runs Jupyter")
	fs.StringVar(&w.Prefix, "prefix", "", "install into DIR/share/jupyter/kernels")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	dir, err := w.Dir()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	if err := kernelspec.Install(dir, exe); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Installed kernelspec %s (%q) in %s\n", kernelspec.Name, kernelspec.DisplayName, dir)
	return nil
}

func runWorker(ctx context.Context) error {
	// The kernel interrupts cells by message; a terminal's Ctrl-C reaches the
	// kernel, not the interpreter. SIGINT goes to a channel nobody reads
	// rather than being ignored: an ignored signal stays ignored in the
	// processes the worker starts (compiled cells, os/exec in cells), which
	// then could not be interrupted.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT)
	// Unbounded recursion should end as a stack overflow in a fraction of a
	// second, long before the memory limit (512 MiB at least) ends it as
	// out of memory. An interpreted call takes a few KiB of Go stack, so this
	// still allows recursion tens of thousands of calls deep.
	debug.SetMaxStack(maxStack)
	return worker.Run(ctx, worker.FromFiles())
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
