package launch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/jupyter/wire"
)

func TestNewConnectionsAreDistinct(t *testing.T) {
	l := NewLauncher(t.TempDir())
	conns, files, err := l.NewConnections("k", 4)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i, c := range conns {
		for _, p := range []int{c.ShellPort, c.IOPubPort, c.StdinPort, c.ControlPort, c.HBPort} {
			if seen[p] {
				t.Errorf("port %d given twice", p)
			}
			seen[p] = true
		}
		got, err := wire.ReadConnectionFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if got != c {
			t.Errorf("connection file %d = %v, want %v", i, got, c)
		}
		if c.Key == "" || c.SignatureScheme != wire.SchemeHMACSHA256 {
			t.Errorf("connection %d is not signed: %v", i, c)
		}
	}
}

func TestReadSpecDefaultsToSignalInterrupts(t *testing.T) {
	dir := t.TempDir()
	data, _ := json.Marshal(map[string]any{"argv": []string{"/bin/true", "{connection_file}"}, "display_name": "x", "language": "x"})
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSpec(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	if s.InterruptMode != InterruptSignal || s.Name != "x" {
		t.Errorf("ReadSpec = %+v, want interrupt mode %q and name x", s, InterruptSignal)
	}
}
