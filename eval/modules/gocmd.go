package modules

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// Environment variables that choose the Go toolchain: GoEnv first, then go on the PATH, then the
// go that `gokernel install` found (it records it in kernel.json's env).
const (
	GoEnv        = "GOKERNEL_GO"
	InstalledEnv = workerproto.InstalledGoEnv
)

// FindGo returns the go command the kernel uses, and where it was found ("$GOKERNEL_GO", "the
// PATH", "the install ($GOKERNEL_INSTALLED_GO)"); ok is false when there is none.
func FindGo(getenv func(string) string) (path, where string, ok bool) {
	if p := getenv(GoEnv); p != "" {
		return p, "$" + GoEnv, true
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, "the PATH", true
	}
	if p := getenv(InstalledEnv); p != "" {
		return p, "the install ($" + InstalledEnv + ")", true
	}
	return "", "", false
}

// goRun runs the go command with args in dir, with env, and returns its standard output and
// error. Each line of its standard error that says it is fetching something goes to progress as
// it comes. Cancelling ctx kills the command and every process it started.
func goRun(ctx context.Context, goPath, dir string, env []string, progress func(string), args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, goPath, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second // a process the go command left holding a pipe
	var out bytes.Buffer
	cmd.Stdout = &out
	r, w := io.Pipe()
	cmd.Stderr = w
	var errOut bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // ends at EOF: w is closed below once the command has exited
		defer wg.Done()
		lines := bufio.NewScanner(r)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		for lines.Scan() {
			line := lines.Text()
			errOut.WriteString(line + "\n")
			if progress != nil && fetching(line) {
				progress(line)
			}
		}
		io.Copy(io.Discard, r)
	}()
	err = cmd.Run()
	w.Close()
	wg.Wait()
	return out.Bytes(), errOut.Bytes(), err
}

// fetching tells the lines of the go command that say it reaches the module proxy.
func fetching(line string) bool {
	return strings.HasPrefix(line, "go: downloading ") || strings.HasPrefix(line, "go: finding module for package ") ||
		strings.HasPrefix(line, "go: found ")
}
