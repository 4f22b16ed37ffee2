package eval

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"strconv"
)

// mayChange says why a variable may be changing now, or returns "" when no code of the cells
// runs. Reading a map while a goroutine writes it is a fatal error in Go ("concurrent map
// iteration and map write"), which no recover stops, and a torn read of a string or slice can
// crash as well: the learner's own mutex does not guard the kernel's read. So a value is read
// only when nothing of the cells runs: no goroutine of a go statement, no func that native
// code called (time.AfterFunc), and no other goroutine of the session in interpreted code (an
// http handler, an evaluation an interrupt left blocked in native code), found in the
// goroutine profile by the session's label.
func (s *Session) mayChange() string {
	const why = "code of the cells is running (%s), and reading a value it may be changing could crash the interpreter " +
		"(Go's maps are not safe for concurrent use); print it from a cell, under your lock"
	if n := s.live.Load(); n > 0 {
		return fmt.Sprintf(why, plural(n, "goroutine"))
	}
	if n := s.calls.Load(); n > 0 {
		return fmt.Sprintf(why, plural(n, "callback"))
	}
	switch n, ok := s.interpretedGoroutines(); {
	case !ok:
		return fmt.Sprintf(why, "too many goroutines to tell")
	case n > 0:
		return fmt.Sprintf(why, plural(n, "goroutine"))
	}
	return ""
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// sessionLabel is the pprof label that marks a goroutine running a session's code, with the
// session as its value. Each statement chunk sets it (see begin in runtime.go), and Go gives a
// goroutine the labels of the goroutine that created it: those of the cells' go statements, of
// an http server a cell started and its handlers. A goroutine the runtime starts has none
// (time.AfterFunc's: those are counted in calls).
const sessionLabel = "gokernel-session"

// yaegiFrame marks a goroutine that runs interpreted code.
var yaegiFrame = []byte("github.com/traefik/yaegi/interp.")

// interpretedGoroutines counts the goroutines that run the session's code in the interpreter,
// from the goroutine profile, which shows each goroutine's stack and labels.
func (s *Session) interpretedGoroutines() (int64, bool) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return 0, false
	}
	value, _ := pprof.Label(s.labels, sessionLabel)
	label := []byte(fmt.Sprintf("%q:%q", sessionLabel, value))
	var count int64
	// Entries look like "3 @ 0x4a1 0x4b2\n# labels: {...}\n#\t0x4a1\tpkg.f+0x21\tfile:12\n...",
	// separated by blank lines; the number counts the goroutines with that stack and labels.
	for _, entry := range bytes.Split(buf.Bytes(), []byte("\n\n")) {
		if !bytes.Contains(entry, label) || !interpreting(entry) {
			continue
		}
		first, _, _ := bytes.Cut(entry, []byte(" @ "))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(first[bytes.LastIndexByte(first, '\n')+1:])), 10, 64)
		if err != nil {
			return 0, false
		}
		count += n
	}
	return count, true
}

// interpreting tells a goroutine in interpreted code from one that is only leaving
// EvalWithContext, after its evaluation ended.
func interpreting(stack []byte) bool {
	for _, line := range bytes.Split(stack, []byte("\n")) {
		if bytes.Contains(line, yaegiFrame) && !bytes.Contains(line, []byte("(*Interpreter).EvalWithContext")) {
			return true
		}
	}
	return false
}
