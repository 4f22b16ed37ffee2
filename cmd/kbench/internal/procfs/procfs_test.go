package procfs

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

func TestReadStatusOfSelf(t *testing.T) {
	st, err := ReadStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.RSS <= 0 || st.Threads <= 0 {
		t.Errorf("ReadStatus(self) = %+v, want a positive RSS and thread count", st)
	}
	if _, err := PSS(os.Getpid()); err != nil {
		t.Errorf("PSS(self): %v", err)
	}
	if _, err := CPU(os.Getpid()); err != nil {
		t.Errorf("CPU(self): %v", err)
	}
}

func TestDescendantsAndTree(t *testing.T) {
	// sh starts sleep as its child: both are our descendants.
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 & wait")
	if err := cmd.Start(); err != nil {
		t.Skip("no /bin/sh:", err)
	}
	t.Cleanup(func() {
		for _, p := range Descendants(cmd.Process.Pid) {
			if proc, err := os.FindProcess(p); err == nil {
				proc.Kill()
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	var got []int
	for range 200 { // the grandchild appears once sh has forked
		got = Descendants(os.Getpid())
		if len(got) >= 2 {
			break
		}
		Descendants(cmd.Process.Pid) // a cheap pause that reads /proc
	}
	if !slices.Contains(got, cmd.Process.Pid) || len(got) < 2 {
		t.Fatalf("Descendants(self) = %v, want sh (%d) and its child", got, cmd.Process.Pid)
	}
	tree, err := ReadTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if tree.Processes < 3 || tree.Total <= tree.Root.RSS {
		t.Errorf("ReadTree(self) = %+v, want at least 3 processes summed", tree)
	}
}

func TestReadStatusOfMissingProcess(t *testing.T) {
	if _, err := ReadStatus(1 << 30); err == nil {
		t.Error("ReadStatus of a pid that can't exist succeeded")
	}
}
