package jupyter

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// A write to a peer that closed its end is told apart from other send errors: the kernel
// drops the message quietly, as a ROUTER does, instead of warning at every kernel start.
func TestPeerGone(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	theirs.Close()
	var werr error
	for range 10 { // the first write after the close may still be taken
		if _, werr = ours.Write([]byte("reply")); werr != nil {
			break
		}
	}
	if werr == nil {
		t.Fatal("writes to a closed peer succeeded")
	}
	if wrapped := fmt.Errorf("zmq4: error sending frame 1/6: %w", werr); !peerGone(wrapped) {
		t.Errorf("peerGone(%v) = false, want true", wrapped)
	}
	for _, other := range []error{errors.New("zmq4: invalid message"), syscall.EBADF} {
		if peerGone(other) {
			t.Errorf("peerGone(%v) = true, want false", other)
		}
	}
}
