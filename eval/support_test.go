package eval

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateSupport = flag.Bool("update-support", false, "rewrite docs/go-support.md from TestGoSupport")

// How the kernel answers a piece of Go.
const (
	supported = "supported" // runs as it is
	rewritten = "rewritten" // the cell compiler rewrites it before the interpreter sees it
	refused   = "refused"   // a clear error that says what to write instead
	// interpreted: the kernel runs its own Go source of the standard library function
	// (eval/internal/modern), as the interpreter lacks it or can't run Go's
	interpreted = "interpreted"
)

// supportCase is one row of docs/go-support.md: each is run, and must do what
// the row says, so the table can't drift from the kernel.
type supportCase struct {
	feature string
	setup   string // run first, in the same session
	code    string
	how     string
	want    string // in the result, the output, or (refused) the error
}

var supportCases = []supportCase{
	{"declarations and statements mixed, in any order", "", "x := double(21)\nfunc double(n int) int { return 2 * n }\nx", rewritten, "42"},
	{"names defined by earlier cells", "kept := 7", "kept * 6", supported, "42"},
	{"a whole program with package main and func main", "", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello\")\n}", rewritten, "hello"},
	{"redefining a func that funcs of earlier cells call", "func unit() int { return 1 }\nfunc twice() int { return 2 * unit() }", "func unit() int { return 21 }\ntwice()", rewritten, "42"},
	{"redefining a func that methods and closures of earlier cells call", "func unit() int { return 1 }\ntype U struct{}\nfunc (U) Twice() int { return 2 * unit() }\nthrice := func() int { return 3 * unit() }", "func unit() int { return 7 }\n[]int{U{}.Twice(), thrice()}", rewritten, "[14 21]"},
	{"declaring a var again with the same type (every user keeps the one variable)", "total := 1\ntype A struct{}\nfunc (A) Get() int { return total }", "total := 42\nA{}.Get()", rewritten, "42"},
	{"changing a const that funcs and consts of earlier cells use", "const k = 1\nconst k2 = k * 2\nfunc kk() int { return k2 }", "const k = 21\nkk()", rewritten, "42"},
	{"changing a const (or declaring a var anew) that a method or closure compiled in", "const rate = 1\ntype R struct{}\nfunc (R) Get() int { return rate }", "const rate = 2", refused, "method R.Get (cell[1]:3:1)"},
	{"changing a func's signature while funcs of earlier cells call it", "func size(w int) int { return w }\nfunc use() int { return size(1) }", "func size(w, h int) int { return w * h }", refused, "func use (cell[1]:2:1)"},
	{"the same import in several cells", "import \"strings\"", "import \"strings\"\nstrings.ToUpper(\"go\")", rewritten, `"GO"`},
	{"goroutines, channels, select, sync.WaitGroup", "", "import \"sync\"\nvar wg sync.WaitGroup\nch := make(chan int, 3)\nfor i := 1; i <= 3; i++ {\n\twg.Add(1)\n\tgo func(n int) { defer wg.Done(); ch <- n * n }(i)\n}\nwg.Wait()\nclose(ch)\ntotal := 0\nfor v := range ch {\n\ttotal += v\n}\ntotal", supported, "14"},
	{"sync.Mutex, sync/atomic (atomic.Int64)", "", "import \"sync/atomic\"\nvar n atomic.Int64\nn.Add(5)\nn.Load()", supported, "5"},
	{"context with a timeout", "", "import (\"context\"; \"time\")\nctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)\ndefer cancel()\n<-ctx.Done()\nctx.Err()", supported, "context deadline exceeded"},
	{"for i := range n (Go 1.22)", "", "sum := 0\nfor i := range 5 {\n\tsum += i\n}\nsum", rewritten, "10"},
	{"per-iteration loop variables (Go 1.22)", "", "var fs []func() int\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() int { return i })\n}\n[]int{fs[0](), fs[1](), fs[2]()}", rewritten, "[0 1 2]"},
	{"min, max and clear (Go 1.21 builtins)", "", "m := map[string]int{\"a\": 1}\nclear(m)\n[]int{min(3, 1, 2), max(3, 1, 2), len(m)}", rewritten, "[1 3 0]"},
	{"comma-ok map index and type assertion at the top of a cell", "", "m2 := map[string]int{\"a\": 1}\nv, ok := m2[\"a\"]\nvar e any = 3\nn, isInt := e.(int)\n[]any{v, ok, n, isInt}", rewritten, "[1 true 3 true]"},
	{"a panic in a goroutine (ends the cell, keeps the session)", "", "import \"time\"\ngo func() { panic(\"boom\") }()\ntime.Sleep(time.Second)", rewritten, "boom"},
	{"top-level defer (runs at the end of the cell)", "", "import \"fmt\"\ndefer fmt.Println(\"last\")\nfmt.Println(\"first\")", rewritten, "first\nlast"},
	{"recover in a top-level deferred func, as in main", "", "import \"fmt\"\ndefer func() {\n\tif r := recover(); r != nil {\n\t\tfmt.Println(\"recovered:\", r)\n\t}\n}()\npanic(\"boom\")", rewritten, "recovered: boom"},
	{"print and println (to stderr, formatted as Go prints them)", "", "println(\"x =\", 1, 2.5, 1e21)", rewritten, "x = 1 2.5 1e+21"},
	{"os/exec: child processes", "", "import \"os/exec\"\nout, _ := exec.Command(\"echo\", \"from a child\").Output()\nstring(out)", supported, "from a child"},
	{"os/signal with syscall signal names", "", "import (\"os\"; \"os/signal\"; \"syscall\")\nsig := make(chan os.Signal, 1)\nsignal.Notify(sig, syscall.SIGUSR1)\nsyscall.Kill(os.Getpid(), syscall.SIGUSR1)\n<-sig", supported, "user defined signal 1"},
	{"errors.Is and errors.As on standard errors", "", "import (\"errors\"; \"io/fs\"; \"os\")\n_, err := os.Open(\"/nonexistent\")\nvar pe *fs.PathError\n[]bool{errors.Is(err, fs.ErrNotExist), errors.As(err, &pe)}", supported, "[true true]"},
	{"sort.Ints, sort.Strings, sort.Float64s, sort.Slice", "", "import \"sort\"\nxs := []float64{2.5, 1}\nsort.Float64s(xs)\nws := []string{\"b\", \"a\"}\nsort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })\n[]any{xs, ws}", supported, "[[1 2.5] [a b]]"},
	{"slices.Contains, slices.Index", "", "import \"slices\"\n[]any{slices.Contains([]int{1, 2}, 2), slices.Index([]string{\"a\", \"b\"}, \"b\")}", interpreted, "[true 1]"},
	{"generic types and explicitly instantiated generic funcs", "", "type Number interface{ ~int | ~float64 }\nfunc Sum[T Number](xs []T) T {\n\tvar s T\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\nSum[int]([]int{1, 2, 3})", supported, "6"},
	{"coroutines: gokernel/coro over iter.Pull", "", "import \"gokernel/coro\"\ngen := coro.New(func(yield func(any) bool) { yield(1); yield(2) })\ngen.Take(5)", supported, "[1 2]"},
	{"os.Exit (ends the cell with its status; in the kernel, the interpreter process)", "", "import \"os\"\nos.Exit(3)", rewritten, "exit status 3"},
	{"v, ok := <-ch at the top of a cell", "", "ch := make(chan int, 1)\nch <- 1\nv, ok := <-ch", refused, "declare the variables first"},
	{"packages outside the standard library", "", "import \"github.com/some/module\"", refused, "not other modules"},
	{"changing a type an earlier cell defined", "type P struct{ A int }", "type P struct{ A, B int }", refused, "run %reset (or restart the kernel) and run the cells again"},
	{"changing a method an earlier cell defined", "type P struct{}\nfunc (P) M() int { return 1 }", "func (P) M() int { return 2 }", refused, "cannot change a method once defined"},
	{"changing a generic func an earlier cell defined", "func Id[T any](v T) T { return v }", "func Id[T any](v T) T { var z T; return z }", refused, "cannot change a generic func once defined"},
	{"syscall.Exec (would replace the interpreter)", "", "import (\"os\"; \"syscall\")\nerr := syscall.Exec(\"/bin/true\", nil, os.Environ())\nerr", refused, "not available in a notebook"},
	{"os.Exit(0) ending a pasted program (success, as for go run; the names stay)", "", "package main\n\nimport (\"fmt\"; \"os\")\n\nfunc main() {\n\tfmt.Println(\"done\")\n\tos.Exit(0)\n}", rewritten, "done"},
	{"runtime.Goexit at the top of a cell (ends the cell after its defers, like main's goroutine)", "", "import \"runtime\"\nruntime.Goexit()", rewritten, "runtime.Goexit ended the cell at"},
	{"a panic in a func of time.AfterFunc or context.AfterFunc (the cell's error; the session goes on)", "", "import \"time\"\ntime.AfterFunc(0, func() { panic(\"from a timer\") })\ntime.Sleep(time.Second)", rewritten, "from a timer"},
	{"expressions nested thousands of levels deep", "", "x := " + strings.Repeat("(", 2000) + "1" + strings.Repeat(")", 2000), refused, "expression nested too deeply"},
}

