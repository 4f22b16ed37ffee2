package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gokernel/gokernel/jupyter/wire"
)

const testKey = "a0436f6c-1916-498b-8eb9-e81ab9368e84"

// mustSigner returns a Signer for key or fails the test.
func mustSigner(t testing.TB, key string) *wire.Signer {
	t.Helper()
	s, err := wire.NewSigner(wire.SchemeHMACSHA256, key)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// testHeader returns a fixed, valid header.
func testHeader() wire.Header {
	return wire.Header{
		MsgID:    "msg-1",
		Session:  "session-1",
		Username: "user",
		Date:     "2024-01-02T03:04:05.000000Z",
		MsgType:  "execute_request",
		Version:  wire.ProtocolVersion,
	}
}

// rawFrames builds the frames of a message from raw parts, signing them with
// s unless sig is non-nil.
func rawFrames(s *wire.Signer, sig []byte, header, parent, metadata, content string) [][]byte {
	if sig == nil {
		sig = []byte(s.Sign([]byte(header), []byte(parent), []byte(metadata), []byte(content)))
	}
	return [][]byte{
		[]byte("identity"),
		[]byte(wire.Delimiter),
		sig,
		[]byte(header),
		[]byte(parent),
		[]byte(metadata),
		[]byte(content),
	}
}

const validHeader = `{"msg_id":"m1","session":"s1","username":"u","date":"2024-01-02T03:04:05.000000Z","msg_type":"kernel_info_request","version":"5.3"}`

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		key  string
		msg  wire.Message
	}{
		{
			name: "unsigned minimal",
			msg:  wire.Message{Header: testHeader(), Content: json.RawMessage(`{}`)},
		},
		{
			name: "signed minimal",
			key:  testKey,
			msg:  wire.Message{Header: testHeader(), Content: json.RawMessage(`{}`)},
		},
		{
			name: "signed with identities and buffers",
			key:  testKey,
			msg: wire.Message{
				Identities:   [][]byte{[]byte("id-1"), {0, 1, 2, 0xff}, []byte(wire.Delimiter + "x")},
				Header:       testHeader(),
				ParentHeader: json.RawMessage(validHeader),
				Metadata:     json.RawMessage(`{"deletedCells":[]}`),
				Content:      json.RawMessage(`{"code":"fmt.Println(\"héllo\")","silent":false}`),
				Buffers:      [][]byte{{0, 0, 0}, {}, []byte(wire.Delimiter)},
			},
		},
		{
			name: "unsigned with buffers",
			msg: wire.Message{
				Header:  testHeader(),
				Content: json.RawMessage(` { "a" : [1, 2] } `),
				Buffers: [][]byte{[]byte("buf")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSigner(t, tt.key)
			frames, err := wire.Encode(&tt.msg, s)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			sig := frames[len(tt.msg.Identities)+1]
			if got, want := len(sig) > 0, tt.key != ""; got != want {
				t.Errorf("signature present = %v, want %v (signature %q)", got, want, sig)
			}
			got, err := wire.Decode(frames, s)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Header != tt.msg.Header {
				t.Errorf("Header = %+v, want %+v", got.Header, tt.msg.Header)
			}
			wantParent := tt.msg.ParentHeader
			if len(wantParent) == 0 {
				wantParent = json.RawMessage(`{}`)
			}
			wantMetadata := tt.msg.Metadata
			if len(wantMetadata) == 0 {
				wantMetadata = json.RawMessage(`{}`)
			}
			for _, c := range []struct {
				name      string
				got, want []byte
			}{
				{"ParentHeader", got.ParentHeader, wantParent},
				{"Metadata", got.Metadata, wantMetadata},
				{"Content", got.Content, tt.msg.Content},
			} {
				if !bytes.Equal(c.got, c.want) {
					t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
				}
			}
			if !equalFrames(got.Identities, tt.msg.Identities) {
				t.Errorf("Identities = %q, want %q", got.Identities, tt.msg.Identities)
			}
			if !equalFrames(got.Buffers, tt.msg.Buffers) {
				t.Errorf("Buffers = %q, want %q", got.Buffers, tt.msg.Buffers)
			}
		})
	}
}

// equalFrames reports whether a and b hold the same frames; nil and empty
// lists are equal.
func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestEncodeFrameLayout(t *testing.T) {
	s := mustSigner(t, testKey)
	m := &wire.Message{
		Identities: [][]byte{[]byte("a"), []byte("b")},
		Header:     testHeader(),
		Content:    json.RawMessage(`{"x":1}`),
		Buffers:    [][]byte{[]byte("buf")},
	}
	frames, err := wire.Encode(m, s)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if got, want := len(frames), 2+1+5+1; got != want {
		t.Fatalf("len(frames) = %d, want %d", got, want)
	}
	header, err := json.Marshal(m.Header)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		[]byte("a"), []byte("b"),
		[]byte(wire.Delimiter),
		[]byte(s.Sign(header, []byte(`{}`), []byte(`{}`), []byte(`{"x":1}`))),
		header, []byte(`{}`), []byte(`{}`), []byte(`{"x":1}`),
		[]byte("buf"),
	}
	for i := range want {
		if got := frames[i]; !bytes.Equal(got, want[i]) {
			t.Errorf("frame %d = %q, want %q", i, got, want[i])
		}
	}
}

