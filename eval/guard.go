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
// guard). Their panics are the running cell's error, as a go statement's would be: the guard
// can't tell which cell started the goroutine.
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

// Report implements guard.Reporter: the panic lines of goroutine g tell that the cells' code
// panicked there.
func (r *reporter) Report(g int64, v any, what string) (reported, stopped bool) {
	s := (*Session)(r)
	lines := s.filter.take(g)
	if len(lines) == 0 {
		return false, false
	}
	return true, s.asyncPanic(v, lines, s.originNow(what))
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
