package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"
)

// SchemeHMACSHA256 is the only signature scheme supported by Signer. It is
// the value of the "signature_scheme" field of a connection file.
const SchemeHMACSHA256 = "hmac-sha256"

// Signer signs and verifies Jupyter messages with HMAC-SHA256.
//
// A Signer with an empty key (and a nil *Signer) produces unsigned messages,
// whose signature frame is empty, and accepts any signature: in Jupyter an
// empty key means authentication is disabled.
//
// A Signer is immutable and safe for concurrent use. Its String and GoString
// methods never reveal the key.
type Signer struct {
	key []byte
	// macs holds HMACs keyed with key, reset between uses: a new HMAC
	// hashes the key twice and allocates two SHA-256 states, for every
	// message.
	macs *sync.Pool
}

// NewSigner returns a Signer for the given signature scheme and key. An
// empty key yields an unsigned Signer regardless of scheme; otherwise scheme
// must be "hmac-sha256".
func NewSigner(scheme, key string) (*Signer, error) {
	if key == "" {
		return &Signer{}, nil
	}
	if scheme != SchemeHMACSHA256 {
		return nil, fmt.Errorf("wire: unsupported signature scheme %q (want %q)", scheme, SchemeHMACSHA256)
	}
	k := []byte(key)
	return &Signer{key: k, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}, nil
}

// Enabled reports whether s signs messages, that is whether it has a
// non-empty key.
func (s *Signer) Enabled() bool {
	return s != nil && len(s.key) > 0
}

// Sign returns the lowercase hex HMAC-SHA256 of parts, which for a Jupyter
// message are the header, parent header, metadata and content frames in that
// order. It returns "" when s is not Enabled.
func (s *Signer) Sign(parts ...[]byte) string {
	if !s.Enabled() {
		return ""
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(s.mac(sum[:0], parts))
}

// appendSign appends what Sign returns to dst.
func (s *Signer) appendSign(dst []byte, parts ...[]byte) []byte {
	if !s.Enabled() {
		return dst
	}
	var sum [sha256.Size]byte
	return hex.AppendEncode(dst, s.mac(sum[:0], parts))
}

// Verify reports whether sig, a hex signature frame, is the valid signature
// of parts. The comparison is constant time. When s is not Enabled, Verify
// accepts any signature.
func (s *Signer) Verify(sig []byte, parts ...[]byte) bool {
	if !s.Enabled() {
		return true
	}
	if len(sig) != hex.EncodedLen(sha256.Size) {
		return false
	}
	var got, want [sha256.Size]byte
	if _, err := hex.Decode(got[:], sig); err != nil {
		return false
	}
	return hmac.Equal(got[:], s.mac(want[:0], parts))
}

// mac appends the raw HMAC-SHA256 of the concatenation of parts to dst.
func (s *Signer) mac(dst []byte, parts [][]byte) []byte {
	h := s.macs.Get().(hash.Hash)
	defer s.macs.Put(h)
	h.Reset()
	for _, p := range parts {
		h.Write(p) // hash.Hash.Write never returns an error
	}
	return h.Sum(dst)
}

// String describes s without revealing its key.
func (s *Signer) String() string {
	if !s.Enabled() {
		return "wire.Signer{unsigned}"
	}
	return "wire.Signer{" + SchemeHMACSHA256 + " key=<redacted>}"
}

// GoString is like String, so that the %#v verb does not reveal the key.
func (s *Signer) GoString() string {
	return s.String()
}