func TestDecodeRejectsTampering(t *testing.T) {
	s := mustSigner(t, testKey)
	m := &wire.Message{
		Header:       testHeader(),
		ParentHeader: json.RawMessage(validHeader),
		Metadata:     json.RawMessage(`{"m":1}`),
		Content:      json.RawMessage(`{"c":1}`),
	}
	const delim = 0 // no identities: the delimiter is frame 0
	tests := []struct {
		name  string
		frame int
	}{
		{"signature", delim + 1},
		{"header", delim + 2},
		{"parent header", delim + 3},
		{"metadata", delim + 4},
		{"content", delim + 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := wire.Encode(m, s)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if _, err := wire.Decode(frames, s); err != nil {
				t.Fatalf("Decode before tampering: %v", err)
			}
			f := bytes.Clone(frames[tt.frame])
			// Flip a byte that keeps the JSON valid where possible, so
			// that only the signature can catch the change.
			i := bytes.IndexAny(f, "0123456789abcdef")
			if i < 0 {
				t.Fatalf("nothing to tamper with in %q", f)
			}
			if f[i] == '1' {
				f[i] = '2'
			} else {
				f[i] = '1'
			}
			frames[tt.frame] = f
			_, err = wire.Decode(frames, s)
			if !errors.Is(err, wire.ErrBadSignature) {
				t.Errorf("Decode error = %v, want %v", err, wire.ErrBadSignature)
			}
		})
	}
}

