package gotypes

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/eval/internal/modern"
	"github.com/gokernel/gokernel/eval/internal/modern/native"
	"github.com/traefik/yaegi/stdlib"
)

func nativeTable() Tables {
	return Tables{modern.NativePath + "/native": {
		"Pull": reflect.ValueOf(native.Pull), "Unwrap": reflect.ValueOf(native.Unwrap), "Is": reflect.ValueOf(native.Is),
		"As": reflect.ValueOf(native.As), "Assign": reflect.ValueOf(native.Assign), "Comparable": reflect.ValueOf(native.Comparable),
		"Same": reflect.ValueOf(native.Same), "Lock": reflect.ValueOf(native.Lock), "Unlock": reflect.ValueOf(native.Unlock),
	}}
}

func TestCheck(t *testing.T) {
	im := New(stdlib.Symbols, nativeTable())
	src := `package main
import ("fmt"; "maps"; "slices"; "strings"; "sync"; "errors"; "time"; "os"; "iter"; "math/rand/v2"; "sync/atomic")
type E struct{}
func (*E) Error() string { return "" }
func main() {
	m := map[string]int{"a": 1}
	ks := slices.Sorted(maps.Keys(m))
	fmt.Println(ks, time.Second*2, os.Stdout)
	var s iter.Seq[string] = strings.Lines("a\nb")
	_ = s
	f := sync.OnceValue(func() int { return 1 })
	_ = f() + rand.N(3)
	e, ok := errors.AsType[*E](errors.New("x"))
	_, _ = e, ok
	var p atomic.Pointer[E]
	p.Store(&E{})
	var wg sync.WaitGroup
	wg.Go(func() {})
	var b strings.Builder
	b.WriteString("x")
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	conf := types.Config{Importer: im, Error: func(err error) { errs = append(errs, err.Error()) }}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	if _, err := conf.Check("main", fset, []*ast.File{f}, info); err != nil {
		t.Fatalf("%s", strings.Join(errs, "\n"))
	}
}
