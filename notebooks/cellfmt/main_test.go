package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "imports, declarations and statements",
			src:  "import (\n\t\"fmt\"\n)\n\nfunc f() int { return 1 }\n\nx := f()\nfmt.Println(x)",
			want: "import (\n\t\"fmt\"\n)\n\nfunc f() int { return 1 }\n\nx := f()\nfmt.Println(x)",
		},
		{
			name: "spaces instead of tabs",
			src:  "func f() {\n    g()\n}",
			want: "func f() {\n\tg()\n}",
		},
		{
			name: "two blank lines become one",
			src:  "x := 1\n\n\nfunc f() {}",
			want: "x := 1\n\nfunc f() {}",
		},
		{
			name: "case at the left margin inside a top-level select",
			src:  "select {\ncase v := <-ch:\n\tuse(v)\ndefault:\n}\ny := 2",
			want: "select {\ncase v := <-ch:\n\tuse(v)\ndefault:\n}\ny := 2",
		},
		{
			name: "a comment above a func stays with it",
			src:  "x := 1\n\n// f is f.\nfunc f() {}",
			want: "x := 1\n\n// f is f.\nfunc f() {}",
		},
		{
			name: "operators spaced",
			src:  "x := 1+2*3\nfmt.Println(x,x)",
			want: "x := 1 + 2*3\nfmt.Println(x, x)",
		},
		{
			name: "raw string spanning lines",
			src:  "s := `a\nb`\nfmt.Print(s)",
			want: "s := `a\nb`\nfmt.Print(s)",
		},
		{
			name: "a magic line stays, the Go below it is formatted",
			src:  "%%compile -race\nx := 1+2\nfmt.Println(x)",
			want: "%%compile -race\nx := 1 + 2\nfmt.Println(x)",
		},
		{
			name: "aligned struct fields",
			src:  "type r struct {\n\tname string\n\tdelay time.Duration\n}",
			want: "type r struct {\n\tname  string\n\tdelay time.Duration\n}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Cell(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Cell(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestCellDoesNotParse(t *testing.T) {
	if _, err := Cell("func f( {"); err == nil {
		t.Error("Cell of broken code: no error")
	}
}

func TestFileRewrites(t *testing.T) {
	name := filepath.Join(t.TempDir(), "lesson.md")
	src := "<!-- cell: a -->\nText.\n\n```go cell=b\nx := 1+1\n```\n\n```go cell=c\nfunc f() {\n}\n```\n\n```go cell=d tags=raises-exception\n%%compile -race\ny := 2+2\n```\n"
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err := file(name, false)
	if err != nil || ok {
		t.Fatalf("file check of an unformatted cell = %v, %v; want false, nil", ok, err)
	}
	if _, err := file(name, true); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(name)
	want := strings.NewReplacer("1+1", "1 + 1", "2+2", "2 + 2").Replace(src)
	if string(data) != want {
		t.Errorf("after -w:\n%s\nwant:\n%s", data, want)
	}
	if ok, err := file(name, false); err != nil || !ok {
		t.Errorf("file check after -w = %v, %v; want true, nil", ok, err)
	}
}