func TestDecodeSignature(t *testing.T) {
	keyed := mustSigner(t, testKey)
	unsigned := mustSigner(t, "")
	other := mustSigner(t, "another key")
	goodSig := []byte(keyed.Sign([]byte(validHeader), []byte(`{}`), []byte(`{}`), []byte(`{}`)))
	tests := []struct {
		name    string
		signer  *wire.Signer
		sig     []byte
		wantErr error
	}{
		{"good signature", keyed, goodSig, nil},
		{"uppercase hex signature", keyed, bytes.ToUpper(goodSig), nil},
		{"empty signature with key", keyed, []byte{}, wire.ErrBadSignature},
		{"garbage signature with key", keyed, []byte("not hex"), wire.ErrBadSignature},
		{"truncated signature", keyed, goodSig[:len(goodSig)-2], wire.ErrBadSignature},
		{"wrong key", other, goodSig, wire.ErrBadSignature},
		{"empty key accepts empty signature", unsigned, []byte{}, nil},
		{"empty key accepts any signature", unsigned, []byte("whatever"), nil},
		{"nil signer accepts empty signature", nil, []byte{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := rawFrames(nil, tt.sig, validHeader, `{}`, `{}`, `{}`)
			_, err := wire.Decode(frames, tt.signer)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	s := mustSigner(t, testKey)
	signed := func(header, parent, metadata, content string) [][]byte {
		return rawFrames(s, nil, header, parent, metadata, content)
	}
	tests := []struct {
		name    string
		frames  [][]byte
		wantErr error
	}{
		{"nil frames", nil, wire.ErrNoDelimiter},
		{"no delimiter", [][]byte{[]byte("id"), []byte("{}"), []byte("{}")}, wire.ErrNoDelimiter},
		{"delimiter prefix only", [][]byte{[]byte("<IDS|MSG"), []byte(""), []byte("{}"), []byte("{}"), []byte("{}"), []byte("{}")}, wire.ErrNoDelimiter},
		{"nothing after delimiter", [][]byte{[]byte(wire.Delimiter)}, wire.ErrShortMessage},
		{"four frames after delimiter", signed(validHeader, `{}`, `{}`, `{}`)[:6], wire.ErrShortMessage},
		{"bad signature before bad JSON", rawFrames(nil, []byte("00"), `{`, `{`, `{`, `{`), wire.ErrBadSignature},
		{"header invalid JSON", signed(`{"msg_id":`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"header not an object", signed(`["msg_id"]`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"header null", signed(`null`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"header wrong field type", signed(`{"msg_id":1,"msg_type":"x"}`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"header missing msg_type", signed(`{"msg_id":"m1","session":"s"}`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"header missing msg_id", signed(`{"msg_type":"kernel_info_request"}`, `{}`, `{}`, `{}`), wire.ErrMalformed},
		{"parent invalid JSON", signed(validHeader, `{"a"`, `{}`, `{}`), wire.ErrMalformed},
		{"parent empty", signed(validHeader, ``, `{}`, `{}`), wire.ErrMalformed},
		{"metadata invalid JSON", signed(validHeader, `{}`, `{]`, `{}`), wire.ErrMalformed},
		{"metadata not an object", signed(validHeader, `{}`, `42`, `{}`), wire.ErrMalformed},
		{"content invalid JSON", signed(validHeader, `{}`, `{}`, `{"code": "x"} trailing`), wire.ErrMalformed},
		{"content not an object", signed(validHeader, `{}`, `{}`, `"text"`), wire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.Decode(tt.frames, s)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decode error = %v, want %v", err, tt.wantErr)
			}
			if m != nil {
				t.Errorf("Decode message = %+v, want nil", m)
			}
		})
	}
}

func TestDecodeMalformedWrapsJSONError(t *testing.T) {
	frames := rawFrames(nil, []byte{}, `{"msg_id":1}`, `{}`, `{}`, `{}`)
	_, err := wire.Decode(frames, nil)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Errorf("Decode error = %v, want it to wrap a *json.UnmarshalTypeError", err)
	}
	if !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("Decode error = %v, want it to wrap %v", err, wire.ErrMalformed)
	}
}

func TestDecodeIdentitiesAndBuffers(t *testing.T) {
	frames := [][]byte{
		[]byte("router-id"), {0, 0x80, 0xff},
		[]byte(wire.Delimiter),
		{},
		[]byte(validHeader), []byte(`{}`), []byte(`{}`), []byte(`{}`),
		{1, 2, 3}, []byte(wire.Delimiter), {},
	}
	m, err := wire.Decode(frames, nil)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got, want := m.Identities, frames[:2]; !equalFrames(got, want) {
		t.Errorf("Identities = %q, want %q", got, want)
	}
	if got, want := m.Buffers, frames[8:]; !equalFrames(got, want) {
		t.Errorf("Buffers = %q, want %q", got, want)
	}
	// Appending to the decoded lists must not clobber the frames.
	_ = append(m.Identities, []byte("x"))
	_ = append(m.Buffers, []byte("x"))
	if got, want := string(frames[2]), wire.Delimiter; got != want {
		t.Errorf("frame 2 = %q after append, want %q", got, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	noType := testHeader()
	noType.MsgType = ""
	noID := testHeader()
	noID.MsgID = ""
	tests := []struct {
		name string
		msg  *wire.Message
	}{
		{"nil message", nil},
		{"header missing msg_type", &wire.Message{Header: noType}},
		{"header missing msg_id", &wire.Message{Header: noID}},
		{"parent invalid JSON", &wire.Message{Header: testHeader(), ParentHeader: json.RawMessage(`{`)}},
		{"metadata not an object", &wire.Message{Header: testHeader(), Metadata: json.RawMessage(`[]`)}},
		{"content invalid JSON", &wire.Message{Header: testHeader(), Content: json.RawMessage(`{"a":}`)}},
		{"content replaced after NewMessage", replaced(t, func(m *wire.Message) { m.Content = json.RawMessage(`{"a":}`) })},
		{"parent replaced after NewMessage", replaced(t, func(m *wire.Message) { m.ParentHeader = json.RawMessage(`[]`) })},
		{"content cut after NewMessage", replaced(t, func(m *wire.Message) { m.Content = m.Content[:len(m.Content)-1] })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := wire.Encode(tt.msg, nil)
			if !errors.Is(err, wire.ErrMalformed) {
				t.Errorf("Encode error = %v, want %v", err, wire.ErrMalformed)
			}
			if frames != nil {
				t.Errorf("Encode frames = %q, want nil", frames)
			}
		})
	}
}

// replaced is a message from NewMessage, with a reply's parent, changed by
// change: Encode must check what NewMessage did not make.
func replaced(t *testing.T, change func(*wire.Message)) *wire.Message {
	t.Helper()
	parent, err := wire.NewMessage(nil, "execute_request", "s", map[string]any{"code": "1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.NewMessage(parent, "execute_reply", "s", map[string]any{"status": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	change(m)
	return m
}

func TestNewHeader(t *testing.T) {
	before := time.Now().Add(-time.Second)
	h := wire.NewHeader("status", "session-42")
	after := time.Now().Add(time.Second)

	if _, err := uuid.Parse(h.MsgID); err != nil {
		t.Errorf("MsgID %q is not a UUID: %v", h.MsgID, err)
	}
	if h2 := wire.NewHeader("status", "session-42"); h2.MsgID == h.MsgID {
		t.Errorf("two headers share MsgID %q", h.MsgID)
	}
	for _, c := range []struct{ field, got, want string }{
		{"MsgType", h.MsgType, "status"},
		{"Session", h.Session, "session-42"},
		{"Username", h.Username, "kernel"},
		{"Version", h.Version, "5.3"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	date, err := time.Parse(time.RFC3339Nano, h.Date)
	if err != nil {
		t.Fatalf("Date %q is not ISO 8601: %v", h.Date, err)
	}
	if date.Before(before) || date.After(after) {
		t.Errorf("Date = %v, want between %v and %v", date, before, after)
	}
	if got, want := h.Date[len(h.Date)-1], byte('Z'); got != want {
		t.Errorf("Date %q ends in %q, want time zone %q", h.Date, got, want)
	}
}

func TestNewMessage(t *testing.T) {
	// A parent header with extra fields and unusual spacing must be quoted
	// byte for byte.
	const parentHeader = `{ "msg_id": "p1", "msg_type": "execute_request", "session": "client", "subshell_id": null }`
	frames := [][]byte{
		[]byte("client-id"),
		[]byte(wire.Delimiter),
		{},
		[]byte(parentHeader), []byte(`{}`), []byte(`{}`), []byte(`{"code":"1"}`),
	}
	parent, err := wire.Decode(frames, nil)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	inMemoryParent := &wire.Message{Header: testHeader(), Identities: [][]byte{[]byte("x")}}
	inMemoryHeader, err := json.Marshal(inMemoryParent.Header)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name           string
		parent         *wire.Message
		content        any
		wantParent     string
		wantIdentities [][]byte
		wantContent    string
	}{
		{
			name:           "reply to decoded message",
			parent:         parent,
			content:        map[string]any{"status": "ok", "execution_count": 1},
			wantParent:     parentHeader,
			wantIdentities: [][]byte{[]byte("client-id")},
			wantContent:    `{"execution_count":1,"status":"ok"}`,
		},
		{
			name:           "reply to in-memory message",
			parent:         inMemoryParent,
			content:        struct{ State string }{"idle"},
			wantParent:     string(inMemoryHeader),
			wantIdentities: [][]byte{[]byte("x")},
			wantContent:    `{"State":"idle"}`,
		},
		{
			name:        "no parent",
			content:     json.RawMessage(`{"execution_state": "starting"}`),
			wantParent:  `{}`,
			wantContent: `{"execution_state":"starting"}`,
		},
		{
			name:        "nil content",
			wantParent:  `{}`,
			wantContent: `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.NewMessage(tt.parent, "execute_reply", "kernel-session", tt.content)
			if err != nil {
				t.Fatalf("NewMessage: %v", err)
			}
			if got, want := m.Header.MsgType, "execute_reply"; got != want {
				t.Errorf("MsgType = %q, want %q", got, want)
			}
			if got, want := m.Header.Session, "kernel-session"; got != want {
				t.Errorf("Session = %q, want %q", got, want)
			}
			if got := string(m.ParentHeader); got != tt.wantParent {
				t.Errorf("ParentHeader = %s, want %s", got, tt.wantParent)
			}
			if got, want := string(m.Metadata), `{}`; got != want {
				t.Errorf("Metadata = %s, want %s", got, want)
			}
			if got := string(m.Content); got != tt.wantContent {
				t.Errorf("Content = %s, want %s", got, tt.wantContent)
			}
			if got := m.Identities; !equalFrames(got, tt.wantIdentities) {
				t.Errorf("Identities = %q, want %q", got, tt.wantIdentities)
			}
			if tt.parent != nil && len(m.Identities) > 0 {
				m.Identities[0][0] = '!'
				if bytes.Equal(m.Identities[0], tt.parent.Identities[0]) {
					t.Errorf("Identities share memory with the parent's")
				}
			}
			if _, err := wire.Encode(m, nil); err != nil {
				t.Errorf("Encode: %v", err)
			}
		})
	}
}

func TestNewMessageErrors(t *testing.T) {
	tests := []struct {
		name    string
		content any
	}{
		{"content not an object", []int{1, 2}},
		{"content not encodable", map[string]any{"f": func() {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.NewMessage(nil, "stream", "s", tt.content)
			if err == nil {
				t.Errorf("NewMessage = %+v, want error", m)
			}
		})
	}
}

func TestParent(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    wire.Header
		wantErr error
	}{
		{"empty object", `{}`, wire.Header{}, nil},
		{"empty", ``, wire.Header{}, nil},
		{"header", `{"msg_id":"p","msg_type":"t","session":"s"}`, wire.Header{MsgID: "p", MsgType: "t", Session: "s"}, nil},
		{"invalid", `{"msg_id":`, wire.Header{}, wire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &wire.Message{ParentHeader: json.RawMessage(tt.raw)}
			got, err := m.Parent()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Parent error = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parent = %+v, want %+v", got, tt.want)
			}
		})
	}
}
