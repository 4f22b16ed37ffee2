package modules

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// A Tree is the GOPATH the interpreter imports module packages from: Root/src/<import path>
// holds the Go files of that package that the go command would build here (go list's GoFiles:
// build constraints applied, cgo off), read from the module cache. It is a file system of its
// own, not links on disk: nothing is written, so sessions never share or race on it, and only
// the files of a package the interpreter may read are there.
//
// A Tree is safe for concurrent use.
type Tree struct {
	Root string // the interpreter's GoPath

	mu   sync.RWMutex
	pkgs map[string]*Package // by import path
}

// NewTree returns an empty tree rooted at root.
func NewTree(root string) *Tree { return &Tree{Root: root, pkgs: map[string]*Package{}} }

// Add puts packages in the tree.
func (t *Tree) Add(pkgs ...*Package) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range pkgs {
		t.pkgs[p.ImportPath] = p
	}
}

// Package returns the package of an import path in the tree.
func (t *Tree) Package(importPath string) (*Package, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.pkgs[importPath]
	return p, ok
}

// lookup returns what a name of the file system is: a package's folder (file ""), one of its
// files, or a folder above packages (p nil, dir true).
func (t *Tree) lookup(name string) (p *Package, file string, dir bool) {
	rel, ok := strings.CutPrefix(path.Clean("/"+name), path.Clean("/"+t.Root)+"/src")
	if !ok {
		return nil, "", false
	}
	rel = strings.TrimPrefix(rel, "/")
	t.mu.RLock()
	defer t.mu.RUnlock()
	if p, ok := t.pkgs[rel]; ok {
		return p, "", true
	}
	if d, f := path.Split(rel); d != "" {
		if p, ok := t.pkgs[strings.TrimSuffix(d, "/")]; ok && slices.Contains(p.Files, f) {
			return p, f, false
		}
	}
	for ip := range t.pkgs {
		if rel == "" || strings.HasPrefix(ip, rel+"/") {
			return nil, "", true
		}
	}
	return nil, "", false
}

// Open implements fs.FS. The interpreter opens absolute names (Root/src/...).
func (t *Tree) Open(name string) (fs.File, error) {
	p, file, dir := t.lookup(name)
	switch {
	case p != nil && file != "":
		return os.Open(filepath.Join(p.Dir, file))
	case dir:
		return &dirFile{name: path.Base(name), entries: t.entries(name)}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir implements fs.ReadDirFS: a package's folder lists the files the interpreter reads.
func (t *Tree) ReadDir(name string) ([]fs.DirEntry, error) {
	if _, file, dir := t.lookup(name); !dir || file != "" {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return t.entries(name), nil
}

// Stat implements fs.StatFS.
func (t *Tree) Stat(name string) (fs.FileInfo, error) {
	p, file, dir := t.lookup(name)
	switch {
	case p != nil && file != "":
		return os.Stat(filepath.Join(p.Dir, file))
	case dir:
		return dirInfo(path.Base(name)), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// entries lists a folder of the tree: a package's files (its subpackages are not listed: the
// interpreter reads one folder at a time).
func (t *Tree) entries(name string) []fs.DirEntry {
	p, _, _ := t.lookup(name)
	if p == nil {
		return nil
	}
	var out []fs.DirEntry
	for _, f := range p.Files {
		if info, err := os.Stat(filepath.Join(p.Dir, f)); err == nil {
			out = append(out, fs.FileInfoToDirEntry(info))
		}
	}
	return out
}

// dirFile is an open folder of the tree.
type dirFile struct {
	name    string
	entries []fs.DirEntry
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return dirInfo(d.name), nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: fs.ErrInvalid}
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		all := d.entries
		d.entries = nil
		return all, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}

// dirInfo describes a folder of the tree.
type dirInfo string

func (d dirInfo) Name() string       { return string(d) }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (d dirInfo) ModTime() time.Time { return time.Time{} }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }
