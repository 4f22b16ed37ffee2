package supervisor

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/workerproto"
)

// How often the supervisor reads a worker's memory use. While a cell runs, or
// memory grew since the last look, every memoryPoll: a cell allocating a
// gigabyte a second overshoots the limit by at most ~50 MB. A worker with no
// cell whose memory stays put is read less and less often, down to once per
// idlePoll: each read costs the kernel a wake-up, and at every memoryPoll an
// idle kernel spent 0.6% of a core on them. What can grow memory between
// cells (goroutines a cell left running) shows first as the worker's
// collector running, which the worker reports (KindCollected): the watch is
// back at memoryPoll from that moment.
const (
	memoryPoll = 50 * time.Millisecond
	idlePoll   = 2 * time.Second
	// growth is what counts as memory growing between two reads: less is
	// the noise of an idle process.
	growth = 1 << 20
)

// MemoryLimitEnv names the environment variable that sets the interpreter's
// memory limit, e.g. "2GiB", "512MiB" or a number of bytes; "0" or "off"
// turns the limit off.
const MemoryLimitEnv = "GOKERNEL_MEMORY_LIMIT"

// DefaultMemoryLimit is a quarter of the machine's memory, between 512 MiB
// and 4 GiB: a runaway cell stops long before a laptop starts to swap.
func DefaultMemoryLimit() int64 {
	var si syscall.Sysinfo_t
	total := int64(8 << 30)
	if syscall.Sysinfo(&si) == nil {
		total = int64(si.Totalram) * int64(si.Unit)
	}
	return min(max(total/4, 512<<20), 4<<30)
}

// MemoryLimit reads the limit from the environment, or gives the default.
func MemoryLimit() (int64, error) {
	v := strings.TrimSpace(os.Getenv(MemoryLimitEnv))
	if v == "" {
		return DefaultMemoryLimit(), nil
	}
	n, err := ParseSize(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", MemoryLimitEnv, err)
	}
	return n, nil
}

// ParseSize reads sizes like "512MiB", "2GiB", "1.5G", "300M" or "1048576".
// "off" is 0.
func ParseSize(s string) (int64, error) {
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	mult := 1.0
	num := s
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(s), strings.ToUpper(u.suffix)) {
			num = strings.TrimSpace(s[:len(s)-len(u.suffix)])
			mult = u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("not a size: %q (try 2GiB or 512MiB)", s)
	}
	return int64(f * mult), nil
}

// formatSize prints bytes for people: "512 MiB", "4.0 GiB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}

// rss reads the resident memory of a process from /proc.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, fmt.Errorf("statm: %q", b)
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}

// watchMemory kills w when its resident memory passes limit, and stays
// over it after the worker gave back what it could (see squeeze). It
// returns when w has exited.
func watchMemory(w *process, limit int64) {
	p := memoryPace{interval: memoryPoll}
	t := time.NewTimer(p.interval)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-w.memoryBusy:
			// A cell started, or the worker collected garbage between
			// cells: back to the full rate, from now.
			if p.busy() {
				t.Reset(p.interval)
			}
			continue
		case <-t.C:
		}
		n, err := rss(w.pid)
		if err == nil && n > limit && !w.squeeze(limit) {
			w.killWith(&deathNote{
				name: "OutOfMemory",
				value: fmt.Sprintf("out of memory: the cell used more than %s, the interpreter's limit (set %s to change it)",
					formatSize(limit), MemoryLimitEnv),
			})
			return
		}
		t.Reset(p.next(n, err == nil, w.cells.Load() > 0))
	}
}

// memoryPace is how often the memory watch reads: memoryPoll while a cell
// runs or memory grows, and twice as long after each read that found
// neither, up to idlePoll.
type memoryPace struct {
	interval time.Duration
	last     int64 // resident memory at the last read
}

// next returns the wait until the read after one that found n (ok: n could
// be read) with a cell running or not.
func (p *memoryPace) next(n int64, ok, running bool) time.Duration {
	switch {
	case running || !ok || n >= p.last+growth:
		p.interval = memoryPoll
	default:
		p.interval = min(2*p.interval, idlePoll)
	}
	if ok {
		p.last = n
	}
	return p.interval
}

// busy goes back to the full rate, reporting whether the wait changed. At
// the full rate already it doesn't: cells a millisecond apart would put the
// next read off for ever.
func (p *memoryPace) busy() bool {
	if p.interval == memoryPoll {
		return false
	}
	p.interval = memoryPoll
	return true
}

// squeezeWait bounds how long a worker may stay over its limit while it
// gives back what it can; overshoot is how far over it may go meanwhile.
const (
	squeezeWait = 2 * time.Second
	overshoot   = 2 // a limit of 1 GiB allows 1.5 GiB for squeezeWait
)

// squeeze asks the worker to collect garbage and give free memory back to
// the system, again until it is under limit, and reports whether it got
// there within squeezeWait. Resident memory counts garbage the runtime hasn't
// returned yet, and the interpreter keeps a variable's old value reachable
// while it makes the new one (a cell churning through 600 MiB buffers under a
// 1 GiB limit holds two of them for a moment): only what the cells go on
// holding should stop the worker. Memory that grows far past the limit is
// growth, and ends the wait.
func (w *process) squeeze(limit int64) bool {
	deadline := time.Now().Add(squeezeWait)
	for time.Now().Before(deadline) {
		select {
		case <-w.squeezed: // an old answer
		default:
		}
		if w.send(&workerproto.Message{Kind: workerproto.KindSqueeze}) != nil {
			return false
		}
		if !w.awaitSqueeze(limit, deadline) {
			return false
		}
		if n, err := rss(w.pid); err != nil || n <= limit {
			return err == nil
		}
	}
	return false
}

// awaitSqueeze waits for the worker's answer to a squeeze; it reports false
// when the worker is gone, the deadline passed, or the memory grew past
// overshoot meanwhile.
func (w *process) awaitSqueeze(limit int64, deadline time.Time) bool {
	t := time.NewTicker(memoryPoll)
	defer t.Stop()
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	for {
		select {
		case <-w.squeezed:
			return true
		case <-t.C:
			if n, err := rss(w.pid); err == nil && n > limit+limit/overshoot {
				return false
			}
		case <-timeout.C:
			return false
		case <-w.done:
			return false
		}
	}
}
