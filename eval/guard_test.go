package eval

import (
	"reflect"
	"strings"
	"testing"
)

func TestWaitGroupGo(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"fmt\"; \"runtime\"; \"sync\")\nkept := 7")
	tests := []struct{ name, code, want string }{
		// In a func: tasks that use globals race with the next cell inside yaegi, which grows
		// its global frame then (with the standard WaitGroup too).
		{"tasks", "func count() int {\n\tvar wg sync.WaitGroup\n\tvar mu sync.Mutex\n\tn := 0\n\tfor i := 0; i < 10; i++ {\n\t\twg.Go(func() {\n\t\t\tmu.Lock()\n\t\t\tn++\n\t\t\tmu.Unlock()\n\t\t})\n\t}\n\twg.Wait()\n\treturn n\n}\nvar wg sync.WaitGroup\ncount()", "10"},
		{"its type", "fmt.Sprintf(\"%T %T\", wg, &wg)", `"sync.WaitGroup *sync.WaitGroup"`},
		{"embedded", "type group struct{ sync.WaitGroup }\nvar g group\ng.Go(func() {})\ng.Wait()\n1", "1"},
		{"Goexit ends the task", "wg.Go(func() { runtime.Goexit() })\nwg.Wait()\n2", "2"},
	}
	for _, tt := range tests {
		if got := ts.run(t, tt.code); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}

	if raceEnabled {
		// The panic stops the cell while its chunk waits in wg2.Wait; the Done that follows the
		// panic wakes it, and it takes a step in yaegi beside the next cell's evaluation before
		// it sees the stop: a race inside yaegi (eval/settle.go). make test runs this package
		// without -race too.
		t.Skip("a panicking task under -race: yaegi's own data race")
	}
	out := ts.exec(t.Context(), "var wg2 sync.WaitGroup\nwg2.Go(func() {\n\tpanic(\"wg boom\")\n})\nwg2.Wait()")
	wantPanic(t, out, "wg boom", "in a func literal, at cell[6]:3:2\n    panic(\"wg boom\")", "\nin a func that sync.WaitGroup.Go ran")
	if got := ts.run(t, "kept"); got != "7" {
		t.Errorf("kept = %s after the panic, want 7", got)
	}
}

const badIO = "import (\"fmt\"; \"os/exec\")\n" +
	"type bad struct{}\n" +
	"func (bad) Write(p []byte) (int, error) { panic(\"write boom\") }\n" +
	"func (bad) Read(p []byte) (int, error) { panic(\"read boom\") }\n" +
	"kept := 7"

// A Write or Read method of the cells that os/exec calls on its copying goroutine panics: the
// cell's error, and the session goes on.
func TestGuardedWriterAndReader(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, badIO)
	tests := []struct{ name, code, value, where string }{
		{"Stdout", "cmd := exec.Command(\"echo\", \"hi\")\ncmd.Stdout = bad{}\ncmd.Run()", "write boom", "in Write, declared at cell[1]:3:1"},
		{"Stdin", "cmd := exec.Command(\"cat\")\ncmd.Stdin = bad{}\ncmd.Run()", "read boom", "in Read, declared at cell[1]:4:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := strings.TrimSuffix(strings.Fields(tt.where)[1], ",")
			wantPanic(t, ts.exec(t.Context(), tt.code), tt.value,
				tt.where, "\nin the "+method+" method of a value of the cells, called on a goroutine that os/exec.(*Cmd).Start started")
			if got := ts.run(t, "kept"); got != "7" {
				t.Errorf("kept = %s after the panic, want 7", got)
			}
		})
	}
}

// On the cell's own goroutine the guarded wrapper changes nothing: the panic is the cell's,
// and recover in the cell gets it.
func TestGuardedWriterOnTheCellsGoroutine(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, badIO)
	out := ts.exec(t.Context(), "fmt.Fprint(bad{}, \"x\")")
	if out.Err == nil || out.Err.Value != "write boom" || strings.Contains(strings.Join(out.Err.Traceback, "\n"), "goroutine") {
		t.Errorf("got %v %q, want the cell's panic: write boom", out.Err, out.Err.Traceback)
	}
	if got := ts.run(t, "func safe() (r any) {\n\tdefer func() { r = recover() }()\n\tfmt.Fprint(bad{}, \"x\")\n\treturn nil\n}\nsafe()"); got != `"write boom"` {
		t.Errorf("recover got %s, want \"write boom\"", got)
	}
}

// A panic in a func of the cells that native code runs on a goroutine where nothing recovers it
// is explained on Config.Crash, before it ends the process. (Here the native code does recover,
// or the test would end: it is not one the session knows.)
func TestEscapeIsExplainedOnCrash(t *testing.T) {
	ts := &testSession{hooks: newHooks(), stdout: newWatchBuffer(), stderr: newWatchBuffer()}
	crash := newWatchBuffer()
	done := make(chan any, 1)
	foreign := map[string]map[string]reflect.Value{
		"gkforeign/gkforeign": {
			"Run": reflect.ValueOf(func(f func()) any {
				go func() {
					defer func() { done <- recover() }()
					f()
				}()
				return <-done
			}),
		},
	}
	s, err := New(Config{Stdout: ts.stdout, Stderr: ts.stderr, Crash: crash, Packages: []map[string]map[string]reflect.Value{foreign}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Session = s
	ts.run(t, "import \"gkforeign\"\nfunc inner() { panic(\"escaped\") }")
	if got := ts.run(t, "gkforeign.Run(func() {\n\tinner()\n})"); got != "escaped" {
		t.Fatalf("the native code recovered %s", got)
	}
	notes := crash.String()
	g := strings.TrimPrefix(notes, "gokernel: goroutine ")
	g = g[:strings.IndexByte(g, ':')]
	want := []string{
		"in inner, declared at cell[1]:2:1",
		"    func inner() { panic(\"escaped\") }",
		"in a func literal, at cell[2]:2:2",
		"    inner()",
		"in a func of the cells that github.com/gokernel/gokernel/eval.TestEscapeIsExplainedOnCrash.func1.1 called on a goroutine that " +
			"github.com/gokernel/gokernel/eval.TestEscapeIsExplainedOnCrash.func1 started, where nothing recovers a panic: it ended the interpreter.",
		"To keep the session, recover in that func: defer func() { if r := recover(); r != nil { fmt.Println(r) } }()",
	}
	var b strings.Builder
	for _, w := range want {
		b.WriteString("gokernel: goroutine " + g + ": " + w + "\n")
	}
	if notes != b.String() {
		t.Errorf("crash notes:\n%s\nwant:\n%s", notes, b.String())
	}
	// A panic a cell recovers, or one on the cell's own goroutine, is no escape.
	ts.run(t, "func safe() (r any) {\n\tdefer func() { r = recover() }()\n\tinner()\n\treturn nil\n}\nsafe()")
	ts.exec(t.Context(), "inner()")
	if crash.String() != notes {
		t.Errorf("more notes: %q", strings.TrimPrefix(crash.String(), notes))
	}
}
