package eval

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// A canary is an engine bug the kernel works around (or can't), shown by a program yaegi gets
// wrong. TestCanaries fails when yaegi gets it right: then the workaround can go (and the row
// of docs/go-support.md's engine bugs with it).
type canary struct {
	bug        string   // what yaegi gets wrong
	workaround string   // what the kernel does about it, and where
	evals      []string // evaluated in order in a fresh interpreter
	symptom    string   // in the last error, panic or output
}

var canaries = []canary{
	{"range over a function (Go 1.23)",
		"the cell compiler rewrites the loop into a call with the body as yield callback (compile/rangefunc.go)",
		[]string{"package main\nfunc each(yield func(int) bool) { yield(1) }\nfunc main() { for x := range each { println(x) } }"},
		"nil type"},
	{"inferring a generic call's second type parameter (Map(xs, f) with func(int) string)",
		"the compiler writes in the type arguments go/types inferred (compile/modern.go, rewriteGenericCalls)",
		[]string{"package main\nimport \"fmt\"\nfunc Map[T, U any](xs []T, f func(T) U) []U { var out []U; for _, x := range xs { out = append(out, f(x)) }; return out }\nfunc main() { fmt.Println(Map([]int{1}, func(i int) string { return fmt.Sprint(i) })) }"},
		"cannot use type func(int) string as type func(int) int"},
	{"an instantiated generic call at global scope (x := Id[int](1))",
		"a var or := at the top of a cell gets such a value from a func literal (compile/modern.go, wrapGlobalValue)",
		[]string{"func Id[T any](x T) T { return x }", "x := Id[int](1)"},
		"constant definition loop"},
	{"a call of another package's generic function in a composite literal ([]any{slices.Max(xs)})",
		"the compiler puts the call in a func literal (compile/modern.go, wrapPackageGenericCalls)",
		[]string{"package gen\nfunc Max[S ~[]E, E int](s S) E { return s[0] }", "import \"fmt\"", "fmt.Println([]any{gen.Max[[]int, int]([]int{1})})"},
		"not a generic type"},
	{"a type argument that is an instance of a generic type with several type parameters (Map[Pair[string, int], string])",
		"the compiler declares a type alias for it (compile/modern.go, typeArg)",
		[]string{"package main\nfunc Map[T, U any](xs []T, f func(T) U) []U { return nil }\ntype Pair[K comparable, V any] struct{ K K; V V }\nfunc main() { _ = Map[Pair[string, int], string](nil, func(Pair[string, int]) string { return \"\" }) }"},
		"CFG post-order panic"},
	{"the instances of generic functions are kept by name and type arguments, not by package: pb.Twice[int] runs pa.Twice[int]",
		"the interpreted packages' generic funcs and types have names of their own, _gkslices_Sorted (modern.YaegiName), and iterator types are written as their func types, func(func(string) bool), so no iter.Seq[T] instance meets a cell's Seq[T] (compile/modern.go, rewriteSeqType)",
		[]string{"package pa\nfunc Twice[T any](x T) string { return \"pa\" }", "package pb\nfunc Twice[T any](x T) string { return \"pb\" }", "import \"fmt\"", "fmt.Println(pa.Twice[int](1), pb.Twice[int](1))"},
		"pa pa"},
	{"a package-level variable of a source package shares a slot with a variable of the main package",
		"the interpreted packages have no package-level variables (eval/internal/modern)",
		[]string{"func f() {}", "package gen\nimport \"sync\"\nvar mu sync.Mutex\nfunc Lock() { mu.Lock(); mu.Unlock() }", "import \"errors\"", "var e error = errors.New(\"main's\")"},
		"value of type error is not assignable to type sync.Mutex"},
	{"a compiled but not evaluated source package: its funcs return nil closures",
		"the interpreted packages are evaluated, not only compiled (eval/modern.go)",
		[]string{compileOnly + "package gen\nfunc F(s string) func(func(string)) { return func(yield func(string)) { yield(s) } }", "import \"fmt\"", "func f() { gen.F(\"x\")(func(s string) { fmt.Println(s) }) }", "f()"},
		"call of nil function"},
	{"a generic function of a package calling another with a type parameter, using two results",
		"errors.AsType walks the error tree itself (eval/internal/modern/errors)",
		[]string{"package gen\nfunc find[T any](err error) (T, bool) { var t T; if v, ok := err.(T); ok { return v, true }; return t, false }\nfunc AsType[E error](err error) (E, bool) { return find[E](err) }",
			"import \"fmt\"", "type E struct{}\nfunc (*E) Error() string { return \"e\" }", "func f() { fmt.Println(gen.AsType[*E](&E{})) }"},
		"CFG post-order panic"},
	{"any(err).(E) in a generic function, for a cell's error type",
		"the interpreted errors package asserts err.(E) (eval/internal/modern/errors)",
		[]string{"package main\nimport \"fmt\"\ntype E struct{}\nfunc (*E) Error() string { return \"e\" }\nfunc as[T any](err error) bool { _, ok := any(err).(T); return ok }\nfunc main() { var err error = &E{}; fmt.Println(\"found:\", as[*E](err)) }"},
		"found: false"},
	{"errors.As with a target of a cell's error type",
		"errors.As(err, &t) with t of a known type goes to an interpreted As (compile/modern.go, rewriteErrorsAs)",
		[]string{"package main\nimport (\"errors\"; \"fmt\")\ntype E struct{}\nfunc (*E) Error() string { return \"e\" }\nfunc main() { var t *E; fmt.Println(errors.As(fmt.Errorf(\"w: %w\", &E{}), &t)) }"},
		"*target must be interface or implement error"},
	{"fmt.Errorf's %w with a cell's error of a concrete type",
		"fmt.Errorf gets the error interface in the interpreter's MapTypes (eval/modern.go, errorMapTypes)",
		[]string{"package main\nimport \"fmt\"\ntype E struct{}\nfunc (*E) Error() string { return \"e\" }\nfunc main() { fmt.Println(fmt.Errorf(\"w: %w\", &E{})) }"},
		"%!w("},
	{"a cell's error passed to the native errors.Join",
		"errors.Join is interpreted (eval/internal/modern/errors)",
		[]string{"package main\nimport (\"errors\"; \"fmt\")\ntype E struct{}\nfunc (*E) Error() string { return \"e\" }\nfunc main() { fmt.Println(errors.Join(errors.New(\"x\"), &E{})) }"},
		"as type error in Call"},
	{"a type assertion to an interface misses the methods of a value that came through a return or a composite literal (yaegi issue 1558)",
		"the interpreted errors package finds a cell's Unwrap, Is and As methods through probes the compiler registers (compile/modern.go, registerErrorMethods); errors.As with an interface target the cell writes is refused; elsewhere it remains: v.(fmt.Stringer) can be false for a cell's type",
		[]string{"package main\nimport \"fmt\"\ntype Named interface{ Name() string }\ntype P struct{}\nfunc (P) Name() string { return \"p\" }\nfunc get() any { return P{} }\nfunc main() { _, ok := get().(Named); fmt.Println(\"implements:\", ok) }"},
		"implements: false"},
	{"defer f() of a loop's func variable calls the last func each time",
		"the calls deferred in a range-over-func body run through native code (native.RunDefers)",
		[]string{"package main\nimport \"fmt\"\nfunc main() {\n\tfs := []func(){func() { fmt.Print(\"a\") }, func() { fmt.Print(\"b\") }}\n\tfunc() { for _, f := range fs { defer f() } }()\n\tfmt.Println()\n}"},
		"bb"},
	{"a generic struct of a source package with a sync.Mutex field",
		"the interpreted atomic.Pointer is guarded by a native mutex (eval/internal/modern/atomic)",
		[]string{"package gen\nimport \"sync\"\ntype P[T any] struct{ mu sync.Mutex; v *T }\nfunc (p *P[T]) Store(v *T) { p.mu.Lock(); defer p.mu.Unlock(); p.v = v }", "func f() { var p gen.P[int]; x := 1; p.Store(&x) }"},
		"invalid memory address or nil pointer dereference"},
	{"a conversion to a type parameter that is a native named type (Int(x) with Int time.Duration)",
		"rand.N builds its result without the conversion (eval/internal/modern/rand)",
		[]string{"package gen\nfunc Conv[Int ~int64](x uint64) Int { return Int(x) }", "import (\"fmt\"; \"time\")", "fmt.Println(gen.Conv[time.Duration](1))"},
		"NumIn of non-func type"},
	{"nil in a tuple assignment to a slice",
		"bytes.Lines assigns an empty slice (eval/internal/modern/bytes)",
		[]string{"package main\nimport \"fmt\"\nfunc main() { var a, b []byte; a, b = []byte(\"x\"), nil; fmt.Println(a, b) }"},
		"New(nil)"},
	{"an error type with value receivers, held in an error variable (a type assertion panics, %w does not wrap)",
		"none: declare error methods on a pointer receiver, the Go idiom (func (e *MyErr) Error() string)",
		[]string{"package main\nimport \"fmt\"\ntype E struct{}\nfunc (E) Error() string { return \"e\" }\nfunc main() { var err error = E{}; _, ok := err.(E); fmt.Println(ok) }"},
		"reflect.Value.Elem on struct Value"},
	{"append of a composite literal of a generic type with several type parameters, in a generic func",
		"none: assign the literal to a variable first (p := Pair[K, V]{k, v}; out = append(out, p))",
		[]string{"package main\nimport \"fmt\"\ntype Pair[K comparable, V any] struct{ K K; V V }\nfunc One[K comparable, V any](k K, v V) []Pair[K, V] { var out []Pair[K, V]; out = append(out, Pair[K, V]{k, v}); return out }\nfunc main() { fmt.Println(One(\"a\", 1)) }"},
		"panic"},
}

