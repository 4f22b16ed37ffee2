package supervisor

import (
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/workerproto"
)

// A SIGQUIT report of a worker with a goroutine in math/big (started by a
// cell), the worker's request reader, and one running interpreted code.
const quitReport = workerproto.SignalNote + `SIGQUIT arrived while cell[5] ran line 3: for {}
SIGQUIT: quit
PC=0x49f9e3 m=0 sigcode=0

goroutine 0 gp=0x18d1ae0 m=0 mp=0x18d3880 [idle]:
runtime.futex(0x18d39d8, 0x80, 0x0, 0x0, 0x0, 0x0)
	/usr/local/go/src/runtime/sys_linux_amd64.s:570 +0x23 fp=0x7ffdddb86e20 sp=0x7ffdddb86e18 pc=0x49f9e3

goroutine 7 gp=0xc000007 m=nil [runnable]:
math/big.basicMul({0xc0, 0x1, 0x1}, {0xc1, 0x1, 0x1}, {0xc2, 0x1, 0x1})
	/usr/local/go/src/math/big/natmul.go:20 +0x95
math/big.(*Int).MulRange(0xc0001a, 0x1, 0x7a1200)
	/usr/local/go/src/math/big/int.go:214 +0x1c5
reflect.Value.call({0xd60, 0xc0, 0x13}, {0xf8, 0x4}, {0xc000, 0x2, 0x2})
	/usr/local/go/src/reflect/value.go:584 +0xca6
github.com/traefik/yaegi/interp.callBin.func11(0x4a10)
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.1/interp/run.go:1651 +0xce
created by github.com/gokernel/gokernel/eval.(*Session).goroutine in goroutine 23
	/work/eval/runtime.go:92 +0x99

goroutine 8 gp=0xc000008 m=nil [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
os.(*File).Read(0xc000012, {0xc0, 0x10000, 0x10000})
	/usr/local/go/src/os/file.go:124 +0x4f
bufio.(*Reader).Read(0xc0000, {0xc0, 0x4, 0x4})
	/usr/local/go/src/bufio/bufio.go:245 +0x197
github.com/gokernel/gokernel/workerproto.(*Reader).Read(0xc000)
	/work/workerproto/proto.go:180 +0x45

goroutine 23 gp=0xc000023 m=4 [running]:
github.com/traefik/yaegi/interp.runCfg(0x4a10, 0x4a10, 0x0, 0x0)
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.1/interp/run.go:234 +0x265
`

func TestExplainSignal(t *testing.T) {
	name, value, trace := explainCrash(quitReport)
	if name != "Signal" || !strings.Contains(value, "SIGQUIT (quit)") || !strings.Contains(value, "every goroutine") {
		t.Errorf("explainCrash = %q, %q; want a Signal naming SIGQUIT", name, value)
	}
	want := []string{
		"It arrived while cell[5] ran line 3: for {}",
		"A goroutine of the cells [runnable] was in math/big.(*Int).MulRange, which the cell called (in math/big.basicMul inside it)",
	}
	if !slices.Equal(trace, want) {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(trace, "\n"), strings.Join(want, "\n"))
	}
}

func TestExplainFaults(t *testing.T) {
	tests := []struct{ report, name, value string }{
		{"unexpected fault address 0x7fb7f838b000\nfatal error: fault\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x7fb7f838b000 pc=0x49e740]\n\ngoroutine 23 [running]:\n",
			"fatal error", "fault (SIGSEGV, segmentation violation at address 0x7fb7f838b000)"},
		{"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2f1b]\n\ngoroutine 9 [running]:\n",
			"panic", "runtime error: invalid memory address or nil pointer dereference (SIGSEGV, segmentation violation at address 0x0)"},
		{"SIGSEGV: segmentation violation\nPC=0x49f9e3 m=0 sigcode=0 addr=0x0\n\ngoroutine 0 [idle]:\n",
			"Signal", "the interpreter received signal SIGSEGV (segmentation violation), sent by a process (kill, or syscall.Kill in a cell); Go ends a program on it, printing the stack of every goroutine; it did not come from a fault of the program"},
	}
	for _, tt := range tests {
		name, value, _ := explainCrash(tt.report)
		if name != tt.name || value != tt.value {
			t.Errorf("explainCrash(%q) = %q, %q; want %q, %q", tt.report, name, value, tt.name, tt.value)
		}
	}
}

func TestDescribeExitNamesTheSignal(t *testing.T) {
	if got := signalName(9); got != "SIGKILL" {
		t.Errorf("signalName(9) = %q", got)
	}
}
