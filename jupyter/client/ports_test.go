package client

import "testing"

func TestFreePortsAreDistinctAndOutsideEphemeralRange(t *testing.T) {
	ports, err := FreePorts(20)
	if err != nil {
		t.Fatal(err)
	}
	_, hi := portRange()
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Errorf("port %d given twice", p)
		}
		if p >= hi {
			t.Errorf("port %d is in the ephemeral range (from %d)", p, hi)
		}
		seen[p] = true
	}
	if len(ports) != 20 {
		t.Errorf("got %d ports, want 20", len(ports))
	}
}
