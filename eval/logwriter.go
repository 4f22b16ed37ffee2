package eval

import (
	"bytes"
	"io"
	"regexp"
	"strings"
)

// LogWriter returns what the process's standard logger should write to when its cells run in
// s: w, the cells' stderr. Through that logger go log.Default() (yaegi binds the log
// package's functions to a logger of its own, on the interpreter's stderr, but not Default),
// slog's default handler and net/http's error log, which reports a handler's panic. Two
// kinds of entry are changed on the way:
//
//   - the interpreter logs a few failures of its own compiler just before it panics with the
//     same text ("nil type"); the cell's error reports those, and they are left out;
//   - net/http's "http: panic serving ..." carries a Go stack of the interpreter's internals:
//     it is replaced by the cell lines of the handler's frames, from yaegi's panic lines.
func (s *Session) LogWriter(w io.Writer) io.Writer { return &logWriter{s: s, w: w} }

type logWriter struct {
	s *Session
	w io.Writer
}

// interpreterLog matches an entry the interpreter's compiler logs, after whatever date,
// prefix or file the logger's flags put in front.
var interpreterLog = regexp.MustCompile(`^(?:[^\n]*[ :])?(?:nil type|nil reflect type|(?:_\.go:)?\d+:\d+: compositeGenerator not implemented for type kind: [^\n]*)\n$`)

// The standard logger writes each entry in one Write.
func (l *logWriter) Write(p []byte) (int, error) {
	if len(p) < 512 && interpreterLog.Match(p) {
		return len(p), nil
	}
	entry := p
	if bytes.Contains(p, []byte("http: panic serving ")) {
		entry = l.s.httpPanic(p)
	}
	if _, err := l.w.Write(entry); err != nil {
		return 0, err
	}
	return len(p), nil
}

// httpPanic rewrites net/http's report of a handler's panic, logged on the goroutine that
// panicked: its first line, then the handler's frames in the cells instead of the Go stack.
// An entry without frames of the cells (a native handler panicked) stays as it is.
func (s *Session) httpPanic(entry []byte) []byte {
	frames := s.filter.take(goroutineID())
	var lines []string
	for _, f := range frames {
		lines = append(lines, s.frame(f)...)
	}
	if len(lines) == 0 {
		return entry
	}
	head, _, _ := bytes.Cut(entry, []byte("\ngoroutine "))
	var b strings.Builder
	b.Write(bytes.TrimRight(head, "\n"))
	b.WriteByte('\n')
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("(net/http recovered the handler's panic and closed that connection; the server goes on)\n")
	return []byte(b.String())
}
