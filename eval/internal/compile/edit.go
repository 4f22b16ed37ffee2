package compile

import (
	"fmt"
	"sort"
	"strings"
)

// An edit replaces the cell's source in [start, end) by parts. An insertion has start == end.
//
// Parts are generated text or references to ranges of the cell; a referenced range is rendered
// with the edits that lie inside it, so rewrites nest: a go statement inside a loop that is
// itself rewritten keeps both rewrites.
type edit struct {
	start, end int
	parts      []part
}

// A part is generated text, or (when ref is set) the cell's source in [start, end). Generated
// text with at set is placed at the cell's offset start, for messages about it.
type part struct {
	text       string
	ref, at    bool
	start, end int
}

func gen(format string, args ...any) part { return part{text: fmt.Sprintf(format, args...)} }

func ref(start, end int) part { return part{ref: true, start: start, end: end} }

// genAt is generated text placed at a cell offset.
func genAt(off int, text string) part { return part{text: text, at: true, start: off} }

// renderer writes yaegi source for ranges of a cell. In front of every piece of the cell's own
// text that does not directly follow the previous one it writes a line directive
// /*line _.go:L:C*/ so that yaegi reports positions in the cell, whatever was generated around
// them. The line number is seq*LineBase+line so that a position names the cell too; the file name
// must stay _.go (yaegi registers imports under it).
type renderer struct {
	src   string
	seq   int
	lines []int // offsets of line starts
	edits []edit
	plain bool // no line directives: text for generated code elsewhere (see renderedTypes)

	b       strings.Builder
	lastEnd int    // end offset of the last original text written, or -1 after generated text
	active  []bool // edits being written
}

func newRenderer(src string, seq int, edits []edit) *renderer {
	sorted := append([]edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.start != b.start {
			return a.start < b.start
		}
		if (a.start == a.end) != (b.start == b.end) {
			return a.start == a.end // insertions first
		}
		return a.end > b.end // then an edit before the edits inside it, which its parts refer to
	})
	return &renderer{src: src, seq: seq, lines: lineStarts(src), edits: sorted, lastEnd: -1}
}

// lineStarts returns the offsets where the lines of src start.
func lineStarts(src string) []int {
	lines := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// position returns the 1-based line and column of an offset.
func position(lines []int, off int) (line, col int) {
	i := sort.Search(len(lines), func(i int) bool { return lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, off - lines[i] + 1
}

// take returns what was written so far and starts afresh.
func (r *renderer) take() string {
	s := r.b.String()
	r.b.Reset()
	r.lastEnd = -1
	return s
}

// text writes generated text. Following the cell's own text, it gets line 0 of the cell (see
// marker), so that nothing generated is placed in the cell.
func (r *renderer) text(s string) {
	if s == "" {
		return
	}
	if r.lastEnd >= 0 && !r.plain {
		r.b.WriteString(r.markerText())
	}
	r.b.WriteString(s)
	r.lastEnd = -1
}

// marker writes a directive giving the following generated text line 0 of the cell, so a
// position in it is known to be generated (for example the call of a statement group).
func (r *renderer) marker() {
	if !r.plain {
		r.b.WriteString(r.markerText())
	}
	r.lastEnd = -1
}

func (r *renderer) markerText() string { return fmt.Sprintf("/*line _.go:%d:1*/", r.seq*LineBase) }

// at writes a directive giving the following generated text the position of a cell offset.
func (r *renderer) at(off int) {
	if r.plain {
		return
	}
	line, col := position(r.lines, off)
	fmt.Fprintf(&r.b, "/*line _.go:%d:%d*/", r.seq*LineBase+line, col)
	r.lastEnd = -1
}

// orig writes the cell's text in [start, end) without edits.
func (r *renderer) orig(start, end int) {
	if start >= end {
		return
	}
	if r.lastEnd != start && !r.plain {
		line, col := position(r.lines, start)
		fmt.Fprintf(&r.b, "/*line _.go:%d:%d*/", r.seq*LineBase+line, col)
	}
	r.b.WriteString(r.src[start:end])
	r.lastEnd = end
}

// render writes the cell's text in [start, end) with the edits inside it applied. An edit may
// refer to its own range (to wrap it): while its parts are written, it is not applied again.
func (r *renderer) render(start, end int) {
	if r.active == nil {
		r.active = make([]bool, len(r.edits))
	}
	cur := start
	for i, e := range r.edits {
		if r.active[i] || e.start < cur || e.end > end {
			continue // being written, before the cursor (inside an edit already written) or outside
		}
		if e.start == e.end && e.start == end && start < end {
			continue // an insertion at the end of a range belongs to what follows it
		}
		r.orig(cur, e.start)
		r.active[i] = true
		for _, p := range e.parts {
			switch {
			case p.ref:
				r.render(p.start, p.end)
			case p.at:
				r.at(p.start)
				r.text(p.text)
			default:
				r.text(p.text)
			}
		}
		r.active[i] = false
		cur = e.end
	}
	r.orig(cur, end)
}
