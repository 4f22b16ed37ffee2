package jupyter

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "anything", true},
		{"*", "x := 1", true},
		{"6 *", "6 * 7", true},
		{"*Println*", `fmt.Println("hi")`, true},
		{"x?1", "x=1", true},
		{"x?1", "x==1", false},
		{"fmt*", "x := 1", false},
		{"a*b*c", "a-b-b-c", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
