package compiled

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"os/exec"
	"strings"

	"github.com/gokernel/gokernel/workerproto"
)

// Environment variables that choose the Go toolchain: GOKERNEL_GO first, then go on the PATH,
// then the go that `gokernel install` found (it records it in kernel.json's env).
const (
	GoEnv        = "GOKERNEL_GO"
	InstalledEnv = workerproto.InstalledGoEnv
)

// toolchain is the go command compiled cells are built with.
type toolchain struct {
	path    string
	version string            // "go1.26.8"
	env     map[string]string // what go env says of the build's settings
	id      []byte            // all of go env's answer: part of every binary's cache key
}

// envVars are the settings of go env that change what a build makes, or whether it works.
var envVars = []string{"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386",
	"CGO_ENABLED", "CC", "CGO_CFLAGS", "CGO_LDFLAGS", "GOFLAGS", "GOEXPERIMENT", "GOTOOLCHAIN"}

// errToolchain is the error of a toolchain that can't build compiled cells: its message is the
// one line the learner reads.
type errToolchain struct{ msg string }

func (e *errToolchain) Error() string { return e.msg }

// findToolchain finds the go command and asks it for its settings, in dir (which must not be in
// a module, so that no go.mod there asks for another toolchain).
func findToolchain(ctx context.Context, dir string, getenv func(string) string) (*toolchain, error) {
	path, where := "", ""
	if p := getenv(GoEnv); p != "" {
		path, where = p, "$"+GoEnv
	} else if p, err := exec.LookPath("go"); err == nil {
		path, where = p, "the PATH"
	} else if p := getenv(InstalledEnv); p != "" {
		path, where = p, "the install ($"+InstalledEnv+")"
	} else {
		return nil, &errToolchain{"compiled cells need the Go toolchain, and there is no go command on the PATH: " +
			"install Go (https://go.dev/dl) or set " + GoEnv + " to the go command"}
	}
	if _, err := exec.LookPath(path); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			err = ee.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("no such file")
		}
		return nil, &errToolchain{fmt.Sprintf("compiled cells need the Go toolchain: %s from %s can't be run (%v)", path, where, err)}
	}
	cmd := exec.CommandContext(ctx, path, append([]string{"env", "-json"}, envVars...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &errToolchain{fmt.Sprintf("compiled cells need the Go toolchain: %s from %s failed: %s", path, where, firstLine(msg))}
	}
	tc := &toolchain{path: path, id: out}
	if err := json.Unmarshal(out, &tc.env); err != nil {
		return nil, &errToolchain{fmt.Sprintf("compiled cells need the Go toolchain: %s from %s says %q to go env -json", path, where, firstLine(string(out)))}
	}
	tc.version = tc.env["GOVERSION"]
	// A development toolchain ("devel go1.27-…") is newer than any release.
	if v := tc.version; version.IsValid(v) && version.Compare(v, "go"+goVersion) < 0 {
		return nil, &errToolchain{fmt.Sprintf("compiled cells need Go %s or newer: %s (from %s) is %s; install a newer Go "+
			"(https://go.dev/dl) or set %s to one", version.Lang("go" + goVersion)[2:], path, where, v, GoEnv)}
	}
	return tc, nil
}

// checkRace tells whether the toolchain can build with the race detector: it needs cgo, and so a
// C compiler.
func (tc *toolchain) checkRace() error {
	cc := "gcc"
	if fields := strings.Fields(tc.env["CC"]); len(fields) > 0 {
		cc = fields[0]
	}
	if _, err := exec.LookPath(cc); err != nil {
		return &errToolchain{fmt.Sprintf("-race needs cgo, and so a C compiler, and there is no %s: install gcc "+
			"(on Debian: sudo apt-get install gcc libc6-dev) or set CC to a C compiler", cc)}
	}
	if tc.env["CGO_ENABLED"] != "1" {
		return &errToolchain{"-race needs cgo, and CGO_ENABLED is 0 for " + tc.path + ": set CGO_ENABLED=1 (with %env, or in kernel.json's env)"}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
