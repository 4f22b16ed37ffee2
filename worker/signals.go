package worker

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gokernel/gokernel/workerproto"
)

// fatalSignals are the signals on which Go prints every goroutine's stack
// and exits with status 2, when they come from outside the runtime (kill,
// syscall.Kill in a cell): SIGQUIT, SIGABRT, and the fault signals when a
// process sends them.
var fatalSignals = []os.Signal{
	syscall.SIGQUIT, syscall.SIGABRT, syscall.SIGILL, syscall.SIGSYS,
	syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE,
}

// watchSignals catches the fatal signals sent to the worker so that, before
// Go's own report, the crash output says where the cells were: Go's report
// shows only the interpreter's frames. It then lets the signal do what it
// does in any Go program. It returns a function that stops the watch and
// waits for its goroutine.
func (w *runner) watchSignals() (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, fatalSignals...)
	done := make(chan struct{})
	go func() { // ends when stop closes c
		defer close(done)
		for sig := range c {
			w.crashOn(sig.(syscall.Signal))
		}
	}()
	return func() {
		signal.Stop(c)
		close(c)
		<-done
	}
}

// crashOn writes where the cells were on the crash output (fd 2, which the
// kernel reads as the worker's death), then raises sig again with Go's
// default handling: the runtime's report, and exit status 2.
func (w *runner) crashOn(sig syscall.Signal) {
	if cell, line, text, ok := w.sess.Running(); ok {
		fmt.Fprintf(os.Stderr, "%s%s arrived while %s ran line %d: %s\n", workerproto.SignalNote, signalName(sig), cell, line, text)
	} else {
		fmt.Fprintf(os.Stderr, "%s%s arrived between cells\n", workerproto.SignalNote, signalName(sig))
	}
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
}

// signalName is a signal's name as C spells it: "SIGQUIT".
func signalName(sig syscall.Signal) string {
	for _, n := range []struct {
		s    syscall.Signal
		name string
	}{
		{syscall.SIGQUIT, "SIGQUIT"}, {syscall.SIGABRT, "SIGABRT"}, {syscall.SIGILL, "SIGILL"},
		{syscall.SIGSYS, "SIGSYS"}, {syscall.SIGSEGV, "SIGSEGV"},
		{syscall.SIGBUS, "SIGBUS"}, {syscall.SIGFPE, "SIGFPE"},
	} {
		if n.s == sig {
			return n.name
		}
	}
	return sig.String()
}
