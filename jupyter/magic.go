package jupyter

import (
	"fmt"

	"github.com/gokernel/gokernel/workerproto"
)

// Magics are a cell's first line that is not blank when it starts with %
// (workerproto.ParseMagic, which the worker reads cells with too). The worker
// runs %time, %env and %%compile; the kernel runs %help and %reset, and
// refuses the rest.
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

// parseMagic reads a cell's magic line. An unknown magic is an error a
// learner can act on.
func parseMagic(code string) (magic, *workerproto.Error) {
	m, ok := workerproto.ParseMagic(code)
	if !ok {
		return noMagic, nil
	}
	name := m.Name
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
