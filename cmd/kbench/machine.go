package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// machine describes where the numbers were taken.
type machine struct {
	CPU        string            `json:"cpu"`
	Cores      int               `json:"cores"`
	MemTotal   int64             `json:"ram_bytes"`
	OS         string            `json:"os"`
	LoadAvg    string            `json:"loadavg_at_start"` // 1, 5 and 15 minute load: noise from other work
	GoVersion  string            `json:"go_version"`
	Gokernel   string            `json:"gokernel_version"`
	Python     string            `json:"python_version"`
	IPyKernel  string            `json:"ipykernel_version"`
	Libraries  map[string]string `json:"libraries"` // Go modules kbench was built with
	RecordedAt time.Time         `json:"recorded_at"`
}

func readMachine(ctx context.Context, gokernel, python string) machine {
	m := machine{
		Cores:      runtime.NumCPU(),
		GoVersion:  runtime.Version(),
		Libraries:  map[string]string{},
		RecordedAt: time.Now(),
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(fields[1], 10, 64)
				m.MemTotal = kb << 10
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Gokernel = output(ctx, gokernel, "version")
	m.Python = strings.TrimPrefix(output(ctx, python, "--version"), "Python ")
	m.IPyKernel = output(ctx, python, "-c", "import ipykernel, IPython, zmq; print('ipykernel', ipykernel.__version__, '/ IPython', IPython.__version__, '/ pyzmq', zmq.__version__)")
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/go-zeromq/zmq4", "github.com/traefik/yaegi":
				m.Libraries[d.Path] = d.Version
			}
		}
	}
	return m
}

// output runs a command and returns its trimmed output, or "" on failure.
func output(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
