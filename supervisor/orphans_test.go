package supervisor

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// alive reports whether pid is a process that hasn't exited (a zombie has).
func alive(pid int) bool {
	f, ok := statFields(pid)
	return ok && f[0] != "Z"
}

func TestLeftoverProcessesEndWithTheirWorker(t *testing.T) {
	for _, how := range []string{"restart", "crash", "close"} {
		t.Run(how, func(t *testing.T) {
			s, out := newTestSupervisor(t)
			if err := s.Execute(t.Context(), ExecRequest{Code: "orphans"}, &fakeHandler{}); err != nil {
				t.Fatal(err)
			}
			var pids []int
			for _, f := range strings.Fields(out.get("stdout")) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("stdout %q", out.get("stdout"))
				}
				pids = append(pids, pid)
			}
			if len(pids) != 2 || !alive(pids[0]) || !alive(pids[1]) {
				t.Fatalf("pids %v: want two running processes", pids)
			}
			// The daemon's parent shell exited: the kernel's process adopted it.
			if ppid, _ := parentOf(pids[1]); ppid != os.Getpid() {
				t.Errorf("the daemon's parent is %d, want this process %d (a subreaper)", ppid, os.Getpid())
			}
			switch how {
			case "restart":
				if err := s.Restart(); err != nil {
					t.Fatal(err)
				}
			case "crash":
				s.Execute(t.Context(), ExecRequest{Code: "exit:3"}, &fakeHandler{})
			case "close":
				s.Close()
			}
			// Ended and reaped by the time the worker's end was reported.
			for _, pid := range pids {
				if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
					t.Errorf("process %d is still there (alive: %v)", pid, alive(pid))
				}
			}
			if how != "close" {
				h := &fakeHandler{}
				if err := s.Execute(t.Context(), ExecRequest{Code: "result:ok"}, h); err != nil || len(h.results) != 1 {
					t.Fatalf("the next worker: %v %q", err, h.results)
				}
			}
		})
	}
}

func TestSweepLeavesWorkersAlone(t *testing.T) {
	a, _ := newTestSupervisor(t)
	b, _ := newTestSupervisor(t)
	workers.sweep(a.log)
	for _, s := range []*Supervisor{a, b} {
		h := &fakeHandler{}
		if err := s.Execute(t.Context(), ExecRequest{Code: "result:ok"}, h); err != nil || len(h.results) != 1 {
			t.Fatalf("a worker did not survive a sweep: %v %q", err, h.results)
		}
	}
}
