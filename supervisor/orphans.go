package supervisor

import (
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A cell's child process can leave the worker's process group (a daemon
// calls setsid, a shell moves a job to a group of its own) or lose its
// parent (a double fork): killing the group misses it. So the kernel process
// makes itself a child subreaper (PR_SET_CHILD_SUBREAPER): a process
// orphaned below a worker, and every child a dead worker leaves, becomes a
// child of the kernel instead of init. The kernel's children are then its
// workers and such leftovers, and [workerTable.sweep] ends the leftovers,
// with everything below them, whenever a worker has exited.
//
// The table is the process's, not a Supervisor's: being a subreaper is a
// property of the process, and two kernels in one process (as in tests) must
// not take each other's workers for leftovers.
var workers = &workerTable{pids: map[int]bool{}}

type workerTable struct {
	mu        sync.Mutex
	pids      map[int]bool // the worker processes started and not yet reaped
	subreaper bool
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// start starts cmd as a worker. Starting and recording are one step under
// the table's lock, so a sweep never sees a worker it doesn't know.
func (t *workerTable) start(cmd *exec.Cmd) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.subreaper {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			return errors.New("become the worker's subreaper: " + errno.Error())
		}
		t.subreaper = true
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	t.pids[cmd.Process.Pid] = true
	return nil
}

// exited forgets a worker that has been reaped.
func (t *workerTable) exited(pid int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pids, pid)
}

// sweep kills every child of this process that is not a worker, and all
// their descendants, and reaps those children. Descendants whose parents it
// killed come back to this process, so it goes on until a look finds none.
func (t *workerTable) sweep(log *slog.Logger) {
	self := os.Getpid()
	for range 50 { // a fork bomb can't keep it busy for ever
		t.mu.Lock()
		below := processTree()
		var left []int
		for _, pid := range below[self] {
			if !t.pids[pid] {
				left = append(left, pid)
			}
		}
		// Kill each leftover's whole tree at once: fewer come back.
		for stack := append([]int(nil), left...); len(stack) > 0; {
			pid := stack[len(stack)-1]
			stack = append(stack[:len(stack)-1], below[pid]...)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		t.mu.Unlock()
		if len(left) == 0 {
			return
		}
		log.Info("ended processes the worker left", "pids", left)
		for _, pid := range left {
			reap(pid)
		}
	}
}

// reap waits (briefly) for a killed child of this process to exit, so it
// doesn't stay a zombie.
func reap(pid int) {
	deadline := time.Now().Add(time.Second)
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if got == pid || (err != nil && err != syscall.EINTR) || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processTree reads /proc: the children of each process, by parent.
func processTree() map[int][]int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	below := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			below[ppid] = append(below[ppid], pid)
		}
	}
	return below
}

// parentOf reads a process's parent from /proc/PID/stat.
func parentOf(pid int) (int, bool) {
	fields, ok := statFields(pid)
	if !ok || len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}

// statFields returns the fields of /proc/PID/stat after the command name
// (which may hold spaces and parentheses): state, ppid, pgrp, ...
func statFields(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(b[i+1:])), true
}
