package eval

import "github.com/gokernel/gokernel/eval/internal/compile"

// prelude is evaluated once per session, before any cell. It imports the runtime helpers under
// the name generated code uses and defines the builtins yaegi lacks (Go 1.21's min, max and
// clear). The type constraints are written inline: yaegi fails on a named constraint with an
// untyped constant argument. min and max infer their type from the first argument; compile's rewriteMinMax puts a
// typed argument first when it can. A cell may declare its own min or max: that one wins.
const prelude = `import ` + compile.RuntimeName + ` "` + compile.RuntimePackage + `"

func min[T ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string](x T, y ...T) T {
	m := x
	for _, v := range y {
		if v != v {
			return v // NaN
		}
		if v < m {
			m = v
		}
	}
	return m
}

func max[T ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string](x T, y ...T) T {
	m := x
	for _, v := range y {
		if v != v {
			return v // NaN
		}
		if v > m {
			m = v
		}
	}
	return m
}

func clear(v any) { ` + compile.RuntimeName + `.Clear(v) }
`
