package jupyter

import (
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/workerproto"
)

// Magics are a cell's first line when it starts with %. The worker runs
// %time, %env and %%compile; the kernel runs %help and %reset, and refuses
// the rest.
const magicHelp = `Magics (a cell's first line):
  %time [code]        run the cell, then print its wall time and CPU time
  %env                list the interpreter's environment variables
  %env NAME           print one variable
  %env NAME=value     set a variable for the interpreter and the processes it starts
  %%compile [-race] [-- args...]
                      build the cell with the Go toolchain and run it as a program (the body
                      of main, or a whole program): compiled speed, and -race for the race
                      detector. It sees the types, funcs, consts and imports of earlier cells,
                      not their variables; an unchanged cell runs again without a build
  %reset              start a fresh interpreter: every name the cells defined is gone
  %help               this list
`

// magic is what the kernel does with a cell's magic line.
type magic int

const (
	noMagic     magic = iota // plain Go
	workerMagic              // %time, %env, %%compile: the worker runs it
	helpMagic
	resetMagic
)

// parseMagic reads a magic from the cell's first line. An unknown magic is
// an error a learner can act on.
func parseMagic(code string) (magic, *workerproto.Error) {
	line, _, _ := strings.Cut(strings.TrimLeft(code, " \t\r\n"), "\n")
	if !strings.HasPrefix(line, "%") {
		return noMagic, nil
	}
	name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch name {
	case "%time", "%env", "%%compile":
		return workerMagic, nil
	case "%help":
		return helpMagic, nil
	case "%reset":
		return resetMagic, nil
	}
	msg := fmt.Sprintf("unknown magic %s: the magics are %%time, %%env, %%%%compile, %%reset and %%help", name)
	return noMagic, &workerproto.Error{Name: "UsageError", Value: msg, Traceback: []string{"UsageError: " + msg}}
}
