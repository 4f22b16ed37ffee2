package compiled

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval"
)

// traceCells is the earlier cell of the captured reports in testdata.
const traceCells = "import (\"fmt\"; \"runtime\"; \"sync\"; \"time\")\nconst goroutines = 4\nconst perGoroutine = 1000\n\n" +
	"func countUnsafely() int {\n\tcounter := 0\n\tvar wg sync.WaitGroup\n\tfor g := 0; g < goroutines; g++ {\n\t\twg.Add(1)\n" +
	"\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\tfor i := 0; i < perGoroutine; i++ {\n\t\t\t\tv := counter\n\t\t\t\truntime.Gosched()\n" +
	"\t\t\t\tcounter = v + 1\n\t\t\t}\n\t\t}()\n\t}\n\twg.Wait()\n\treturn counter\n}"

// traceCases are the compiled cells whose stderr testdata holds, as their programs wrote it
// (NAME.stderr), and as the cell shows it (NAME.want). go test -update builds and runs them again.
var traceCases = []struct {
	name, code string
	race       bool
}{
	{"race-lesson", "\nfmt.Println(\"without a lock:\", countUnsafely())", true},
	{"race-map", "\nm := map[int]int{}\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tm[i] = i\n\t}()\n}\nwg.Wait()\nfmt.Println(len(m))", true},
	{"panic", "\nfunc main() {\n\tgo func() {\n\t\tvar s []int\n\t\t_ = s[3]\n\t}()\n\ttime.Sleep(time.Second)\n}", false},
	{"deadlock", "\nvar mu sync.Mutex\nch := make(chan int)\ngo func() {\n\tmu.Lock()\n\t<-ch\n}()\ntime.Sleep(10 * time.Millisecond)\nmu.Lock()", false},
}

func traceSession(t *testing.T) eval.Declarations {
	t.Helper()
	s, err := eval.New(eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if out := s.Execute(t.Context(), eval.Cell{Name: "cell[1]", Code: traceCells}); out.Err != nil {
		t.Fatal(out.Err)
	}
	return s.Declarations()
}

// TestTrace rewrites real race reports and panic traces: frames at the cells' lines, with those
// lines, and without the runtime's frames.
func TestTrace(t *testing.T) {
	decls := traceSession(t)
	for _, c := range traceCases {
		t.Run(c.name, func(t *testing.T) {
			prog, errs := assemble(Cell{Name: "cell[2]", Code: c.code}, decls, false)
			if errs != nil {
				t.Fatal(errs)
			}
			raw := filepath.Join("testdata", c.name+".stderr")
			if *update {
				captureStderr(t, prog, c.race, raw)
			}
			in, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, f := filterAll(t, in, prog, len(in))
			want := filepath.Join("testdata", c.name+".want")
			if *update {
				os.WriteFile(want, []byte(got), 0o644)
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(w) {
				t.Errorf("filtered:\n%s\nwant:\n%s", got, w)
			}
			// Written a few bytes at a time, as the runtime writes, it reads the same.
			if again, _ := filterAll(t, in, prog, 3); again != got {
				t.Errorf("written 3 bytes at a time:\n%s\nwant:\n%s", again, got)
			}
			if strings.HasPrefix(c.name, "race") && f.races == 0 {
				t.Error("no race counted")
			}
			if c.name == "panic" && f.panic != "runtime error: index out of range [3] with length 0" {
				t.Errorf("panic = %q", f.panic)
			}
			if c.name == "deadlock" && f.fatal != "all goroutines are asleep - deadlock!" {
				t.Errorf("fatal = %q", f.fatal)
			}
		})
	}
}

// filterAll passes in through a traceFilter in writes of n bytes.
func filterAll(t *testing.T, in []byte, prog *program, n int) (string, *traceFilter) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	f := &traceFilter{out: &out, src: prog.sources, cells: prog.cells}
	done := make(chan struct{})
	go func() { defer close(done); f.copy(r) }() // ends at EOF: w is closed below
	for len(in) > 0 {
		k := min(n, len(in))
		w.Write(in[:k])
		in = in[k:]
	}
	w.Close()
	<-done
	r.Close()
	return out.String(), f
}

// captureStderr builds and runs a program, and keeps what it wrote on stderr.
func captureStderr(t *testing.T, prog *program, race bool, path string) {
	t.Helper()
	dir, err := cacheDir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := findToolchain(t.Context(), dir, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	files, err := moduleFiles(prog)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "program")
	if err := build(t.Context(), tc, dir, bin, race, files, func(string) {}); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Stderr = &stderr
	cmd.Run()
	if err := os.WriteFile(path, stderr.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTracePassesOtherOutput: output that is no report passes as it comes, a prompt without a
// newline at once.
func TestTracePassesOtherOutput(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := &notifyBuffer{wrote: make(chan struct{}, 16)}
	f := &traceFilter{out: out, src: sources{}, cells: map[string]string{}}
	done := make(chan struct{})
	go func() { defer close(done); f.copy(r) }() // ends at EOF
	w.Write([]byte("name? "))
	<-out.wrote
	if got := out.String(); got != "name? " {
		t.Errorf("after a prompt: %q, want it passed on at once", got)
	}
	w.Write([]byte("gopher\ngoroutine 5 is done\n"))
	w.Close()
	<-done
	if got := out.String(); got != "name? gopher\ngoroutine 5 is done\n" {
		t.Errorf("got %q", got)
	}
}
