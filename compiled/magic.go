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
	lines := strings.SplitAfter(cell, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		return opts, "", false, nil
	}
	fields := strings.Fields(lines[i])
	if fields[0] != Magic {
		return opts, "", false, nil
	}
	for j := 0; j <= i; j++ {
		if strings.HasSuffix(lines[j], "\n") {
			lines[j] = "\n"
		} else {
			lines[j] = ""
		}
	}
	fs := flag.NewFlagSet(Magic, flag.ContinueOnError)
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	fs.BoolVar(&opts.Race, "race", false, "build with the race detector")
	if err := fs.Parse(fields[1:]); err != nil {
		return opts, "", true, fmt.Errorf("%s: %v; usage: %s", Magic, err, Usage)
	}
	opts.Args = fs.Args()
	return opts, strings.Join(lines, ""), true, nil
}
