package worker

import (
	"context"

	"github.com/gokernel/gokernel/compiled"
	"github.com/gokernel/gokernel/eval"
	"github.com/gokernel/gokernel/workerproto"
)

// runCompiled runs a %%compile cell: a Go program built from the cell and the declarations of
// earlier cells (package compiled). It reports false for other cells.
func (w *runner) runCompiled(ctx context.Context, sess *eval.Session, cell eval.Cell) (eval.Outcome, bool) {
	opts, code, ok, err := compiled.ParseMagic(cell.Code)
	if !ok {
		return eval.Outcome{}, false
	}
	if err != nil {
		return eval.Outcome{Err: &workerproto.Error{Name: "UsageError", Value: err.Error(), Traceback: []string{"UsageError: " + err.Error()}}}, true
	}
	out := compiled.Run(ctx, compiled.Cell{Name: cell.Name, Code: code}, opts, sess.Declarations(), compiled.Host{
		Stdout:  w.stdout,
		Stderr:  w.stderr,
		Stdin:   w.in.line,
		Display: sink{w},
	})
	return eval.Outcome{Result: out.Result, ResultMetadata: out.ResultMetadata, Err: out.Err}, true
}
