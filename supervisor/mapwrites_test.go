package supervisor

import (
	"strings"
	"testing"
)

func TestMapWriteLines(t *testing.T) {
	code := `m := map[int]int{}
counts := map[string]int{}
xs := []int{1, 2}
for g := 0; g < 4; g++ {
	go func() {
		for i := 0; i < 1000; i++ {
			m[i%100] = i
			counts["a"]++
		}
		delete(m, 3)
	}()
}
fmt.Println(m[1], xs[0])
y := m[2]`
	got := strings.Join(mapWriteLines(code), "\n")
	want := "  7: m[i%100] = i\n  8: counts[\"a\"]++\n  10: delete(m, 3)"
	if got != want {
		t.Errorf("mapWriteLines:\n%s\nwant:\n%s", got, want)
	}
}
