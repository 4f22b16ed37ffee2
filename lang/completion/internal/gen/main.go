// Command gen writes the index that package completion embeds: every package a
// notebook cell can import, with its members and the fields and methods of
// its types.
//
// What a cell can import is what the worker gives yaegi: yaegi's stdlib,
// stdlib/unrestricted and stdlib/syscall tables, and our notebook packages
// under lib/ (each package's Exports table). Those tables hold
// reflect.Values, which know types but not parameter names; the Go sources
// (GOROOT for the standard library, lib/ for ours) supply the names, so
// a signature reads "func Println(a ...any) (n int, err error)" rather than
// "func(...interface {}) (int, error)".
//
// Run it from anywhere in the module:
//
//	go generate ./lang/completion
//
// or go run ./lang/completion/internal/gen [-o file].
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// modulePath is the module whose lib/ packages are indexed.
const modulePath = "github.com/gokernel/gokernel"

func main() {
	out := flag.String("o", "", "output file (default: lang/completion/stdlib_index.json.gz in the module)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	goroot, err := findGOROOT()
	if err != nil {
		return err
	}
	ix, err := buildIndex(root, goroot)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "lang", "completion", IndexFile)
	}
	var buf bytes.Buffer
	if err := indexfile.Encode(&buf, ix); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the index: %w", err)
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d packages, %d types, %d bytes\n", out, len(ix.Packages), len(ix.Types), buf.Len())
	return nil
}

// IndexFile is the index's name in lang/completion.
const IndexFile = "stdlib_index.json.gz"

// moduleRoot finds this module's directory from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			if !bytes.Contains(data, []byte("module "+modulePath+"\n")) {
				return "", fmt.Errorf("%s/go.mod is not module %s", dir, modulePath)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the gokernel module")
		}
		dir = parent
	}
}

// findGOROOT finds the Go sources that go with this toolchain.
func findGOROOT() (string, error) {
	//lint:ignore SA1019 the generator is built untrimmed, so it knows its GOROOT
	if dir := runtime.GOROOT(); dir != "" && hasSources(dir) {
		return dir, nil
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err == nil {
		if dir := strings.TrimSpace(string(out)); hasSources(dir) {
			return dir, nil
		}
	}
	return "", errors.New("no Go sources found (GOROOT/src/fmt): the index needs them for parameter names")
}

func hasSources(goroot string) bool {
	_, err := os.Stat(filepath.Join(goroot, "src", "fmt", "print.go"))
	return err == nil
}
