// Package supervisortest is a fake worker for tests: a test binary that, started
// by a supervisor with [Env] set, speaks the worker protocol and runs tiny
// scripts instead of Go. Tests of the supervisor and of the Jupyter side use
// it to exercise real processes and pipes without an interpreter.
package supervisortest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// Env, set in a process's environment, makes [Main] run the fake worker.
const Env = "GOKERNEL_FAKE_WORKER"

// ReadyDelayEnv, set to a duration ("300ms"), makes the fake worker wait that
// long before it says it is ready, as a real worker loading its interpreter
// does.
const ReadyDelayEnv = "GOKERNEL_FAKE_READY_DELAY"

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
//	stderr:TEXT  write TEXT to the cell's stderr
//	exit:N       exit with status N          crash        print a Go crash report and die
//	wait         stop only when interrupted  hang         ignore interrupts
//	input        ask for a line and print it alloc        allocate without bound
//	spin:D       keep a core busy for D from the start, as native code that an
//	             interrupt can't stop does, while the cell ends at an interrupt
//	winddown:N:D wait for an interrupt, say N goroutines must stop, end the cell D later
//	slowstop:D   wait for an interrupt, then take D to stop, saying every 100ms that
//	             one goroutine fewer is left
//	orphans      start a child in a session of its own (setsid) and a daemon
//	             (a double fork), and print their pids
//	late:D:CMD   start CMD only D after it arrived (an interrupt meanwhile stops it
//	             before it starts, as in the real worker)
//
// Like the real worker, it says when it starts each cell, and ends a cell
// interrupted before it started without running it.
func fakeWorker() {
	fakeFiles = []*os.File{
		os.NewFile(workerproto.FDRequests, "req"),
		os.NewFile(workerproto.FDEvents, "ev"),
		os.NewFile(workerproto.FDCellStderr, "stderr"),
	}
	req := workerproto.NewReader(fakeFiles[0])
	ev := workerproto.NewWriter(fakeFiles[1])
	stderr := fakeFiles[2]
	if d, err := time.ParseDuration(os.Getenv(ReadyDelayEnv)); err == nil {
		time.Sleep(d)
	}
	token := workerproto.Token()
	ev.Write(&workerproto.Message{Kind: workerproto.KindReady, PID: os.Getpid(), Token: token})
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
			case workerproto.KindSqueeze:
				go func() { // ends after one collection
					debug.FreeOSMemory()
					ev.Write(&workerproto.Message{Kind: workerproto.KindSqueezed})
				}()
			}
		}
	}()
	var syncs uint64
	sync := func() uint64 {
		syncs++
		os.Stdout.Write(workerproto.SyncMarker(token, syncs))
		stderr.Write(workerproto.SyncMarker(token, syncs))
		return syncs
	}
	interrupted := &workerproto.Error{Name: "Interrupted", Value: "the cell was interrupted"}
	// stopped says whether an interrupt for cell id came (taking it).
	stopped := func(id uint64) bool {
		for {
			select {
			case got := <-interrupts:
				if got == id {
					return true
				}
			default:
				return false
			}
		}
	}
	for m := range cells {
		done := &workerproto.Message{Kind: workerproto.KindDone, ID: m.ID}
		code := m.Code
		if rest, ok := strings.CutPrefix(code, "late:"); ok {
			d, cmd, _ := strings.Cut(rest, ":")
			delay, _ := time.ParseDuration(d)
			time.Sleep(delay)
			code = cmd
		}
		if stopped(m.ID) {
			done.Error = &workerproto.Error{Name: "Interrupted", Value: "the cell was interrupted before it started"}
			done.Sync = sync()
			ev.Write(done)
			continue
		}
		ev.Write(&workerproto.Message{Kind: workerproto.KindStarted, ID: m.ID})
		cmd, arg, _ := strings.Cut(code, ":")
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
			for <-interrupts != m.ID {
			}
			done.Error = interrupted
		case "spin":
			d, _ := time.ParseDuration(arg)
			go spin(d) // ends after d
			for <-interrupts != m.ID {
			}
			done.Error = interrupted
		case "winddown":
			for <-interrupts != m.ID {
			}
			n, d, _ := strings.Cut(arg, ":")
			goroutines, _ := strconv.Atoi(n)
			ev.Write(&workerproto.Message{Kind: workerproto.KindStopping, ID: m.ID, Goroutines: goroutines})
			delay, _ := time.ParseDuration(d)
			time.Sleep(delay)
			done.Error = interrupted
		case "slowstop":
			for <-interrupts != m.ID {
			}
			d, _ := time.ParseDuration(arg)
			left := 1000
			for end := time.Now().Add(d); time.Now().Before(end); left-- {
				ev.Write(&workerproto.Message{Kind: workerproto.KindStopping, ID: m.ID, Goroutines: left})
				time.Sleep(100 * time.Millisecond)
			}
			done.Error = interrupted
		case "hang":
			select {}
		case "orphans":
			own := exec.Command("sleep", "300")
			own.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			own.Start()
			daemon, _ := exec.Command("sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!").Output()
			fmt.Fprintf(os.Stdout, "%d %s", own.Process.Pid, daemon)
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

// spin keeps a core busy for d.
func spin(d time.Duration) {
	end := time.Now().Add(d)
	for n := 0; time.Now().Before(end); n++ {
		_ = n * n
	}
}
