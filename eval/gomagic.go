package eval

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// GoUsage says how the %go magic is written.
const GoUsage = "%go get module@version ... | %go list"

// Go runs the %go magic: `get` pins modules in the session's module (go get), `list` shows
// the session's modules. Cancelling ctx stops a fetch.
func (s *Session) Go(ctx context.Context, args string, stdout io.Writer) *workerproto.Error {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		return usageError("%go needs a command: " + GoUsage)
	}
	switch fields[0] {
	case "get":
		if len(fields) == 1 {
			return usageError("%go get needs modules to pin, e.g. %go get golang.org/x/sync@v0.10.0")
		}
		for _, f := range fields[1:] {
			if strings.HasPrefix(f, "-") {
				return usageError("%go get takes modules (path@version), not flags: " + f)
			}
		}
		status := &fetchStatus{sink: s.sink, what: strings.Join(fields[1:], " "), start: time.Now()}
		moves, err := s.modules.resolver.Get(ctx, fields[1:], status.progress)
		status.done(err, nil)
		if ctx.Err() != nil {
			return interruptedError()
		}
		if err != nil {
			return goError(err.Error())
		}
		if len(moves) == 0 {
			fmt.Fprintln(stdout, "the session's modules are as they were")
		}
		for _, m := range moves {
			switch {
			case m.From == "":
				fmt.Fprintf(stdout, "%s %s\n", m.Path, m.To)
			case m.To == "":
				fmt.Fprintf(stdout, "%s %s: removed\n", m.Path, m.From)
			default:
				fmt.Fprintf(stdout, "%s %s (was %s)\n", m.Path, m.To, m.From)
			}
		}
		return nil
	case "list":
		if len(fields) > 1 {
			return usageError("%go list takes no arguments")
		}
		mods, err := s.modules.resolver.List(ctx)
		if err != nil {
			return goError(err.Error())
		}
		if len(mods) == 0 {
			io.WriteString(stdout, "the session uses no modules yet: import a package of one (import \"golang.org/x/sync/errgroup\"), or pin one with %go get module@version\n")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, m := range mods {
			pinned := ""
			if m.Pinned {
				pinned = "pinned"
			}
			imported := ""
			if len(m.Packages) > 0 {
				imported = "imported: " + strings.Join(m.Packages, ", ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Path, m.Version.Version, pinned, imported)
		}
		tw.Flush()
		return nil
	}
	return usageError("unknown %go command " + fields[0] + ": " + GoUsage)
}

func usageError(msg string) *workerproto.Error {
	return &workerproto.Error{Name: "UsageError", Value: msg, Traceback: []string{"UsageError: " + msg}}
}

func goError(msg string) *workerproto.Error {
	return &workerproto.Error{Name: NameImport, Value: msg, Traceback: []string{NameImport + ": " + msg}}
}
