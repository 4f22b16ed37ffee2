package eval

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// modernDiff is a cell expression and the same Go compiled natively against the standard
// library: the interpreted packages must give what Go gives.
type modernDiff struct {
	expr   string
	native any
}

func cmpLen(a, b string) int { return len(a) - len(b) }

func modernDiffs() []modernDiff {
	ints := func() []int { return []int{5, 2, 8, 2, 9, 1} }
	seq3 := func(yield func(int) bool) { _ = yield(3) && yield(1) && yield(2) }
	pairs := func(yield func(string, int) bool) { _ = yield("a", 1) && yield("b", 2) }
	m := func() map[string]int { return map[string]int{"x": 1, "y": 2, "z": 3} }
	sortedKeys := func(s iter.Seq[string]) []string { return slices.Sorted(s) }
	return []modernDiff{
		// slices
		{"slices.Collect(slices.Values(ints()))", slices.Collect(slices.Values(ints()))},
		{"slices.Collect(maps.Keys(map[int]bool{1: true}))", slices.Collect(maps.Keys(map[int]bool{1: true}))},
		{"slices.AppendSeq([]int{0}, seq3)", slices.AppendSeq([]int{0}, seq3)},
		{"slices.Sorted(seq3)", slices.Sorted(iter.Seq[int](seq3))},
		{"slices.SortedFunc(slices.Values([]string{\"ccc\", \"a\", \"bb\"}), cmpLen)", slices.SortedFunc(slices.Values([]string{"ccc", "a", "bb"}), cmpLen)},
		{"slices.SortedStableFunc(slices.Values([]string{\"bb\", \"a\", \"cc\"}), cmpLen)", slices.SortedStableFunc(slices.Values([]string{"bb", "a", "cc"}), cmpLen)},
		{"slices.Collect(slices.Chunk(ints(), 4))", slices.Collect(slices.Chunk(ints(), 4))},
		{"slices.Equal(ints(), ints())", slices.Equal(ints(), ints())},
		{"slices.EqualFunc(ints(), []string{\"5\"}, func(i int, s string) bool { return strconv.Itoa(i) == s })", slices.EqualFunc(ints(), []string{"5"}, func(i int, s string) bool { return strconv.Itoa(i) == s })},
		{"slices.Compare([]int{1, 2}, []int{1, 3})", slices.Compare([]int{1, 2}, []int{1, 3})},
		{"slices.Compare([]int{1, 2, 0}, []int{1, 2})", slices.Compare([]int{1, 2, 0}, []int{1, 2})},
		{"slices.CompareFunc([]int{1}, []int{2}, cmp.Compare[int])", slices.CompareFunc([]int{1}, []int{2}, cmp.Compare[int])},
		{"slices.Index(ints(), 8)", slices.Index(ints(), 8)},
		{"slices.IndexFunc(ints(), func(v int) bool { return v > 5 })", slices.IndexFunc(ints(), func(v int) bool { return v > 5 })},
		{"slices.Contains(ints(), 3)", slices.Contains(ints(), 3)},
		{"slices.ContainsFunc(ints(), func(v int) bool { return v%3 == 0 })", slices.ContainsFunc(ints(), func(v int) bool { return v%3 == 0 })},
		{"slices.Insert(ints(), 2, 7, 7)", slices.Insert(ints(), 2, 7, 7)},
		{"slices.Insert(ints(), 6, 0)", slices.Insert(ints(), 6, 0)},
		{"slices.Delete(ints(), 1, 3)", slices.Delete(ints(), 1, 3)},
		{"func() []int { s := ints(); _ = slices.Delete(s, 0, 2); return s }()", func() []int { s := ints(); _ = slices.Delete(s, 0, 2); return s }()},
		{"slices.DeleteFunc(ints(), func(v int) bool { return v == 2 })", slices.DeleteFunc(ints(), func(v int) bool { return v == 2 })},
		{"slices.Replace(ints(), 1, 3, 0, 0, 0)", slices.Replace(ints(), 1, 3, 0, 0, 0)},
		{"slices.Replace(ints(), 0, 4, 7)", slices.Replace(ints(), 0, 4, 7)},
		{"slices.Clone(ints())", slices.Clone(ints())},
		{"slices.Clone([]int(nil)) == nil", slices.Clone([]int(nil)) == nil},
		{"slices.Compact([]int{1, 1, 2, 3, 3, 3, 1})", slices.Compact([]int{1, 1, 2, 3, 3, 3, 1})},
		{"slices.CompactFunc([]string{\"a\", \"A\", \"b\"}, strings.EqualFold)", slices.CompactFunc([]string{"a", "A", "b"}, strings.EqualFold)},
		{"cap(slices.Grow([]int{1}, 10)) >= 11", cap(slices.Grow([]int{1}, 10)) >= 11},
		{"cap(slices.Clip(make([]int, 2, 9)))", cap(slices.Clip(make([]int, 2, 9)))},
		{"func() []int { s := ints(); slices.Reverse(s); return s }()", func() []int { s := ints(); slices.Reverse(s); return s }()},
		{"slices.Concat([]int{1}, nil, []int{2, 3})", slices.Concat([]int{1}, nil, []int{2, 3})},
		{"slices.Repeat([]int{1, 2}, 3)", slices.Repeat([]int{1, 2}, 3)},
		{"func() []int { s := ints(); slices.Sort(s); return s }()", func() []int { s := ints(); slices.Sort(s); return s }()},
		{"func() []string { s := []string{\"bb\", \"a\", \"ccc\"}; slices.SortFunc(s, cmpLen); return s }()", func() []string { s := []string{"bb", "a", "ccc"}; slices.SortFunc(s, cmpLen); return s }()},
		{"func() []string { s := []string{\"bb\", \"a\", \"cc\"}; slices.SortStableFunc(s, cmpLen); return s }()", func() []string { s := []string{"bb", "a", "cc"}; slices.SortStableFunc(s, cmpLen); return s }()},
		{"[]bool{slices.IsSorted(ints()), slices.IsSorted([]int{1, 2, 2})}", []bool{slices.IsSorted(ints()), slices.IsSorted([]int{1, 2, 2})}},
		{"slices.IsSortedFunc([]string{\"a\", \"bb\"}, cmpLen)", slices.IsSortedFunc([]string{"a", "bb"}, cmpLen)},
		{"[]int{slices.Min(ints()), slices.Max(ints())}", []int{slices.Min(ints()), slices.Max(ints())}},
		{"[]string{slices.MinFunc([]string{\"bb\", \"a\", \"c\"}, cmpLen), slices.MaxFunc([]string{\"bb\", \"aa\", \"c\"}, cmpLen)}", []string{slices.MinFunc([]string{"bb", "a", "c"}, cmpLen), slices.MaxFunc([]string{"bb", "aa", "c"}, cmpLen)}},
		{"func() []any { i, ok := slices.BinarySearch([]int{1, 3, 5}, 5); j, ok2 := slices.BinarySearch([]int{1, 3, 5}, 0); return []any{i, ok, j, ok2} }()", func() []any {
			i, ok := slices.BinarySearch([]int{1, 3, 5}, 5)
			j, ok2 := slices.BinarySearch([]int{1, 3, 5}, 0)
			return []any{i, ok, j, ok2}
		}()},
		{"func() []any { i, ok := slices.BinarySearchFunc([]string{\"a\", \"bb\"}, 2, func(s string, n int) int { return len(s) - n }); return []any{i, ok} }()", func() []any {
			i, ok := slices.BinarySearchFunc([]string{"a", "bb"}, 2, func(s string, n int) int { return len(s) - n })
			return []any{i, ok}
		}()},
		{"func() (out []string) { for i, v := range slices.All([]string{\"p\", \"q\"}) { out = append(out, fmt.Sprint(i, v)) }; return }()", func() (out []string) {
			for i, v := range slices.All([]string{"p", "q"}) {
				out = append(out, fmt.Sprint(i, v))
			}
			return
		}()},
		{"func() (out []int) { for i := range slices.Backward(ints()) { out = append(out, i) }; return }()", func() (out []int) {
			for i := range slices.Backward(ints()) {
				out = append(out, i)
			}
			return
		}()},
		// maps
		{"sortedKeys(maps.Keys(m()))", sortedKeys(maps.Keys(m()))},
		{"slices.Sorted(maps.Values(m()))", slices.Sorted(maps.Values(m()))},
		{"maps.Collect(pairs)", maps.Collect(iter.Seq2[string, int](pairs))},
		{"func() map[string]int { d := m(); maps.Insert(d, pairs); return d }()", func() map[string]int { d := m(); maps.Insert(d, pairs); return d }()},
		{"func() map[string]int { d := map[string]int{}; for k, v := range maps.All(m()) { d[k] = v * 10 }; return d }()", func() map[string]int {
			d := map[string]int{}
			for k, v := range maps.All(m()) {
				d[k] = v * 10
			}
			return d
		}()},
		{"[]bool{maps.Equal(m(), m()), maps.Equal(m(), map[string]int{})}", []bool{maps.Equal(m(), m()), maps.Equal(m(), map[string]int{})}},
		{"maps.EqualFunc(m(), map[string]string{\"x\": \"1\", \"y\": \"2\", \"z\": \"3\"}, func(i int, s string) bool { return strconv.Itoa(i) == s })", maps.EqualFunc(m(), map[string]string{"x": "1", "y": "2", "z": "3"}, func(i int, s string) bool { return strconv.Itoa(i) == s })},
		{"maps.Clone(m())", maps.Clone(m())},
		{"maps.Clone(map[int]int(nil)) == nil", maps.Clone(map[int]int(nil)) == nil},
		{"func() map[string]int { d := map[string]int{\"w\": 0}; maps.Copy(d, m()); return d }()", func() map[string]int { d := map[string]int{"w": 0}; maps.Copy(d, m()); return d }()},
		{"func() map[string]int { d := m(); maps.DeleteFunc(d, func(k string, v int) bool { return v > 1 }); return d }()", func() map[string]int {
			d := m()
			maps.DeleteFunc(d, func(k string, v int) bool { return v > 1 })
			return d
		}()},
		// cmp
		{"[]int{cmp.Compare(1, 2), cmp.Compare(2.5, 2.5), cmp.Compare(\"b\", \"a\")}", []int{cmp.Compare(1, 2), cmp.Compare(2.5, 2.5), cmp.Compare("b", "a")}},
		{"[]bool{cmp.Less(1, 2), cmp.Less(\"b\", \"a\")}", []bool{cmp.Less(1, 2), cmp.Less("b", "a")}},
		{"[]any{cmp.Or(0, 0, 3), cmp.Or(\"\", \"\")}", []any{cmp.Or(0, 0, 3), cmp.Or("", "")}},
		// strings and bytes
		{"slices.Collect(strings.Lines(\"a\\nb\\n\\nc\"))", slices.Collect(strings.Lines("a\nb\n\nc"))},
		{"slices.Collect(strings.SplitSeq(\"a,b,,c,\", \",\"))", slices.Collect(strings.SplitSeq("a,b,,c,", ","))},
		{"slices.Collect(strings.SplitSeq(\"héllo\", \"\"))", slices.Collect(strings.SplitSeq("héllo", ""))},
		{"slices.Collect(strings.SplitAfterSeq(\"a,b,,c\", \",\"))", slices.Collect(strings.SplitAfterSeq("a,b,,c", ","))},
		{"slices.Collect(strings.FieldsSeq(\" \\ta  b\\n c \"))", slices.Collect(strings.FieldsSeq(" \ta  b\n c "))},
		{"slices.Collect(strings.FieldsFuncSeq(\"a1b22c333\", unicode.IsDigit))", slices.Collect(strings.FieldsFuncSeq("a1b22c333", unicode.IsDigit))},
		{"fmt.Sprintf(\"%q\", slices.Collect(bytes.Lines([]byte(\"x\\ny\"))))", fmt.Sprintf("%q", slices.Collect(bytes.Lines([]byte("x\ny"))))},
		{"fmt.Sprintf(\"%q\", slices.Collect(bytes.SplitSeq([]byte(\"1-2--3\"), []byte(\"-\"))))", fmt.Sprintf("%q", slices.Collect(bytes.SplitSeq([]byte("1-2--3"), []byte("-"))))},
		{"fmt.Sprintf(\"%q\", slices.Collect(bytes.SplitAfterSeq([]byte(\"1-2\"), []byte(\"-\"))))", fmt.Sprintf("%q", slices.Collect(bytes.SplitAfterSeq([]byte("1-2"), []byte("-"))))},
		{"fmt.Sprintf(\"%q\", slices.Collect(bytes.FieldsSeq([]byte(\" p  q \"))))", fmt.Sprintf("%q", slices.Collect(bytes.FieldsSeq([]byte(" p  q "))))},
		{"fmt.Sprintf(\"%q\", slices.Collect(bytes.FieldsFuncSeq([]byte(\"p,q\"), unicode.IsPunct)))", fmt.Sprintf("%q", slices.Collect(bytes.FieldsFuncSeq([]byte("p,q"), unicode.IsPunct)))},
		// iter
		{"func() []any { next, stop := iter.Pull(iter.Seq[int](seq3)); defer stop(); a, ok1 := next(); b, _ := next(); return []any{a, ok1, b} }()", func() []any {
			next, stop := iter.Pull(iter.Seq[int](seq3))
			defer stop()
			a, ok1 := next()
			b, _ := next()
			return []any{a, ok1, b}
		}()},
		{"func() []any { next, stop := iter.Pull2(iter.Seq2[string, int](pairs)); defer stop(); k, v, ok := next(); next(); _, _, more := next(); return []any{k, v, ok, more} }()", func() []any {
			next, stop := iter.Pull2(iter.Seq2[string, int](pairs))
			defer stop()
			k, v, ok := next()
			next()
			_, _, more := next()
			return []any{k, v, ok, more}
		}()},
		// sync and errors
		{"func() []int { n := 0; f := sync.OnceValue(func() int { n++; return n * 10 }); return []int{f(), f(), n} }()", func() []int {
			n := 0
			f := sync.OnceValue(func() int { n++; return n * 10 })
			return []int{f(), f(), n}
		}()},
		{"func() []any { f := sync.OnceValues(func() (int, error) { return 7, errors.New(\"e\") }); a, err := f(); return []any{a, err.Error()} }()", []any{7, "e"}},
		{"func() any { defer func() { recover() }(); f := sync.OnceValue(func() int { panic(\"boom\") }); f(); return 1 }()", nil},
		{"errors.Join(errors.New(\"a\"), nil, errors.New(\"b\")).Error()", errors.Join(errors.New("a"), nil, errors.New("b")).Error()},
		{"errors.Join(nil, nil) == nil", errors.Join(nil, nil) == nil},
		{"errors.Unwrap(fmt.Errorf(\"w: %w\", errors.ErrUnsupported)) == errors.ErrUnsupported", errors.Unwrap(fmt.Errorf("w: %w", errors.ErrUnsupported)) == errors.ErrUnsupported},
		{"errors.Is(fmt.Errorf(\"a: %w\", fmt.Errorf(\"b: %w\", errors.ErrUnsupported)), errors.ErrUnsupported)", errors.Is(fmt.Errorf("a: %w", fmt.Errorf("b: %w", errors.ErrUnsupported)), errors.ErrUnsupported)},
	}
}

