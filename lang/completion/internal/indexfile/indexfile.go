// Package indexfile defines the file that records what notebook cells can
// import: packages, their members and the members of their types. The
// generator (lang/completion/internal/gen) writes it from yaegi's symbol
// tables; package completion embeds and reads it. Both sides import this
// package, so the format is written down once.
package indexfile

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// Kinds of [Member], as Go names them. Package completion maps them to the
// words Jupyter front ends show.
const (
	KindFunc   = "func"
	KindType   = "type"
	KindVar    = "var"
	KindConst  = "const"
	KindField  = "field"
	KindMethod = "method"
)

// Index is the whole file.
type Index struct {
	// Go is the toolchain version that generated it (runtime.Version()):
	// method sets and parameter names come from that release's standard
	// library.
	Go       string    `json:"go"`
	Packages []Package `json:"packages"`
	// Types holds the fields and methods of named types, by [TypeKey]: the
	// exported types of Packages and every named type reachable from them
	// (a result, a field, a variable), so that time.Now(). and os.Stdout.
	// complete too.
	Types []Type `json:"types"`
}

// Package is one importable package.
type Package struct {
	Path    string   `json:"path"`          // as a cell imports it: "os/exec", "gokernel/timeline"
	Name    string   `json:"name"`          // "exec"
	Doc     string   `json:"doc,omitempty"` // only where no Go sources are installed (our own packages)
	Members []Member `json:"members"`       // sorted by Name
}

// Type is a named type's fields and methods (value and pointer receivers).
type Type struct {
	Key     string   `json:"key"`     // [TypeKey]
	Kind    string   `json:"kind"`    // reflect kind: "struct", "interface", "int64", ...
	Members []Member `json:"members"` // sorted by Name
}

// Member is a package member, or a field or method of a type.
type Member struct {
	Name string `json:"n"`
	Kind string `json:"k"` // KindFunc, KindType, ...
	// Sig is how the member reads in Go: "func Println(a ...any) (n int, err error)",
	// "type WaitGroup struct", "var Stdout *os.File", "const Second time.Duration = 1000000000",
	// "Timeout time.Duration" (a field), "func (wg *WaitGroup) Add(delta int)" (a method).
	Sig string `json:"s"`
	// Type is the [TypeKey] of the member's value (a var's, const's or field's type, a func's
	// or method's first result), pointers removed; empty when that is not a named type.
	// For a KindType member, its own key.
	Type string `json:"t,omitempty"`
	Doc  string `json:"d,omitempty"` // only where no Go sources are installed
}

// TypeKey names a named type by its package path and name: "sync.WaitGroup",
// "os/exec.Cmd", "gokernel/timeline.Timeline". Predeclared types have no
// path: "error".
func TypeKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Encode writes the index as gzipped JSON. The output depends only on the
// index, so that a regenerated file can be compared with the committed one.
func Encode(w io.Writer, ix *Index) error {
	data, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("indexfile: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("indexfile: %w", err)
	}
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("indexfile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("indexfile: %w", err)
	}
	return nil
}

// Decode reads what [Encode] wrote.
func Decode(data []byte) (*Index, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("indexfile: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("indexfile: %w", err)
	}
	var ix Index
	if err := json.Unmarshal(raw, &ix); err != nil {
		return nil, fmt.Errorf("indexfile: %w", err)
	}
	return &ix, nil
}
