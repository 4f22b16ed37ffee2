package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/eval/internal/compile"
	"github.com/gokernel/gokernel/eval/internal/gotypes"
)

// BenchmarkCompileCell measures what the type check adds to compiling a cell, in a session
// that declared decls funcs, types and globals before: the check on (what cells get) and off.
func BenchmarkCompileCell(b *testing.B) {
	cell := "import (\"fmt\"; \"maps\"; \"slices\")\nm := map[string]int{\"a\": 1}\nfor k := range maps.Keys(m) {\n\tfmt.Println(k)\n}\nslices.Sorted(maps.Keys(m))"
	for _, decls := range []int{0, 50, 200} {
		for _, check := range []bool{true, false} {
			b.Run(fmt.Sprintf("decls=%d/check=%v", decls, check), func(b *testing.B) {
				s := benchSession(b, decls)
				if !check {
					s.env.Types.Importer = nil
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := compile.Compile(s.env, compile.Cell{Seq: 9999, Name: "cell", Src: cell}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchSession is a session whose cells declared n funcs, n types and n globals.
func benchSession(tb testing.TB, n int) *Session {
	s, err := New(Config{})
	if err != nil {
		tb.Fatal(err)
	}
	var src strings.Builder
	for i := range n {
		fmt.Fprintf(&src, "type T%d struct{ A, B int }\nfunc (t *T%[1]d) Sum() int { return t.A + t.B }\nfunc f%[1]d(x int) int { return x + %[1]d }\nv%[1]d := T%[1]d{%[1]d, 1}\n", i)
	}
	if src.Len() > 0 {
		if o := s.Execute(tb.Context(), Cell{Code: src.String()}); o.Err != nil {
			tb.Fatal(o.Err.Value)
		}
	}
	return s
}

// TestTypeCheckCost logs what a cell's check costs (run with -v): the first import of the
// packages a session uses, and the check of a cell afterwards.
func TestTypeCheckCost(t *testing.T) {
	start := time.Now()
	im := gotypesImporter(t)
	for _, p := range []string{"fmt", "strings", "slices", "maps", "sync", "time", "errors", "os", "net/http"} {
		t0 := time.Now()
		if _, err := im.Import(p); err != nil {
			t.Fatal(err)
		}
		t.Logf("first import of %s: %v", p, time.Since(t0))
	}
	t.Logf("all: %v", time.Since(start))
}

func gotypesImporter(t *testing.T) *gotypes.Importer {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	// A fresh importer over the session's tables: nothing imported yet.
	return s.importer.Fresh()
}
