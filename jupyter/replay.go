package jupyter

import "sync"

// replayMemory is how many recent signatures the kernel remembers. A
// message is signed over its header, whose msg_id is unique, so a signature
// seen twice is a captured message sent again.
const replayMemory = 8192

// replayGuard remembers the last signatures it was shown, in a ring.
type replayGuard struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

func newReplayGuard(size int) *replayGuard {
	return &replayGuard{seen: make(map[string]struct{}, size), ring: make([]string, size)}
}

// fresh records sig and reports whether it was new. Empty signatures
// (unsigned sessions) are always fresh.
func (g *replayGuard) fresh(sig []byte) bool {
	if len(sig) == 0 {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	key := string(sig)
	if _, ok := g.seen[key]; ok {
		return false
	}
	if old := g.ring[g.next]; old != "" {
		delete(g.seen, old)
	}
	g.ring[g.next] = key
	g.seen[key] = struct{}{}
	g.next = (g.next + 1) % len(g.ring)
	return true
}
