package worker

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/gokernel/gokernel/workerproto"
)

// The worker's file descriptors, as the kernel starts it, and what the
// worker makes of them before the first cell:
//
//	0        /dev/null, as it came
//	1        the stdout pipe, as it came; nothing of the worker writes to it
//	2        Go's crash reports, as it came; put back after a cell closed it
//	3, 4, 5  requests, events and the cells' stderr, marked close-on-exec;
//	         5 stays open, so that its number isn't given to another file
//	dups     of 1 and of 5, close-on-exec, two of each: one the cells write
//	         to (their os.Stdout and os.Stderr), one for the sync markers;
//	         and one of 2. All from firstDup up, away from the numbers a
//	         cell closes in a loop
//
// So a child process a cell starts sees 0, 1 and 2 only (sh -c 'printf x >&4'
// can't write into the protocol), and a cell that closes file descriptor 1 or
// 5 (syscall.Close(1)) cuts neither its output nor the markers the kernel
// waits for. A cell that finds and closes a dup by number is told after it
// ends (see [outputs.repair]); a marker that could not be written is named
// in its event, so that the kernel doesn't wait for it.

// outputs are the worker's ends of its two output pipes, and a copy of its
// crash output.
type outputs struct {
	streams [2]*output // stdout, stderr
	crash   *os.File   // a dup of fd 2
	crashID fileID
}

// output is one output pipe: the cells' end and the markers' end.
type output struct {
	name string   // "stdout", "stderr"
	fd   int      // the descriptor the kernel gave (1 or 5), for messages
	cell *os.File // the cells' end
	mark *os.File // the markers' end
	pipe fileID   // the pipe both are

	lost bool // the cells' end was closed for good, and the learner was told
}

// fileID names an open file.
type fileID struct{ dev, ino uint64 }

// FromFiles is the Config of a process started by the kernel.
func FromFiles() Config {
	// The protocol stays the worker's: child processes don't inherit it.
	syscall.CloseOnExec(workerproto.FDRequests)
	syscall.CloseOnExec(workerproto.FDEvents)
	syscall.CloseOnExec(workerproto.FDCellStderr)
	// Requests are read through the runtime's poller, not with a blocking
	// read(2): a read that blocks keeps its thread, and the cell it brings
	// then waits for another thread to wake and take it, a second wake-up
	// per cell.
	_ = syscall.SetNonblock(workerproto.FDRequests, true)
	out := &outputs{}
	stdout, err1 := newOutput("stdout", workerproto.FDStdout)
	stderr, err2 := newOutput("stderr", workerproto.FDCellStderr)
	cfg := Config{
		Requests:    os.NewFile(workerproto.FDRequests, "requests"),
		Events:      os.NewFile(workerproto.FDEvents, "events"),
		Crash:       os.Stderr, // workerproto.FDCrash, where Go writes its crash report
		MemoryLimit: memoryLimitFromEnv(),
	}
	if err1 != nil || err2 != nil {
		// Without dups (out of descriptors?): the pipes as they came.
		cfg.Stdout = os.Stdout
		cfg.Stderr = os.NewFile(workerproto.FDCellStderr, "cell-stderr")
		return cfg
	}
	out.streams = [2]*output{stdout, stderr}
	if id, err := fstat(workerproto.FDCrash); err == nil {
		if f, err := dupCloexec(workerproto.FDCrash, "crash"); err == nil {
			out.crash, out.crashID = f, id
		}
	}
	cfg.Stdout, cfg.Stderr, cfg.outputs = stdout.cell, stderr.cell, out
	return cfg
}

// newOutput makes the two ends of the pipe at fd.
func newOutput(name string, fd int) (*output, error) {
	id, err := fstat(fd)
	if err != nil {
		return nil, err
	}
	cell, err := dupCloexec(fd, name)
	if err != nil {
		return nil, err
	}
	mark, err := dupCloexec(fd, name+"-sync")
	if err != nil {
		cell.Close()
		return nil, err
	}
	return &output{name: name, fd: fd, cell: cell, mark: mark, pipe: id}, nil
}

