package completion

import (
	"testing"

	"github.com/gokernel/gokernel/lang/completion/internal/indexfile"
)

// TestIndexContents checks that the embedded index loads and holds what the
// notebooks use most.
func TestIndexContents(t *testing.T) {
	ix, err := loadIndex()
	if err != nil {
		t.Fatal(err)
	}
	members := []struct{ path, name, kind string }{
		{"fmt", "Println", indexfile.KindFunc},
		{"time", "Second", indexfile.KindConst},
		{"context", "WithTimeout", indexfile.KindFunc},
		{"os/exec", "Command", indexfile.KindFunc},
		{"gokernel/timeline", "New", indexfile.KindFunc},
		{"gokernel/display", "HTML", indexfile.KindFunc},
		{"gokernel/progress", "New", indexfile.KindFunc},
		{"sync", "WaitGroup", indexfile.KindType},
		{"os", "Args", indexfile.KindVar},
		{"syscall", "Getpid", indexfile.KindFunc},
	}
	for _, m := range members {
		p := ix.byPath[m.path]
		if p == nil {
			t.Errorf("no package %s", m.path)
			continue
		}
		got := p.byName[m.name]
		if got == nil {
			t.Errorf("no %s.%s", m.path, m.name)
			continue
		}
		if got.Kind != m.kind {
			t.Errorf("%s.%s is a %s, want %s", m.path, m.name, got.Kind, m.kind)
		}
	}
	typeMembers := []struct{ key, name, kind string }{
		{"sync.WaitGroup", "Wait", indexfile.KindMethod},
		{"sync.Mutex", "Lock", indexfile.KindMethod},
		{"os/exec.Cmd", "Stdout", indexfile.KindField},
		{"time.Time", "Sub", indexfile.KindMethod},
		{"error", "Error", indexfile.KindMethod},
		{"gokernel/timeline.Timeline", "Lane", indexfile.KindMethod},
	}
	for _, m := range typeMembers {
		ti := ix.types[m.key]
		if ti == nil {
			t.Errorf("no type %s", m.key)
			continue
		}
		if got := ti.byName[m.name]; got == nil || got.Kind != m.kind {
			t.Errorf("%s.%s = %+v, want a %s", m.key, m.name, got, m.kind)
		}
	}
	if got := len(ix.byName["rand"]); got < 2 {
		t.Errorf("%d packages named rand, want math/rand, math/rand/v2 and crypto/rand", got)
	} else if first := ix.byName["rand"][0].path; first != "math/rand" && first != "crypto/rand" {
		t.Errorf("rand means %s", first)
	}
}

func BenchmarkLoadIndex(b *testing.B) {
	for b.Loop() {
		raw, err := indexfile.Decode(indexData)
		if err != nil {
			b.Fatal(err)
		}
		newIndex(raw)
	}
}
