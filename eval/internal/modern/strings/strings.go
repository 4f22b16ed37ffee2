// Package strings holds the functions of Go's strings package that the interpreter's symbol
// table lacks because they return iterators (Go 1.24): the interpreter compiles them, and takes
// the rest of the package from its native table.
package strings

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lines returns an iterator over the newline-terminated lines in the string s. The lines yielded
// by the iterator include their terminating newlines. If s is empty, the iterator yields no
// lines at all. If s does not end in a newline, the final yielded line will not end in a newline.
func Lines(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		rest := s
		for len(rest) > 0 {
			var line string
			if i := strings.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i+1], rest[i+1:]
			} else {
				line, rest = rest, ""
			}
			if !yield(line) {
				return
			}
		}
	}
}

// SplitSeq returns an iterator over all substrings of s separated by sep. The iterator yields
// the same strings that would be returned by strings.Split(s, sep), but without constructing the
// slice.
func SplitSeq(s, sep string) iter.Seq[string] {
	return splitSeq(s, sep, 0)
}

// SplitAfterSeq returns an iterator over substrings of s split after each instance of sep. The
// iterator yields the same strings that would be returned by strings.SplitAfter(s, sep), but
// without constructing the slice.
func SplitAfterSeq(s, sep string) iter.Seq[string] {
	return splitSeq(s, sep, len(sep))
}

// splitSeq yields the pieces of s around sep, each with sepSave bytes of the separator.
func splitSeq(s, sep string, sepSave int) iter.Seq[string] {
	return func(yield func(string) bool) {
		if len(sep) == 0 {
			rest := s
			for len(rest) > 0 {
				_, size := utf8.DecodeRuneInString(rest)
				if !yield(rest[:size]) {
					return
				}
				rest = rest[size:]
			}
			return
		}
		rest := s
		for {
			i := strings.Index(rest, sep)
			if i < 0 {
				break
			}
			frag := rest[:i+sepSave]
			if !yield(frag) {
				return
			}
			rest = rest[i+len(sep):]
		}
		yield(rest)
	}
}

// FieldsSeq returns an iterator over substrings of s split around runs of whitespace
// characters, as defined by unicode.IsSpace. The iterator yields the same strings that would be
// returned by strings.Fields(s), but without constructing the slice.
func FieldsSeq(s string) iter.Seq[string] {
	return FieldsFuncSeq(s, unicode.IsSpace)
}

// FieldsFuncSeq returns an iterator over substrings of s split around runs of Unicode code
// points satisfying f(c). The iterator yields the same strings that would be returned by
// strings.FieldsFunc(s), but without constructing the slice.
func FieldsFuncSeq(s string, f func(rune) bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		start := -1
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if f(r) {
				if start >= 0 {
					if !yield(s[start:i]) {
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
			yield(s[start:])
		}
	}
}
