package main

import "testing"

func TestCompareLines(t *testing.T) {
	tests := []struct {
		name, got, want string
		ok              bool
		problem         string
	}{
		{"same", "0\n1\n", "0\n1\n", true, ""},
		{"swapped", "1\n0\n", "0\n1\n", false, `line 1 is "1", want "0"`},
		{"short", "0\n", "0\n1\n", false, "got 1 lines, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, problem := compareLines(tt.got, tt.want)
			if ok != tt.ok || problem != tt.problem {
				t.Errorf("compareLines = %v, %q; want %v, %q", ok, problem, tt.ok, tt.problem)
			}
		})
	}
}