func TestCanaries(t *testing.T) {
	for _, c := range canaries {
		t.Run(c.bug, func(t *testing.T) {
			got := runCanary(t, c.evals)
			if !strings.Contains(got, c.symptom) {
				t.Errorf("yaegi no longer shows this bug (want %q in what it said):\n%s\nThe workaround may go: %s", c.symptom, got, c.workaround)
			}
		})
	}
}

// compileOnly marks a source runCanary compiles without running it.
const compileOnly = "//compile\n"

// runCanary evaluates the sources in a fresh interpreter and returns the output and the first
// error or panic.
func runCanary(t *testing.T, evals []string) string {
	t.Helper()
	var out bytes.Buffer
	i := yaegi.New(yaegi.Options{Stdout: &out, Stderr: &out})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	for _, src := range evals {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			if strings.HasPrefix(src, compileOnly) {
				_, err = i.Compile(src)
				return err
			}
			_, err = i.EvalWithContext(ctx, src)
			return err
		}()
		cancel()
		if err != nil {
			return out.String() + err.Error()
		}
	}
	return out.String()
}

// engineBugs is the section of docs/go-support.md listing the canaries.
func engineBugs() string {
	var b strings.Builder
	b.WriteString("\n## Engine bugs the kernel works around\n\n")
	b.WriteString("Each is a canary in eval/canary_test.go: a program yaegi v0.16.1 gets wrong, which fails the\n")
	b.WriteString("test once yaegi gets it right, so that the workaround goes.\n\n")
	b.WriteString("| yaegi gets wrong | what the kernel does |\n|---|---|\n")
	for _, c := range canaries {
		fmt.Fprintf(&b, "| %s | %s |\n", c.bug, c.workaround)
	}
	b.WriteString("\n## Engine bugs without a workaround yet\n\n")
	b.WriteString("Found in use, timing-dependent, so not canaries: a cell can meet them, and the lessons are\n")
	b.WriteString("written around them.\n\n")
	b.WriteString("| yaegi gets wrong | what to write meanwhile |\n|---|---|\n")
	for _, u := range unguarded {
		fmt.Fprintf(&b, "| %s | %s |\n", u[0], u[1])
	}
	return b.String()
}

// unguarded are engine bugs the kernel has no rewrite for yet: races inside yaegi that show
// only now and then, so that no test can assert them reliably.
var unguarded = [][2]string{
	{"one select statement run by several goroutines at once: yaegi keeps one list of cases per select (interp/run.go, _select) and refills it at every run, so a goroutine can wait on another's channels and never wake (seen 1 in 15 runs of a pool whose jobs select on time.After and ctx.Done)",
		"avoid a select that several goroutines run at once: receive from one channel, or sleep and then check ctx.Err(); moving it into a func doesn't help (every call shares the statement); a %%compile cell runs it as Go does"},
	{"a closure started as a goroutine in a loop can, rarely, see another iteration's loop variable (seen 1 in 60 runs on a loaded machine)",
		"pass the loop variable as an argument: go work(i) or g.Go(job(i)), not a closure over i"},
}