func TestGoSupport(t *testing.T) {
	if raceEnabled {
		// Goroutines of interpreted code race inside yaegi itself (see the golden tests);
		// make test runs this package once more without -race.
		t.Skip("yaegi's own data races")
	}
	var table bytes.Buffer
	fmt.Fprintln(&table, "| Go | the kernel | what it says or shows |")
	fmt.Fprintln(&table, "|---|---|---|")
	for i, c := range append(supportCases, modernCases...) {
		var out bytes.Buffer
		s, err := New(Config{Stdout: &out, Stderr: &out})
		if err != nil {
			t.Fatal(err)
		}
		if c.setup != "" {
			if o := s.Execute(t.Context(), Cell{Name: "cell[1]", Code: c.setup}); o.Err != nil {
				t.Fatalf("%s: setup: %v", c.feature, o.Err)
			}
		}
		o := s.Execute(t.Context(), Cell{Name: fmt.Sprintf("cell[%d]", i+2), Code: c.code})
		var got string
		switch {
		case c.how == refused && o.Err != nil:
			got = o.Err.Value
		case o.Err != nil && c.how != refused && !strings.Contains(o.Err.Value, c.want):
			t.Errorf("%s: %v\n%s", c.feature, o.Err, strings.Join(o.Err.Traceback, "\n"))
			continue
		case o.Err != nil:
			got = o.Err.Name + ": " + o.Err.Value
		default:
			text, _ := o.Result["text/plain"].(string)
			got = strings.TrimSpace(out.String() + text)
			if c.how == refused {
				if text, _ := o.Result["text/plain"].(string); strings.Contains(text, c.want) {
					break // refused by an error value, like syscall.Exec
				}
				t.Errorf("%s: ran, want it refused; got %q", c.feature, got)
				continue
			}
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to contain %q", c.feature, got, c.want)
		}
		fmt.Fprintf(&table, "| %s | %s | %s |\n", c.feature, c.how, cellText(got))
	}
	doc := supportHeader + table.String() + apiSection(t) + engineBugs()
	path := filepath.Join("..", "docs", "go-support.md")
	if *updateSupport {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil || string(have) != doc {
		t.Errorf("docs/go-support.md is stale: run go test ./eval -run TestGoSupport -update-support")
	}
}

// cellText fits a message into a table cell.
func cellText(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " / ")
	if len(s) > 220 {
		s = s[:217] + "..."
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

const supportHeader = `# What Go the kernel runs

Generated by ` + "`go test ./eval -run TestGoSupport -update-support`" + ` from the cases in
eval/support_test.go, which run every row and fail when a row stops doing what it says.

- **supported**: the interpreter (yaegi) runs it as Go does.
- **rewritten**: the cell compiler rewrites the cell before the interpreter sees it, so it
  runs as Go does.
- **interpreted**: the kernel runs its own Go source of the standard library function, with
  Go 1.26's signature (eval/internal/modern), as the interpreter lacks it (its tables stop at
  Go 1.22, and hold no generic function).
- **refused**: the kernel can't run it, and says so in the cell's error, with what to write
  instead.

The third column is what the example in the test printed, returned or said (positions
like ` + "`cell[3]:2:5`" + ` are the cell's own lines).

`