func TestModernDiff(t *testing.T) {
	var out syncBuffer
	s, err := New(Config{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	setup := `import ("bytes"; "cmp"; "errors"; "fmt"; "iter"; "maps"; "slices"; "strconv"; "strings"; "sync"; "unicode")
func cmpLen(a, b string) int { return len(a) - len(b) }
func ints() []int { return []int{5, 2, 8, 2, 9, 1} }
func seq3(yield func(int) bool) { _ = yield(3) && yield(1) && yield(2) }
func pairs(yield func(string, int) bool) { _ = yield("a", 1) && yield("b", 2) }
func m() map[string]int { return map[string]int{"x": 1, "y": 2, "z": 3} }
func sortedKeys(s iter.Seq[string]) []string { return slices.Sorted(s) }`
	if o := s.Execute(t.Context(), Cell{Name: "setup", Code: setup}); o.Err != nil {
		t.Fatalf("setup: %v\n%s", o.Err.Value, strings.Join(o.Err.Traceback, "\n"))
	}
	for i, d := range modernDiffs() {
		o := s.Execute(t.Context(), Cell{Name: fmt.Sprintf("cell[%d]", i+1), Code: "fmt.Sprint(" + d.expr + ")"})
		want := strconv.Quote(fmt.Sprint(d.native))
		if o.Err != nil {
			t.Errorf("%s: %s\n%s", d.expr, o.Err.Value, strings.Join(o.Err.Traceback, "\n"))
			continue
		}
		if got, _ := o.Result["text/plain"].(string); got != want {
			t.Errorf("%s:\n got %s\nwant %s (Go)", d.expr, got, want)
		}
	}
}
