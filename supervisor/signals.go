package supervisor

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"

	"github.com/gokernel/gokernel/workerproto"
)

// Go's reports of a signal. A signal sent to the process (kill, a cell's
// syscall.Kill) that Go dies of starts the report with its name and
// description, then the registers:
//
//	SIGQUIT: quit
//	PC=0x49f9e3 m=0 sigcode=0
//
// A fault of the program itself names the signal in brackets after the
// panic or fatal error it became:
//
//	[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2f1b]
var (
	signalHead = regexp.MustCompile(`^(SIG[A-Z0-9]+): (.+)$`)
	signalLine = regexp.MustCompile(`^\[signal (SIG[A-Z0-9]+): ([^\]]*?)(?: code=(\S+))?(?: addr=(\S+))?(?: pc=\S+)?\]$`)
)

// signalWhat says what Go does on a signal that ends a program.
var signalWhat = map[string]string{
	"SIGQUIT": "Go ends a program on it, printing the stack of every goroutine (Ctrl-\\ in a terminal sends it)",
	"SIGABRT": "Go ends a program on it, printing the stack of every goroutine (abort() sends it)",
}

// explainSignal reads a report of a signal that ended the worker: the
// worker's note of where the cells were (see [workerproto.SignalNote]), and
// Go's report.
func explainSignal(report string) (name, value string, trace []string, ok bool) {
	lines := strings.Split(report, "\n")
	var note string
	for i, line := range lines {
		if rest, found := strings.CutPrefix(line, workerproto.SignalNote); found {
			note = rest
			continue
		}
		m := signalHead.FindStringSubmatch(line)
		if m == nil || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "PC=") {
			continue
		}
		sig, desc := m[1], m[2]
		what := signalWhat[sig]
		if what == "" {
			what = "Go ends a program on it, printing the stack of every goroutine"
		}
		value = fmt.Sprintf("the interpreter received signal %s (%s), sent by a process (kill, or syscall.Kill in a cell); %s",
			sig, desc, what)
		if strings.Contains(lines[i+1], "sigcode=0") && sig != "SIGQUIT" && sig != "SIGABRT" {
			value += "; it did not come from a fault of the program"
		}
		if _, where, found := strings.Cut(note, " arrived "); found {
			trace = append(trace, "It arrived "+where)
		}
		trace = append(trace, learnerFrames(strings.Join(lines[i:], "\n"))...)
		return "Signal", value, trace, true
	}
	return "", "", nil, false
}

// faultDetail describes the [signal ...] line of a panic or fatal error
// that came from a fault, or is "".
func faultDetail(lines []string) string {
	for _, l := range lines {
		m := signalLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		d := fmt.Sprintf("%s, %s", m[1], m[2])
		if m[4] != "" {
			d += " at address " + m[4]
		}
		return d
	}
	return ""
}

// maxLearnerGoroutines bounds the goroutines learnerFrames lists.
const maxLearnerGoroutines = 5

// learnerFrames picks, from the goroutine stacks in Go's report, those of
// cells running library code that a cell called (math/big, sort, a wait on
// a sync.WaitGroup): the frames of the interpreter, the runtime and the
// kernel mean nothing to a learner, and a cell's own lines don't appear in
// Go's report at all.
func learnerFrames(report string) []string {
	var out []string
	more := 0
	for _, block := range strings.Split(report, "\n\n") {
		header, body, _ := strings.Cut(strings.TrimSpace(block), "\n")
		if !strings.HasPrefix(header, "goroutine ") {
			continue
		}
		called, inner, ok := cellCall(body)
		if !ok {
			continue
		}
		if len(out) == maxLearnerGoroutines {
			more++
			continue
		}
		state := ""
		if i := strings.IndexByte(header, '['); i >= 0 {
			state = " [" + strings.TrimSuffix(header[i+1:], ":")
		}
		line := fmt.Sprintf("A goroutine of the cells%s was in %s, which the cell called", state, called)
		if inner != called {
			line += " (in " + inner + " inside it)"
		}
		out = append(out, line)
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("... and %d more such goroutine%s", more, plural(more)))
	}
	return out
}

// cellCall reads one goroutine's frames, innermost first: the library
// function interpreted code called (outermost) and the one running in it
// (innermost), when the goroutine runs cells' code.
func cellCall(body string) (called, inner string, ok bool) {
	var lib []string
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "\t") {
			continue // a frame's file and line
		}
		fn := line
		if i := strings.LastIndexByte(line, '('); i > 0 {
			fn = line[:i]
		}
		switch {
		case strings.HasPrefix(fn, "github.com/traefik/yaegi/"):
			if len(lib) == 0 {
				return "", "", false
			}
			return lib[len(lib)-1], lib[0], true
		case strings.HasPrefix(fn, "created by "), strings.HasPrefix(fn, "github.com/gokernel/"), strings.HasPrefix(fn, "main."):
			return "", "", false // not called by interpreted code: the kernel's own goroutine
		case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "reflect."), strings.HasPrefix(fn, "internal/"):
		default:
			lib = append(lib, fn)
		}
	}
	return "", "", false
}

// signalNames spells the signals a worker may die of as C does.
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
	syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGKILL: "SIGKILL", syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGSYS: "SIGSYS",
}

// signalName is a signal's name, as "SIGTERM".
func signalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}
