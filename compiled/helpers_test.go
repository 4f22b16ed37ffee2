package compiled

import (
	"bytes"
	"sync"
)

// notifyBuffer is a buffer safe for concurrent use that tells when it was written to.
type notifyBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (n *notifyBuffer) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.b.Write(p)
	if n.wrote != nil {
		select {
		case n.wrote <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

func (n *notifyBuffer) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.b.String()
}
