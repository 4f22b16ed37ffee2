package eval

import (
	"fmt"
	"unicode/utf8"
)

// Bounds on what a cell's result and messages show. Everything a cell shows travels to the
// front end in one message of at most workerproto.MaxMessage bytes, and a front end slows to a
// crawl long before that: a 70 MiB string as a result must show as its start and a note, like
// a slice longer than maxElems does.
const (
	maxStringBytes = 64 << 10 // of one string in a result, before " …(N more bytes)"
	maxResultBytes = 1 << 20  // of a result's text, before " …(N more bytes)"
	maxLineBytes   = 160      // of a source line shown under an error
)

// truncate cuts s to at most n bytes, at a UTF-8 boundary, and returns what is left and how
// many bytes were cut.
func truncate(s string, n int) (string, int) {
	if len(s) <= n {
		return s, 0
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], len(s) - cut
}

// moreBytes is the note after a truncated text.
func moreBytes(n int) string { return fmt.Sprintf(" …(%d more bytes)", n) }

// clipLine shortens a long source line to a window around byte offset col, for an excerpt with
// a caret, and returns the window and col within it.
func clipLine(src string, col int) (string, int) {
	if len(src) <= maxLineBytes {
		return src, col
	}
	start := max(0, col-maxLineBytes/2)
	for start > 0 && !utf8.RuneStart(src[start]) {
		start--
	}
	line, cut := truncate(src[start:], maxLineBytes)
	col -= start
	if start > 0 {
		line, col = "…"+line, col+len("…") // col is a byte offset into line
	}
	if cut > 0 {
		line += "…"
	}
	return line, col
}
