package eval

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of testdata/*.txtar")

// A golden file is a sequence of cells run in one Session, each followed by what it should
// produce, in a txtar-like format:
//
//	comment lines
//	-- cell --
//	x := 1
//	-- cell --
//	x + 1
//	-- result --
//	2
//
// Sections after a cell: result (text/plain), stdout, stderr, error ("Name: Value" and the
// traceback lines). A missing section means that output must be empty.
//
// A comment line "race: skip" skips the file under the race detector: yaegi v0.16.1 has data
// races of its own when interpreted goroutines run closures concurrently (a closure writes its
// defining frame after running; a method call through a wrapper copies the receiver), which the
// detector reports although the cells are correct.
type goldenFile struct {
	comment string
	cells   []goldenCell
}

type goldenCell struct {
	code string
	want map[string]string // section -> content
}

// sections in the order they are written.
var sections = []string{"result", "stdout", "stderr", "error"}

func parseGolden(t *testing.T, data string) goldenFile {
	t.Helper()
	var g goldenFile
	var name string
	var body []string
	flush := func() {
		content := strings.Join(body, "\n")
		switch name {
		case "":
			g.comment = content
		case "cell":
			g.cells = append(g.cells, goldenCell{code: content, want: map[string]string{}})
		default:
			if len(g.cells) == 0 {
				t.Fatalf("section %q before any cell", name)
			}
			g.cells[len(g.cells)-1].want[name] = content
		}
		body = nil
	}
	for _, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") && len(line) > 6 {
			flush()
			name = strings.TrimSpace(line[3 : len(line)-3])
			continue
		}
		body = append(body, line)
	}
	flush()
	return g
}

func (g goldenFile) format() string {
	var b strings.Builder
	if g.comment != "" {
		b.WriteString(g.comment + "\n")
	}
	for _, c := range g.cells {
		b.WriteString("-- cell --\n" + c.code + "\n")
		for _, s := range sections {
			if v, ok := c.want[s]; ok {
				b.WriteString("-- " + s + " --\n" + v + "\n")
			}
		}
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer for writers on many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			g := parseGolden(t, string(data))
			if raceEnabled && slices.Contains(strings.Split(g.comment, "\n"), "race: skip") {
				t.Skip("yaegi races when interpreted goroutines run closures concurrently")
			}
			got := runGolden(t, g)
			if *update {
				if err := os.WriteFile(file, []byte(got.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for i, c := range g.cells {
				for _, s := range sections {
					if w, gt := c.want[s], got.cells[i].want[s]; w != gt {
						t.Errorf("cell %d %s:\n%s\n-- got --\n%s\n-- want --\n%s", i+1, s, c.code, gt, w)
					}
				}
			}
		})
	}
}

// runGolden runs the cells of g in one session and returns g with the outputs they produced.
func runGolden(t *testing.T, g goldenFile) goldenFile {
	t.Helper()
	var stdout, stderr syncBuffer
	s, err := New(Config{Stdin: strings.NewReader("gopher 42\n"), Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	out := goldenFile{comment: g.comment}
	for i, c := range g.cells {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		o := s.Execute(ctx, Cell{Name: cellName(i + 1), Code: c.code})
		cancel()
		got := map[string]string{}
		if o.Result != nil {
			got["result"], _ = o.Result["text/plain"].(string)
		}
		if v := stdout.take(); v != "" {
			got["stdout"] = strings.TrimSuffix(v, "\n")
		}
		if v := stderr.take(); v != "" {
			got["stderr"] = strings.TrimSuffix(v, "\n")
		}
		if o.Err != nil {
			got["error"] = strings.Join(append([]string{o.Err.Name + ": " + o.Err.Value}, o.Err.Traceback...), "\n")
		}
		out.cells = append(out.cells, goldenCell{code: c.code, want: got})
	}
	return out
}

func cellName(n int) string { return "cell[" + strconv.Itoa(n) + "]" }
