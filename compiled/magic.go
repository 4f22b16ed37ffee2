package compiled

import (
	"bytes"
	"flag"
	"fmt"
	"strings"
)

// Magic is the cell magic of compiled cells: the first line of the cell, with its flags.
const Magic = "%%compile"

// Usage says how the magic line is written.
const Usage = Magic + " [-race] [-- args...]"

// ParseMagic reads the magic line of a compiled cell, its first line that isn't blank. It
// reports false for other cells. The code it returns is the cell with the magic line (and the
// blank lines before it) left empty, so that the cell's lines keep their numbers.
func ParseMagic(cell string) (opts Options, code string, ok bool, err error) {
	// The magic line: the first that isn't blank. Most cells aren't compiled: look no further.
	start := 0
	for start < len(cell) && strings.ContainsRune(" \t\r\n", rune(cell[start])) {
		start++
	}
	if !strings.HasPrefix(cell[start:], Magic) {
		return opts, "", false, nil
	}
	end := strings.IndexByte(cell[start:], '\n')
	if end < 0 {
		end = len(cell)
	} else {
		end += start
	}
	fields := strings.Fields(cell[start:end])
	if fields[0] != Magic {
		return opts, "", false, nil // %%compiler, say: not this magic
	}
	fs := flag.NewFlagSet(Magic, flag.ContinueOnError)
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	fs.BoolVar(&opts.Race, "race", false, "build with the race detector")
	if err := fs.Parse(fields[1:]); err != nil {
		return opts, "", true, fmt.Errorf("%s: %v; usage: %s", Magic, err, Usage)
	}
	opts.Args = fs.Args()
	// The lines up to the magic's stay, empty, so that the cell's lines keep their numbers.
	return opts, strings.Repeat("\n", strings.Count(cell[:end], "\n")) + cell[end:], true, nil
}
