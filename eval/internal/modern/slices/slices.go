// Package slices is Go 1.26's slices package for the interpreter: every function, with the
// standard library's signatures, written in the Go the interpreter runs (no range over func, no
// conversions to a type parameter, no min, max or clear: the interpreter lacks them in a package).
// The cell compiler calls these with explicit type arguments, which the interpreter needs.
package slices

import (
	"cmp"
	"iter"
	"sort"
)

// All returns an iterator over index-value pairs in the slice in the usual order.
func All[Slice ~[]E, E any](s Slice) iter.Seq2[int, E] {
	return func(yield func(int, E) bool) {
		for i := 0; i < len(s); i++ {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

// Backward returns an iterator over index-value pairs in the slice, traversing it backward with
// descending indices.
func Backward[Slice ~[]E, E any](s Slice) iter.Seq2[int, E] {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

// Values returns an iterator that yields the slice elements in order.
func Values[Slice ~[]E, E any](s Slice) iter.Seq[E] {
	return func(yield func(E) bool) {
		for i := 0; i < len(s); i++ {
			if !yield(s[i]) {
				return
			}
		}
	}
}

// AppendSeq appends the values from seq to the slice and returns the extended slice.
func AppendSeq[Slice ~[]E, E any](s Slice, seq iter.Seq[E]) Slice {
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Collect collects values from seq into a new slice and returns it.
func Collect[E any](seq iter.Seq[E]) []E {
	var s []E
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Sorted collects values from seq into a new slice, sorts the slice, and returns it.
func Sorted[E cmp.Ordered](seq iter.Seq[E]) []E {
	s := Collect[E](seq)
	Sort[[]E, E](s)
	return s
}

// SortedFunc collects values from seq into a new slice, sorts the slice using the comparison
// function, and returns it.
func SortedFunc[E any](seq iter.Seq[E], cmp func(E, E) int) []E {
	s := Collect[E](seq)
	SortFunc[[]E, E](s, cmp)
	return s
}

// SortedStableFunc collects values from seq into a new slice, sorts it keeping the original
// order of equal elements, and returns it.
func SortedStableFunc[E any](seq iter.Seq[E], cmp func(E, E) int) []E {
	s := Collect[E](seq)
	SortStableFunc[[]E, E](s, cmp)
	return s
}

// Chunk returns an iterator over consecutive sub-slices of up to n elements of s. All but the
// last sub-slice have size n. Chunk panics if n is less than 1.
func Chunk[Slice ~[]E, E any](s Slice, n int) iter.Seq[Slice] {
	if n < 1 {
		panic("cannot be less than 1")
	}
	return func(yield func(Slice) bool) {
		for i := 0; i < len(s); i += n {
			end := i + n
			if end > len(s) {
				end = len(s)
			}
			if !yield(s[i:end:end]) {
				return
			}
		}
	}
}

// Equal reports whether two slices are equal: the same length and all elements equal.
func Equal[S ~[]E, E comparable](s1, s2 S) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := 0; i < len(s1); i++ {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}

// EqualFunc reports whether two slices are equal using an equality function on each pair of
// elements.
func EqualFunc[S1 ~[]E1, S2 ~[]E2, E1, E2 any](s1 S1, s2 S2, eq func(E1, E2) bool) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := 0; i < len(s1); i++ {
		if !eq(s1[i], s2[i]) {
			return false
		}
	}
	return true
}

// Compare compares the elements of s1 and s2, using cmp.Compare on each pair of elements.
func Compare[S ~[]E, E cmp.Ordered](s1, s2 S) int {
	for i := 0; i < len(s1); i++ {
		if i >= len(s2) {
			return +1
		}
		if c := cmp.Compare[E](s1[i], s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

// CompareFunc is like Compare but uses a custom comparison function on each pair of elements.
func CompareFunc[S1 ~[]E1, S2 ~[]E2, E1, E2 any](s1 S1, s2 S2, cmp func(E1, E2) int) int {
	for i := 0; i < len(s1); i++ {
		if i >= len(s2) {
			return +1
		}
		if c := cmp(s1[i], s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

// Index returns the index of the first occurrence of v in s, or -1 if not present.
func Index[S ~[]E, E comparable](s S, v E) int {
	for i := 0; i < len(s); i++ {
		if v == s[i] {
			return i
		}
	}
	return -1
}

// IndexFunc returns the first index i satisfying f(s[i]), or -1 if none do.
func IndexFunc[S ~[]E, E any](s S, f func(E) bool) int {
	for i := 0; i < len(s); i++ {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// Contains reports whether v is present in s.
func Contains[S ~[]E, E comparable](s S, v E) bool {
	return Index[S, E](s, v) >= 0
}

// ContainsFunc reports whether at least one element e of s satisfies f(e).
func ContainsFunc[S ~[]E, E any](s S, f func(E) bool) bool {
	return IndexFunc[S, E](s, f) >= 0
}

// Insert inserts the values v... into s at index i, returning the modified slice. Insert panics
// if i is out of range.
func Insert[S ~[]E, E any](s S, i int, v ...E) S {
	_ = s[i:] // bounds check
	if len(v) == 0 {
		return s
	}
	vs := make([]E, len(v)) // v may alias s
	copy(vs, v)
	n := len(s)
	s = append(s, vs...)
	copy(s[i+len(vs):], s[i:n])
	copy(s[i:], vs)
	return s
}

// Delete removes the elements s[i:j] from s, returning the modified slice, and zeroes the
// elements s[len(s)-(j-i):len(s)]. Delete panics if j > len(s) or s[i:j] is not a valid slice.
func Delete[S ~[]E, E any](s S, i, j int) S {
	_ = s[i:j:len(s)] // bounds check
	if i == j {
		return s
	}
	oldlen := len(s)
	s = append(s[:i], s[j:]...)
	zero[E](s[len(s):oldlen])
	return s
}

// DeleteFunc removes any elements from s for which del returns true, returning the modified
// slice, and zeroes the elements between the new length and the original length.
func DeleteFunc[S ~[]E, E any](s S, del func(E) bool) S {
	i := IndexFunc[S, E](s, del)
	if i == -1 {
		return s
	}
	for j := i + 1; j < len(s); j++ {
		if v := s[j]; !del(v) {
			s[i] = v
			i++
		}
	}
	zero[E](s[i:])
	return s[:i]
}

// Replace replaces the elements s[i:j] by the given v, and returns the modified slice; it zeroes
// the elements between the new length and the original length. Replace panics if j > len(s) or
// s[i:j] is not a valid slice.
func Replace[S ~[]E, E any](s S, i, j int, v ...E) S {
	_ = s[i:j]              // bounds check
	vs := make([]E, len(v)) // v may alias s
	copy(vs, v)
	tail := make([]E, len(s)-j)
	copy(tail, s[j:])
	oldlen := len(s)
	r := append(s[:i], vs...)
	r = append(r, tail...)
	if len(r) < oldlen {
		zero[E](s[len(r):oldlen])
	}
	return r
}

// Clone returns a copy of the slice. The elements are copied using assignment, so this is a
// shallow clone. The result may have additional unused capacity.
func Clone[S ~[]E, E any](s S) S {
	if s == nil {
		return nil
	}
	return append(s[:0:0], s...)
}

// Compact replaces consecutive runs of equal elements with a single copy, returns the modified
// slice and zeroes the elements between the new length and the original length.
func Compact[S ~[]E, E comparable](s S) S {
	if len(s) < 2 {
		return s
	}
	i := 1
	for k := 1; k < len(s); k++ {
		if s[k] != s[k-1] {
			if i != k {
				s[i] = s[k]
			}
			i++
		}
	}
	zero[E](s[i:])
	return s[:i]
}

// CompactFunc is like Compact but uses an equality function to compare elements. For runs of
// elements that compare equal, CompactFunc keeps the first one.
func CompactFunc[S ~[]E, E any](s S, eq func(E, E) bool) S {
	if len(s) < 2 {
		return s
	}
	i := 1
	for k := 1; k < len(s); k++ {
		if !eq(s[k], s[i-1]) {
			if i != k {
				s[i] = s[k]
			}
			i++
		}
	}
	zero[E](s[i:])
	return s[:i]
}

// Grow increases the slice's capacity, if necessary, to guarantee space for another n elements.
// If n is negative or too large to allocate the memory, Grow panics.
func Grow[S ~[]E, E any](s S, n int) S {
	if n < 0 {
		panic("cannot be negative")
	}
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]E, n)...)[:len(s)]
	}
	return s
}

// Clip removes unused capacity from the slice, returning s[:len(s):len(s)].
func Clip[S ~[]E, E any](s S) S {
	return s[:len(s):len(s)]
}

// Reverse reverses the elements of the slice in place.
func Reverse[S ~[]E, E any](s S) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Concat returns a new slice concatenating the passed in slices. If the concatenation is empty,
// the result is nil.
func Concat[S ~[]E, E any](slices ...S) S {
	size := 0
	for _, s := range slices {
		size += len(s)
		if size < 0 {
			panic("len out of range")
		}
	}
	var r S
	if size == 0 {
		return r
	}
	r = make(S, 0, size)
	for _, s := range slices {
		r = append(r, s...)
	}
	return r
}

// Repeat returns a new slice that repeats the provided slice the given number of times. Repeat
// panics if count is negative or if the result of (len(x) * count) overflows.
func Repeat[S ~[]E, E any](x S, count int) S {
	if count < 0 {
		panic("cannot be negative")
	}
	const maxInt = int(^uint(0) >> 1)
	if len(x) > 0 && count > maxInt/len(x) {
		panic("the result of (len(x) * count) overflows")
	}
	r := make(S, len(x)*count)
	n := copy(r, x)
	for n < len(r) {
		n += copy(r[n:], r[:n])
	}
	return r
}

// Sort sorts a slice of any ordered type in ascending order. When sorting floating-point
// numbers, NaNs are ordered before other values.
func Sort[S ~[]E, E cmp.Ordered](x S) {
	sort.Slice(x, func(i, j int) bool { return cmp.Less[E](x[i], x[j]) })
}

// SortFunc sorts the slice x in ascending order as determined by the cmp function. This sort is
// not guaranteed to be stable.
func SortFunc[S ~[]E, E any](x S, cmp func(a, b E) int) {
	sort.Slice(x, func(i, j int) bool { return cmp(x[i], x[j]) < 0 })
}

// SortStableFunc sorts the slice x while keeping the original order of equal elements, using
// cmp to compare elements in the same way as SortFunc.
func SortStableFunc[S ~[]E, E any](x S, cmp func(a, b E) int) {
	sort.SliceStable(x, func(i, j int) bool { return cmp(x[i], x[j]) < 0 })
}

// IsSorted reports whether x is sorted in ascending order.
func IsSorted[S ~[]E, E cmp.Ordered](x S) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp.Less[E](x[i], x[i-1]) {
			return false
		}
	}
	return true
}

// IsSortedFunc reports whether x is sorted in ascending order, with cmp as the comparison
// function as defined by SortFunc.
func IsSortedFunc[S ~[]E, E any](x S, cmp func(a, b E) int) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp(x[i], x[i-1]) < 0 {
			return false
		}
	}
	return true
}

// Min returns the minimal value in x. It panics if x is empty. For floating-point numbers, Min
// propagates NaNs (any NaN value in x forces the output to be NaN).
func Min[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Min: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		v := x[i]
		if v != v {
			return v
		}
		if v < m {
			m = v
		}
	}
	return m
}

// MinFunc returns the minimal value in x, using cmp to compare elements. It panics if x is
// empty. If there is more than one minimal element according to the cmp function, MinFunc
// returns the first one.
func MinFunc[S ~[]E, E any](x S, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MinFunc: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if cmp(x[i], m) < 0 {
			m = x[i]
		}
	}
	return m
}

// Max returns the maximal value in x. It panics if x is empty. For floating-point E, Max
// propagates NaNs (any NaN value in x forces the output to be NaN).
func Max[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Max: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		v := x[i]
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// MaxFunc returns the maximal value in x, using cmp to compare elements. It panics if x is
// empty. If there is more than one maximal element according to the cmp function, MaxFunc
// returns the first one.
func MaxFunc[S ~[]E, E any](x S, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MaxFunc: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if cmp(x[i], m) > 0 {
			m = x[i]
		}
	}
	return m
}

// BinarySearch searches for target in a sorted slice and returns the earliest position where
// target is found, or the position where target would appear in the sort order; it also returns
// a bool saying whether the target is really found in the slice.
func BinarySearch[S ~[]E, E cmp.Ordered](x S, target E) (int, bool) {
	n := len(x)
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		if cmp.Less[E](x[h], target) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < n && (x[i] == target || (x[i] != x[i] && target != target))
}

// BinarySearchFunc works like BinarySearch, but uses a custom comparison function.
func BinarySearchFunc[S ~[]E, E, T any](x S, target T, cmp func(E, T) int) (int, bool) {
	n := len(x)
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		if cmp(x[h], target) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < n && cmp(x[i], target) == 0
}

// zero sets the elements of s to their zero value (the interpreter has no clear in a package).
func zero[E any](s []E) {
	var z E
	for i := range s {
		s[i] = z
	}
}
