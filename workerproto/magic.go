package workerproto

import "strings"

// A Magic is a cell's magic line: a line starting with % that is the cell's
// first line that is not blank. The kernel and the worker both read cells
// with [ParseMagic], so they agree on which cells are magics: the kernel runs
// %help and %reset and refuses unknown names; the worker runs %time and %env.
type Magic struct {
	Name string // with its %, e.g. "%time"
	Args string // the rest of the magic line, trimmed
	// Code is the cell with the magic's name blanked out: its arguments and
	// the lines after it keep their lines and columns, for %time, which runs
	// them as the cell.
	Code string
}

// ParseMagic reads the magic line of a cell, if it has one.
func ParseMagic(code string) (Magic, bool) {
	start := 0
	for {
		end := strings.IndexByte(code[start:], '\n')
		line := code[start:]
		if end >= 0 {
			line = code[start : start+end]
		}
		trimmed := strings.TrimLeft(line, " \t\r")
		if trimmed != "" {
			if !strings.HasPrefix(trimmed, "%") {
				return Magic{}, false
			}
			at := start + len(line) - len(trimmed) // the offset of the %
			name := trimmed
			if i := strings.IndexAny(trimmed, " \t\r"); i >= 0 {
				name = trimmed[:i]
			}
			return Magic{
				Name: name,
				Args: strings.TrimSpace(trimmed[len(name):]),
				Code: code[:at] + strings.Repeat(" ", len(name)) + code[at+len(name):],
			}, true
		}
		if end < 0 {
			return Magic{}, false
		}
		start += end + 1
	}
}
