package frameguard

import (
	"encoding/binary"
	"errors"
	"testing"
)

func zmtpFrames(sizes ...uint64) []byte {
	b := make([]byte, zmtpGreeting)
	for _, n := range sizes {
		if n < 256 {
			b = append(b, 0x00, byte(n))
		} else {
			b = append(b, zmtpLongFlag)
			b = binary.BigEndian.AppendUint64(b, n)
		}
		b = append(b, make([]byte, min(n, 1<<20))...)
	}
	return b
}

func TestFrameGuard(t *testing.T) {
	tests := []struct {
		name    string
		stream  []byte
		wantErr bool
	}{
		{"greeting only", zmtpFrames(), false},
		{"small frames", zmtpFrames(0, 5, 255), false},
		{"long frame within the limit", zmtpFrames(300, 1<<20), false},
		{"a terabyte announced", zmtpFrames(1 << 40)[:zmtpGreeting+9], true},
		{"just over the limit", zmtpFrames(maxFrame + 1)[:zmtpGreeting+9], true},
	}
	for _, tt := range tests {
		// Every way of cutting the stream into two reads.
		for cut := 0; cut <= len(tt.stream); cut += 1 + len(tt.stream)/50 {
			g := &frameGuard{left: zmtpGreeting}
			err := g.scan(tt.stream[:cut])
			if err == nil {
				err = g.scan(tt.stream[cut:])
			}
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errFrameTooLarge)) {
				t.Fatalf("%s, cut at %d: err = %v, want error %v", tt.name, cut, err, tt.wantErr)
			}
		}
	}
}
