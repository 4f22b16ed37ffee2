package workerproto

import (
	"strconv"
	"strings"
)

// A crash note is a line the worker writes on FDCrash just before a panic that nothing
// recovers ends it (a panic in a func of the cells that native code calls on a goroutine of its
// own): what Go's report of that panic can't say, the cells' lines it went through. Each note
// names the goroutine, as Go's report does ("goroutine 35 [running]:"), so that the kernel
// shows the notes of the goroutine that did end the process:
//
//	gokernel: goroutine 35: in a func literal, at cell[3]:2:5
const crashNotePrefix = "gokernel: goroutine "

// CrashNote returns the note line (with its newline) of a line of text about goroutine g.
func CrashNote(g int64, text string) string {
	return crashNotePrefix + strconv.FormatInt(g, 10) + ": " + text + "\n"
}

// ParseCrashNote reads a note line (without its newline).
func ParseCrashNote(line string) (g int64, text string, ok bool) {
	rest, ok := strings.CutPrefix(line, crashNotePrefix)
	if !ok {
		return 0, "", false
	}
	num, text, ok := strings.Cut(rest, ": ")
	if !ok {
		return 0, "", false
	}
	g, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return g, text, true
}