// firstDup is the lowest descriptor of a dup, above those a cell is likely
// to close by number.
const firstDup = 200

func dupCloexec(fd int, name string) (*os.File, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, firstDup)
	if errno != 0 {
		return nil, fmt.Errorf("dup %s: %w", name, errno)
	}
	return os.NewFile(r, name), nil
}

func fstat(fd int) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fileID{}, err
	}
	return fileID{uint64(st.Dev), st.Ino}, nil
}

// descriptor returns f's descriptor, unless f was closed (by os.File.Close).
func descriptor(f *os.File) (int, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if rc.Control(func(d uintptr) { fd = int(d) }) != nil {
		return 0, false
	}
	return fd, fd >= 0
}

// intact reports whether f is open and still the pipe.
func (o *output) intact(f *os.File) (fd int, open, ok bool) {
	fd, open = descriptor(f)
	if !open {
		return fd, false, false
	}
	id, err := fstat(fd)
	return fd, true, err == nil && id == o.pipe
}

// markers writes a sync marker on both pipes and returns the names of those
// it could not be written to.
func (o *outputs) markers(marker []byte) (failed []string) {
	for _, s := range o.streams {
		if _, err := s.mark.Write(marker); err != nil {
			failed = append(failed, s.name)
		}
	}
	return failed
}

// repair looks, after a cell, at what it may have closed. A dup closed by
// number is opened again (dup3 over it) and the learner told that output was
// lost; an end closed by os.File.Close can't be: the learner is told once. A
// markers' end closed by number is opened again from the cells' end.
func (o *outputs) repair() (notes []string) {
	for _, s := range o.streams {
		notes = append(notes, s.repair()...)
	}
	// Go writes its crash reports to fd 2, whatever is there: put the
	// crash pipe back, so that the next crash is explained.
	if fd, ok := descriptor(o.crash); ok {
		if id, err := fstat(workerproto.FDCrash); err != nil || id != o.crashID {
			syscall.Dup3(fd, workerproto.FDCrash, 0)
		}
	}
	return notes
}

func (s *output) repair() (notes []string) {
	markFD, markOpen, markOK := s.intact(s.mark)
	cellFD, cellOpen, cellOK := s.intact(s.cell)
	if !markOK && markOpen && cellOK && syscall.Dup3(cellFD, markFD, syscall.O_CLOEXEC) == nil {
		markOK = true
	}
	switch {
	case cellOK:
	case cellOpen && markOK && syscall.Dup3(markFD, cellFD, syscall.O_CLOEXEC) == nil:
		notes = append(notes, fmt.Sprintf("Note: the cell closed file descriptor %d, the cells' %s "+
			"(a copy of %d, kept so that closing %d doesn't cut the output): what was written to it "+
			"after that was lost. It is open again.", cellFD, s.name, s.fd, s.fd))
	case !s.lost:
		s.lost = true
		notes = append(notes, fmt.Sprintf("Note: the cell closed the cells' %s (os.%s.Close()?): "+
			"what cells write to it is lost from now on. %%reset starts a fresh interpreter with it open.",
			s.name, map[string]string{"stdout": "Stdout", "stderr": "Stderr"}[s.name]))
	}
	return notes // a markers' end beyond repair: the kernel sees it in the events (NoSync) and says so
}

// say writes notes on the cells' stderr, through the markers' end.
func (o *outputs) say(notes []string) {
	for _, n := range notes {
		io.WriteString(o.streams[1].mark, n+"\n")
	}
}

// markers writes a sync marker on both output pipes, returning the names of
// those it could not be written to.
func (w *runner) markers(marker []byte) []string {
	if w.outputs != nil {
		return w.outputs.markers(marker)
	}
	var failed []string
	if _, err := w.stdout.Write(marker); err != nil {
		failed = append(failed, "stdout")
	}
	if _, err := w.stderr.Write(marker); err != nil {
		failed = append(failed, "stderr")
	}
	return failed
}

// repairOutputs mends, after a cell, the output descriptors it closed, and
// says what was lost.
func (w *runner) repairOutputs() {
	if w.outputs != nil {
		w.outputs.say(w.outputs.repair())
	}
}
