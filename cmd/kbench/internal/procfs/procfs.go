// Package procfs reads what the benchmark needs about processes from Linux's
// /proc: resident memory, thread counts and the tree of descendants.
package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Status is the part of /proc/PID/status the benchmark reports.
type Status struct {
	RSS     int64 // VmRSS in bytes
	Threads int
}

// ReadStatus reads /proc/pid/status.
func ReadStatus(pid int) (Status, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Status{}, fmt.Errorf("procfs: %w", err)
	}
	var st Status
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS": // "VmRSS:	  12345 kB"
			st.RSS = n << 10
		case "Threads":
			st.Threads = int(n)
		}
	}
	return st, nil
}

// Descendants returns the pids of every living descendant of pid (children,
// their children, ...), found through the ppid field of /proc/*/stat.
func Descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pp, err := parentOf(p)
		if err != nil {
			continue // exited while we looked
		}
		children[pp] = append(children[pp], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// clockTick is the unit of the CPU times in /proc/PID/stat: USER_HZ, which
// is 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// CPU returns the user plus system CPU time pid has used so far.
func CPU(pid int) (time.Duration, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// After the command: state(0) ppid(1) ... utime(11) stime(12).
	if len(fields) < 13 {
		return 0, fmt.Errorf("procfs: short stat of %d", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("procfs: malformed stat of %d", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// TreeCPU is CPU summed over pid and its living descendants.
func TreeCPU(pid int) (time.Duration, error) {
	total, err := CPU(pid)
	if err != nil {
		return 0, err
	}
	for _, c := range Descendants(pid) {
		if d, err := CPU(c); err == nil {
			total += d
		}
	}
	return total, nil
}

// parentOf reads the ppid of pid from /proc/pid/stat.
func parentOf(pid int) (int, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	if len(fields) < 2 {
		return 0, fmt.Errorf("procfs: malformed stat of %d", pid)
	}
	return strconv.Atoi(fields[1])
}

// statFields returns the fields of /proc/pid/stat after the command name.
// The name, in parentheses, may itself contain spaces and parentheses: the
// fields after the last ')' are unambiguous.
func statFields(pid int) ([]string, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("procfs: malformed stat of %d", pid)
	}
	return strings.Fields(string(data[i+1:])), nil // state ppid ...
}

// PSS reads the proportional set size of pid from /proc/pid/smaps_rollup:
// its resident memory with every page shared with other processes (the
// executable's pages, shared between gokernel's kernel and worker) divided
// among them.
func PSS(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0, fmt.Errorf("procfs: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("procfs: malformed smaps_rollup of %d", pid)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("procfs: no Pss in smaps_rollup of %d", pid)
}

// Tree is the memory of a process and all its descendants.
type Tree struct {
	Root      Status // the process itself
	Total     int64  // VmRSS summed over the process and its descendants
	PSS       int64  // PSS summed likewise
	Processes int    // how many processes were summed
}

// ReadTree reads pid's status and sums VmRSS over pid and its descendants.
func ReadTree(pid int) (Tree, error) {
	root, err := ReadStatus(pid)
	if err != nil {
		return Tree{}, err
	}
	t := Tree{Root: root, Total: root.RSS, Processes: 1}
	t.PSS, _ = PSS(pid)
	for _, c := range Descendants(pid) {
		st, err := ReadStatus(c)
		if err != nil {
			continue // exited while we looked
		}
		t.Total += st.RSS
		pss, _ := PSS(c)
		t.PSS += pss
		t.Processes++
	}
	return t, nil
}
