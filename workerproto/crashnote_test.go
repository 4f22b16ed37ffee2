package workerproto

import "testing"

func TestCrashNote(t *testing.T) {
	line := CrashNote(35, "in a func literal, at cell[3]:2:5")
	if line != "gokernel: goroutine 35: in a func literal, at cell[3]:2:5\n" {
		t.Fatalf("CrashNote = %q", line)
	}
	g, text, ok := ParseCrashNote(line[:len(line)-1])
	if !ok || g != 35 || text != "in a func literal, at cell[3]:2:5" {
		t.Errorf("ParseCrashNote = %d, %q, %v", g, text, ok)
	}
	for _, bad := range []string{"goroutine 35 [running]:", "gokernel: goroutine x: text", "gokernel: goroutine 35"} {
		if _, _, ok := ParseCrashNote(bad); ok {
			t.Errorf("ParseCrashNote(%q) succeeded", bad)
		}
	}
}
