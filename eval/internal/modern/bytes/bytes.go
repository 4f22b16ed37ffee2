// Package bytes holds the functions of Go's bytes package that the interpreter's symbol table
// lacks because they return iterators (Go 1.24); the rest comes from the native table.
package bytes

import (
	"bytes"
	"iter"
	"unicode"
	"unicode/utf8"
)

// Lines returns an iterator over the newline-terminated lines in the byte slice s. The lines
// yielded by the iterator include their terminating newlines. If s is empty, the iterator yields
// no lines at all. If s does not end in a newline, the final yielded line will not end in a
// newline. It returns a single-use iterator.
func Lines(s []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		rest := s
		for len(rest) > 0 {
			var line []byte
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i+1], rest[i+1:]
			} else {
				line, rest = rest, rest[len(rest):] // not nil: the interpreter fails on nil in a tuple assignment
			}
			if !yield(line[:len(line):len(line)]) {
				return
			}
		}
	}
}

// SplitSeq returns an iterator over all subslices of s separated by sep. The iterator yields the
// same subslices that would be returned by bytes.Split(s, sep), but without constructing a new
// slice containing the subslices. It returns a single-use iterator.
func SplitSeq(s, sep []byte) iter.Seq[[]byte] {
	return splitSeq(s, sep, 0)
}

// SplitAfterSeq returns an iterator over subslices of s split after each instance of sep. The
// iterator yields the same subslices that would be returned by bytes.SplitAfter(s, sep), but
// without constructing a new slice containing the subslices. It returns a single-use iterator.
func SplitAfterSeq(s, sep []byte) iter.Seq[[]byte] {
	return splitSeq(s, sep, len(sep))
}

// splitSeq yields the pieces of s around sep, each with sepSave bytes of the separator.
func splitSeq(s, sep []byte, sepSave int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if len(sep) == 0 {
			rest := s
			for len(rest) > 0 {
				_, size := utf8.DecodeRune(rest)
				if !yield(rest[:size:size]) {
					return
				}
				rest = rest[size:]
			}
			return
		}
		rest := s
		for {
			i := bytes.Index(rest, sep)
			if i < 0 {
				break
			}
			frag := rest[:i+sepSave]
			if !yield(frag[:len(frag):len(frag)]) {
				return
			}
			rest = rest[i+len(sep):]
		}
		yield(rest[:len(rest):len(rest)])
	}
}

// FieldsSeq returns an iterator over subslices of s split around runs of whitespace characters,
// as defined by unicode.IsSpace. The iterator yields the same subslices that would be returned by
// bytes.Fields(s), but without constructing a new slice containing the subslices.
func FieldsSeq(s []byte) iter.Seq[[]byte] {
	return FieldsFuncSeq(s, unicode.IsSpace)
}

// FieldsFuncSeq returns an iterator over subslices of s split around runs of Unicode code points
// satisfying f(c). The iterator yields the same subslices that would be returned by
// bytes.FieldsFunc(s), but without constructing a new slice containing the subslices.
func FieldsFuncSeq(s []byte, f func(rune) bool) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		start := -1
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRune(s[i:])
			if f(r) {
				if start >= 0 {
					if !yield(s[start:i:i]) {
						return
					}
					start = -1
				}
			} else if start < 0 {
				start = i
			}
			i += size
		}
		if start >= 0 {
			yield(s[start:len(s):len(s)])
		}
	}
}
