package wire_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/jupyter/wire"
)

func TestNewSigner(t *testing.T) {
	tests := []struct {
		name        string
		scheme, key string
		wantErr     bool
		wantEnabled bool
	}{
		{"hmac-sha256 with key", "hmac-sha256", "k", false, true},
		{"hmac-sha256 without key", "hmac-sha256", "", false, false},
		{"empty scheme without key", "", "", false, false},
		{"unknown scheme without key", "hmac-md5", "", false, false},
		{"unknown scheme with key", "hmac-md5", "k", true, false},
		{"empty scheme with key", "", "k", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := wire.NewSigner(tt.scheme, tt.key)
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("NewSigner error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := s.Enabled(); got != tt.wantEnabled {
				t.Errorf("Enabled = %v, want %v", got, tt.wantEnabled)
			}
		})
	}
}

func TestSignKnownVectors(t *testing.T) {
	// independentHMAC computes the expected signature without wire.
	independentHMAC := func(key string, parts ...string) string {
		h := hmac.New(sha256.New, []byte(key))
		h.Write([]byte(strings.Join(parts, "")))
		return hex.EncodeToString(h.Sum(nil))
	}
	header := `{"msg_id":"a","msg_type":"kernel_info_request"}`
	tests := []struct {
		name  string
		key   string
		parts []string
		want  string
	}{
		{
			// RFC 4231, test case 2, split into four parts.
			name:  "RFC 4231 case 2",
			key:   "Jefe",
			parts: []string{"what do ya", " want ", "for not", "hing?"},
			want:  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		},
		{
			name:  "jupyter message",
			key:   testKey,
			parts: []string{header, "{}", "{}", `{"code":"1+1"}`},
			want:  independentHMAC(testKey, header, "{}", "{}", `{"code":"1+1"}`),
		},
		{
			name:  "empty key is unsigned",
			key:   "",
			parts: []string{header, "{}", "{}", "{}"},
			want:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSigner(t, tt.key)
			parts := make([][]byte, len(tt.parts))
			for i, p := range tt.parts {
				parts[i] = []byte(p)
			}
			got := s.Sign(parts...)
			if got != tt.want {
				t.Errorf("Sign = %q, want %q", got, tt.want)
			}
			if !s.Verify([]byte(tt.want), parts...) {
				t.Errorf("Verify(%q) = false, want true", tt.want)
			}
		})
	}
}

func TestSignerVerify(t *testing.T) {
	s := mustSigner(t, testKey)
	parts := [][]byte{[]byte("h"), []byte("p"), []byte("m"), []byte("c")}
	good := s.Sign(parts...)
	tests := []struct {
		name  string
		sig   string
		parts [][]byte
		want  bool
	}{
		{"good", good, parts, true},
		{"empty", "", parts, false},
		{"flipped digit", "0" + good[1:], parts, good[0] == '0'},
		{"too long", good + "00", parts, false},
		{"not hex", strings.Repeat("z", len(good)), parts, false},
		// Part boundaries are not signed, as in Jupyter: only the
		// concatenation matters.
		{"same concatenation", good, [][]byte{[]byte("hp"), {}, []byte("m"), []byte("c")}, true},
		{"different parts", good, [][]byte{[]byte("h"), []byte("p"), []byte("m"), []byte("C")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Verify([]byte(tt.sig), tt.parts...); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignerHidesKey(t *testing.T) {
	s := mustSigner(t, testKey)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, s); strings.Contains(got, testKey) {
			t.Errorf("Sprintf(%q) = %q, want no key", verb, got)
		}
	}
}
