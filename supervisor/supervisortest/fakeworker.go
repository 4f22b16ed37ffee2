// Package supervisortest is a fake worker for tests: a test binary that, started
// by a supervisor with [Env] set, speaks the worker protocol and runs tiny
// scripts instead of Go. Tests of the supervisor and of the Jupyter side use
// it to exercise real processes and pipes without an interpreter.
package supervisortest

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/workerproto"
)

// Env, set in a process's environment, makes [Main] run the fake worker.
const Env = "GOKERNEL_FAKE_WORKER"

// Main is a test binary's TestMain: it runs the fake worker when the binary
// was started as one, and the tests otherwise.
func Main(m *testing.M) {
	if os.Getenv(Env) != "" {
		fakeWorker()
		return
	}
	os.Exit(m.Run())
}

// Command returns how to start the running test binary as the fake worker:
// its path, arguments (no tests) and environment.
func Command(t testing.TB) (path string, args, env []string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe, []string{"-test.run=^$"}, append(os.Environ(), Env+"=1")
}

// fakeFiles keeps the fake worker's pipes reachable: an *os.File that the
// garbage collector finds unreachable is closed by its finalizer, and the
// "alloc" loop below never uses them again.
var fakeFiles []*os.File

// fakeAllocated holds what the fake worker's "alloc" command allocates.
var fakeAllocated [][]byte

// fakeWorker runs cells whose code is one command:
//
//	print:TEXT   write TEXT to stdout        result:TEXT  send TEXT as the result
//	exit:N       exit with status N          crash        print a Go crash report and die
//	wait         stop only when interrupted  hang         ignore interrupts
//	input        ask for a line and print it
func fakeWorker() {
	fakeFiles = []*os.File{
		os.NewFile(workerproto.FDRequests, "req"),
		os.NewFile(workerproto.FDEvents, "ev"),
		os.NewFile(workerproto.FDCellStderr, "stderr"),
	}
	req := workerproto.NewReader(fakeFiles[0])
	ev := workerproto.NewWriter(fakeFiles[1])
	stderr := fakeFiles[2]
	ev.Write(&workerproto.Message{Kind: workerproto.KindReady, PID: os.Getpid()})
	interrupts := make(chan uint64, 8)
	replies := make(chan *workerproto.Message, 1)
	cells := make(chan *workerproto.Message, 8)
	go func() {
		for {
			m, err := req.Read()
			if err != nil {
				os.Exit(0)
			}
			switch m.Kind {
			case workerproto.KindExecute:
				cells <- m
			case workerproto.KindInterrupt:
				interrupts <- m.ID
			case workerproto.KindInputReply:
				replies <- m
			}
		}
	}()
	var syncs uint64
	sync := func() uint64 {
		syncs++
		os.Stdout.Write(workerproto.SyncMarker(syncs))
		stderr.Write(workerproto.SyncMarker(syncs))
		return syncs
	}
	for m := range cells {
		done := &workerproto.Message{Kind: workerproto.KindDone, ID: m.ID}
		cmd, arg, _ := strings.Cut(m.Code, ":")
		switch cmd {
		case "print":
			os.Stdout.WriteString(arg)
		case "stderr":
			stderr.WriteString(arg)
		case "result":
			ev.Write(&workerproto.Message{Kind: workerproto.KindResult, ID: m.ID, Sync: sync(), Data: map[string]any{"text/plain": arg}})
		case "exit":
			n, _ := strconv.Atoi(arg)
			os.Exit(n)
		case "crash":
			os.Stderr.WriteString("fatal error: concurrent map writes\n\ngoroutine 7 [running]:\nruntime.throw()\n")
			os.Exit(2)
		case "wait":
			<-interrupts
			done.Error = &workerproto.Error{Name: "Interrupted", Value: "the cell was interrupted"}
		case "hang":
			select {}
		case "alloc":
			for {
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = 1
				}
				fakeAllocated = append(fakeAllocated, b)
			}
		case "input":
			ev.Write(&workerproto.Message{Kind: workerproto.KindInputRequest, ID: m.ID, Prompt: "name? "})
			r := <-replies
			if r.Error != nil {
				done.Error = &workerproto.Error{Name: "InputError", Value: r.Error.Value}
			} else {
				os.Stdout.WriteString("got " + r.Value)
			}
		}
		done.Sync = sync()
		ev.Write(done)
	}
}
