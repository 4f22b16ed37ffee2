package compiled

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// A traceFilter copies a program's stderr to the cell's, rewriting what the Go runtime reports
// there: the frames of race reports and panic traces name the cell's lines and show them, and
// the runtime's own frames are left out. Other output passes as it comes.
type traceFilter struct {
	out   io.Writer
	src   sources
	cells map[string]string // the line directives' names of cells → the notebook's

	races int    // race reports seen
	panic string // the first panic's message
	fatal string // the first fatal error's

	held      []byte   // the start of a line that may be a report's, not seen whole yet
	midLine   bool     // the current line was passed on as it came
	race      []string // the lines of a race report being read
	inTrace   bool     // in a goroutine trace
	lastBlank bool     // the trace's last line was blank
	frame     string   // a frame's function line, waiting for its file line
}

// raceDelim opens and closes a race report.
const raceDelim = "=================="

// starts are the beginnings of the lines the filter rewrites or notes.
var starts = []string{raceDelim, "goroutine ", "panic: ", "fatal error: "}

// goroutineHeader matches the first line of a goroutine in a trace: goroutine 1 [running]:
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ .*\[.*\]:$`)

// fileLine matches the second line of a frame: its file and line, and the pc offset.
var fileLine = regexp.MustCompile(`^(\s+)(\S+):(\d+)(?: \+0x[0-9a-f]+)?$`)

// heldFor is how long a line start that may open a report waits for the rest of its line
// before it is passed on as it is (a prompt without a newline must show).
const heldFor = 100 * time.Millisecond

// copy reads r to its end.
func (f *traceFilter) copy(r *os.File) {
	buf := make([]byte, 32<<10)
	for {
		if len(f.held) > 0 || f.frame != "" {
			r.SetReadDeadline(time.Now().Add(heldFor))
		} else {
			r.SetReadDeadline(time.Time{})
		}
		n, err := r.Read(buf)
		f.write(buf[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			f.flushHeld()
			continue
		}
		if err != nil {
			f.flushHeld()
			if len(f.race) > 0 {
				f.emit(strings.Join(f.race, "\n") + "\n") // a report cut short: as it came
				f.race = nil
			}
			return
		}
	}
}

// write takes what the program wrote.
func (f *traceFilter) write(data []byte) {
	for len(data) > 0 {
		if f.midLine {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				f.out.Write(data)
				return
			}
			f.out.Write(data[:i+1])
			data, f.midLine = data[i+1:], false
			continue
		}
		f.held = append(f.held, data...)
		data = nil
		for {
			i := bytes.IndexByte(f.held, '\n')
			if i < 0 {
				break
			}
			line := strings.TrimRight(string(f.held[:i]), "\r")
			f.held = f.held[i+1:]
			f.line(line)
		}
		if len(f.held) > 0 && f.race == nil && !f.inTrace && f.frame == "" && !mayStart(string(f.held)) {
			f.out.Write(f.held)
			f.held, f.midLine = nil, true
		}
	}
}

// mayStart tells whether a line that starts with s may be one the filter rewrites.
func mayStart(s string) bool {
	for _, start := range starts {
		if strings.HasPrefix(start, s) || strings.HasPrefix(s, start) {
			return true
		}
	}
	return false
}

// flushHeld passes on a line start that waited long enough, as it is.
func (f *traceFilter) flushHeld() {
	if f.frame != "" {
		f.emit(f.frame + "\n")
		f.frame = ""
	}
	if len(f.held) > 0 {
		f.out.Write(f.held)
		f.held, f.midLine = nil, true
	}
}

func (f *traceFilter) emit(s string) { io.WriteString(f.out, s) }

// line takes one whole line.
func (f *traceFilter) line(l string) {
	switch {
	case f.race != nil:
		f.race = append(f.race, l)
		if l == raceDelim && len(f.race) > 1 {
			f.races++
			f.emit(strings.Join(rewriteFrames(f.race, f.src, f.cells), "\n") + "\n")
			f.race = nil
		}
		return
	case l == raceDelim:
		f.race = []string{l}
		return
	case f.inTrace:
		if f.traceLine(l) {
			return
		}
	}
	switch {
	case strings.HasPrefix(l, "panic: ") && f.panic == "" && f.fatal == "":
		f.panic = strings.TrimSuffix(strings.TrimPrefix(l, "panic: "), " [recovered]")
	case strings.HasPrefix(l, "fatal error: ") && f.fatal == "" && f.panic == "":
		f.fatal = strings.TrimPrefix(l, "fatal error: ")
	case goroutineHeader.MatchString(l):
		f.inTrace, f.lastBlank = true, false
	}
	f.emit(l + "\n")
}

// traceLine takes a line of a goroutine trace, and reports false when the trace has ended.
func (f *traceFilter) traceLine(l string) bool {
	if f.lastBlank && !goroutineHeader.MatchString(l) {
		f.inTrace = false
		return false
	}
	f.lastBlank = false
	if f.frame != "" {
		fn := f.frame
		f.frame = ""
		if fileLine.MatchString(l) {
			for _, out := range frameLines(fn, l, f.src, f.cells) {
				f.emit(out + "\n")
			}
			return true
		}
		f.emit(fn + "\n")
	}
	switch {
	case l == "":
		f.lastBlank = true
		f.emit("\n")
	case goroutineHeader.MatchString(l), strings.HasPrefix(l, "..."), fileLine.MatchString(l):
		f.emit(l + "\n")
	default:
		f.frame = l
	}
	return true
}

// rewriteFrames rewrites the frames among the lines of a report.
func rewriteFrames(lines []string, src sources, cells map[string]string) []string {
	var out []string
	for i := 0; i < len(lines); i++ {
		if i+1 < len(lines) && !fileLine.MatchString(lines[i]) && fileLine.MatchString(lines[i+1]) {
			out = append(out, frameLines(lines[i], lines[i+1], src, cells)...)
			i++
			continue
		}
		out = append(out, lines[i])
	}
	return out
}

// frameLines returns a frame (its function line and file line) as the cell shows it: at a cell's
// line, with that line's text; without the runtime's frames and the generated code's; other
// frames without their pc offsets.
func frameLines(fn, file string, src sources, cells map[string]string) []string {
	m := fileLine.FindStringSubmatch(file)
	indent, path, line := m[1], m[2], m[3]
	if cell, ok := cells[path]; ok {
		lines := src[cell]
		path = cell
		var n int
		for _, c := range line {
			n = n*10 + int(c-'0')
		}
		at := indent + path + ":" + line
		if text, ok := lines[n]; ok && strings.TrimSpace(text) != "" {
			at += "    " + strings.TrimSpace(text)
		}
		return []string{fn, at}
	}
	name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(fn), "created by "))
	if path == genFile || strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "runtime/") ||
		strings.HasPrefix(name, "internal/") {
		return nil
	}
	return []string{fn, indent + path + ":" + line}
}
