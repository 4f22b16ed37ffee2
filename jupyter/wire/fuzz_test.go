package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/jupyter/wire"
)

// fuzzKey signs the valid seed messages of FuzzDecode (see
// testdata/fuzz/FuzzDecode).
const fuzzKey = "fuzz-key"

// frameSep separates frames in FuzzDecode inputs.
const frameSep = 0x00

// FuzzDecode feeds arbitrary frames to Decode, both with a key and without.
// Decode must not panic, and any message it accepts must survive an
// Encode/Decode round trip unchanged.
func FuzzDecode(f *testing.F) {
	keyed := mustSigner(f, fuzzKey)
	unsigned := mustSigner(f, "")

	seed := func(s *wire.Signer, m *wire.Message) {
		frames, err := wire.Encode(m, s)
		if err != nil {
			f.Fatalf("Encode seed: %v", err)
		}
		f.Add(bytes.Join(frames, []byte{frameSep}))
	}
	m := &wire.Message{
		Identities: [][]byte{[]byte("id")},
		Header:     testHeader(),
		Content:    json.RawMessage(`{"code":"1+1"}`),
		Buffers:    [][]byte{[]byte("buf")},
	}
	seed(keyed, m)
	seed(unsigned, m)

	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte{frameSep})
		for _, s := range []*wire.Signer{keyed, unsigned} {
			m, err := wire.Decode(frames, s)
			if err != nil {
				if m != nil {
					t.Fatalf("Decode returned both a message and error %v", err)
				}
				continue
			}
			again, err := wire.Encode(m, s)
			if err != nil {
				t.Fatalf("Encode of decoded message: %v", err)
			}
			m2, err := wire.Decode(again, s)
			if err != nil {
				t.Fatalf("Decode of re-encoded message: %v", err)
			}
			if m2.Header != m.Header {
				t.Errorf("round-trip Header = %+v, want %+v", m2.Header, m.Header)
			}
			for _, c := range []struct {
				name      string
				got, want []byte
			}{
				{"ParentHeader", m2.ParentHeader, m.ParentHeader},
				{"Metadata", m2.Metadata, m.Metadata},
				{"Content", m2.Content, m.Content},
			} {
				if !bytes.Equal(c.got, c.want) {
					t.Errorf("round-trip %s = %q, want %q", c.name, c.got, c.want)
				}
			}
			if !equalFrames(m2.Identities, m.Identities) {
				t.Errorf("round-trip Identities = %q, want %q", m2.Identities, m.Identities)
			}
			if !equalFrames(m2.Buffers, m.Buffers) {
				t.Errorf("round-trip Buffers = %q, want %q", m2.Buffers, m.Buffers)
			}
		}
	})
}

// FuzzConnectionInfo feeds arbitrary JSON to ParseConnectionInfo. It must not
// panic; accepted connection info must be valid and survive a JSON round
// trip; and neither String nor Validate may depend on the key's value.
func FuzzConnectionInfo(f *testing.F) {
	f.Add([]byte(tcpConnectionFile))
	f.Add([]byte(ipcConnectionFile))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := wire.ParseConnectionInfo(data)
		if err != nil {
			if c != (wire.ConnectionInfo{}) {
				t.Errorf("ParseConnectionInfo returned %v with error %v", c, err)
			}
		} else {
			if err := c.Validate(); err != nil {
				t.Errorf("parsed info fails Validate: %v", err)
			}
			for _, port := range []int{c.ShellPort, c.ControlPort, c.StdinPort, c.IOPubPort, c.HBPort} {
				if got := c.Endpoint(port); !strings.HasPrefix(got, c.Transport+"://") {
					t.Errorf("Endpoint(%d) = %q, want prefix %q", port, got, c.Transport+"://")
				}
			}
			out, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			c2, err := wire.ParseConnectionInfo(out)
			if err != nil {
				t.Fatalf("ParseConnectionInfo of re-encoded info: %v", err)
			}
			if c2 != c {
				t.Errorf("round trip = %#v, want %#v", c2, c)
			}
		}

		// Whatever the key, as long as it stays non-empty, printing and
		// validating must give the same text.
		var raw wire.ConnectionInfo
		if json.Unmarshal(data, &raw) != nil || raw.Key == "" {
			return
		}
		other := raw
		other.Key = "a different key"
		if got, want := other.String(), raw.String(); got != want {
			t.Errorf("String depends on the key: got %q, want %q", got, want)
		}
		if got, want := errString(other.Validate()), errString(raw.Validate()); got != want {
			t.Errorf("Validate depends on the key: got %q, want %q", got, want)
		}
	})
}

// errString returns err's message, or "" for a nil error.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestFuzzDecodeSeedCorpus checks that the committed FuzzDecode seeds still
// mean what their names say; in particular that signed_valid is signed with
// fuzzKey, so the fuzzer starts from a message that passes verification.
func TestFuzzDecodeSeedCorpus(t *testing.T) {
	tests := []struct {
		file    string
		signer  *wire.Signer
		wantErr error
	}{
		{"signed_valid", mustSigner(t, fuzzKey), nil},
		{"unsigned_valid", mustSigner(t, ""), nil},
		{"no_delimiter", mustSigner(t, ""), wire.ErrNoDelimiter},
		{"short", mustSigner(t, ""), wire.ErrShortMessage},
		{"invalid_content", mustSigner(t, ""), wire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readSeed(t, filepath.Join("testdata", "fuzz", "FuzzDecode", tt.file))
			_, err := wire.Decode(bytes.Split(data, []byte{frameSep}), tt.signer)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// readSeed reads a "go test fuzz v1" corpus file holding one []byte value.
func readSeed(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a one-value go test fuzz v1 file", path)
	}
	quoted, ok1 := strings.CutPrefix(lines[1], "[]byte(")
	quoted, ok2 := strings.CutSuffix(quoted, ")")
	if !ok1 || !ok2 {
		t.Fatalf("%s: value is not a []byte", path)
	}
	s, err := strconv.Unquote(quoted)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}
