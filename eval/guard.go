package eval

import (
	"reflect"

	"github.com/gokernel/gokernel/eval/internal/guard"
	gksync "github.com/gokernel/gokernel/eval/internal/sync"
	"github.com/gokernel/gokernel/workerproto"
)

// Natives that run the cells' code on goroutines of their own, guarded by types rather than by
// the session's closures (callbacks.go): sync.WaitGroup, whose Go runs its func under a guard,
// and the interpreter's wrappers of io.Writer and io.Reader, through which native code calls
// the Write and Read methods of the cells' values (os/exec copies a Cmd's Stdout, Stderr and
// Stdin on goroutines of its own). The guards find the session by its panic lines (package
// guard). Their panics are the error of the cell that handed the func or the value over, as a
// go statement's are, while it runs; afterwards a report that names it.
func guardSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"sync/sync": {
			"WaitGroup": reflect.ValueOf((*gksync.WaitGroup)(nil)),
		},
		"io/io": {
			"_Writer": reflect.ValueOf((*guard.Writer)(nil)),
			"_Reader": reflect.ValueOf((*guard.Reader)(nil)),
		},
	}
}

// reporter is the session as the guards see it.
type reporter Session

// Now implements guard.Reporter: the cell running now, nil if none is.
func (r *reporter) Now() any {
	s := (*Session)(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run
}

// Report implements guard.Reporter: the panic lines of goroutine g tell that the cells' code
// panicked there. started is what Now returned when native code was handed that code.
func (r *reporter) Report(g int64, v any, what string, started any) (reported, stopped bool) {
	s := (*Session)(r)
	lines := s.filter.take(g)
	if len(lines) == 0 {
		return false, false
	}
	cell, _ := started.(*run)
	return true, s.asyncPanic(v, lines, origin{what: what, cell: cell})
}

// maxEscapes bounds the panics explained on Config.Crash: the kernel keeps the head of that
// pipe, where Go's report must still fit.
const maxEscapes = 32

// explainEscape writes the crash notes of a panic that is leaving the cells' code where nothing
// recovers it, on a goroutine of native code: the frames of the cells it went through, where it
// ran, and what to do. Go's report follows, with the panic's value; the kernel puts the two
// together as the cell's error.
func (s *Session) explainEscape(e guard.Escape) {
	if s.escapes.Add(1) > maxEscapes {
		return
	}
	var texts []string
	for _, l := range s.filter.peek(e.G) {
		texts = append(texts, s.frame(l)...)
	}
	texts = append(texts,
		e.Where()+", where nothing recovers a panic: it ended the interpreter.",
		"To keep the session, recover in that func: defer func() { if r := recover(); r != nil { fmt.Println(r) } }()")
	var b []byte
	for _, t := range texts {
		b = append(b, workerproto.CrashNote(e.G, t)...)
	}
	_, _ = s.crash.Write(b) // one write: notes of two goroutines don't mix
}
