// Package wire encodes and decodes Jupyter messages on ZeroMQ frames and reads connection files.
//
// A Jupyter message (messaging protocol 5.3) travels as a multipart ZeroMQ
// message:
//
//	identity...      routing prefix (ROUTER sockets only)
//	<IDS|MSG>        delimiter
//	signature        hex HMAC of the next four frames ("" when unsigned)
//	header           JSON object
//	parent_header    JSON object ("{}" when none)
//	metadata         JSON object
//	content          JSON object
//	buffer...        optional raw binary buffers
//
// Decode turns frames into a Message, verifying the signature before any JSON
// is parsed; Encode does the reverse. Connection files, which tell a kernel
// where to listen and how to sign, are read with ReadConnectionFile.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ProtocolVersion is the Jupyter messaging protocol version spoken by this
// package; it is put in the version field of every new Header.
const ProtocolVersion = "5.3"

// Delimiter is the frame separating the routing identities from the signed
// part of a message.
const Delimiter = "<IDS|MSG>"

// Username is the username put in every new Header.
const Username = "kernel"

// DateLayout is the time layout of Header.Date: ISO 8601 with microseconds
// and a time zone, as written by Jupyter.
const DateLayout = "2006-01-02T15:04:05.000000Z07:00"

// signedFrames is the number of frames that follow the delimiter in every
// message: signature, header, parent header, metadata and content.
const signedFrames = 5

// Sentinel errors returned (possibly wrapped) by Decode and Encode. Test for
// them with errors.Is.
var (
	// ErrNoDelimiter means that the frames contain no Delimiter frame.
	ErrNoDelimiter = errors.New("wire: no " + Delimiter + " delimiter frame")
	// ErrShortMessage means that fewer than five frames follow the delimiter.
	ErrShortMessage = errors.New("wire: too few frames after delimiter")
	// ErrBadSignature means that the message signature does not verify.
	ErrBadSignature = errors.New("wire: invalid message signature")
	// ErrMalformed means that a header, parent header, metadata or content
	// frame is not a valid JSON object, or that the header lacks a required
	// field.
	ErrMalformed = errors.New("wire: malformed message")
)

// emptyObject is the JSON encoding of an empty object, used for absent parent
// headers, metadata and content.
const emptyObject = "{}"

// Header is a Jupyter message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"` // ISO 8601 with time zone, see DateLayout
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// validate checks the fields every message header must have.
func (h Header) validate() error {
	switch {
	case h.MsgID == "":
		return fmt.Errorf("%w: header has no msg_id", ErrMalformed)
	case h.MsgType == "":
		return fmt.Errorf("%w: header has no msg_type", ErrMalformed)
	}
	return nil
}

// NewHeader returns the header of a new message of type msgType in session:
// a fresh random msg_id, username Username, version ProtocolVersion and the
// current UTC time.
func NewHeader(msgType, session string) Header {
	return Header{
		MsgID:    uuid.NewString(),
		Session:  session,
		Username: Username,
		Date:     time.Now().UTC().Format(DateLayout),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// Message is one decoded Jupyter message.
//
// A Message returned by Decode refers to the memory of the decoded frames;
// callers must not modify the frames while the Message is in use.
type Message struct {
	Identities   [][]byte        // routing prefix before the delimiter (ROUTER sockets)
	Header       Header          // decoded header
	ParentHeader json.RawMessage // raw parent header; "{}" when none
	Metadata     json.RawMessage // raw metadata; "{}" when none
	Content      json.RawMessage // raw content
	Buffers      [][]byte        // extra binary buffers after the content
	Signature    []byte          // the signature as received (hex); empty when unsigned

	// rawHeader is the header frame exactly as received, kept so that
	// replies can quote it byte for byte as their parent header. It is nil
	// for messages that were not decoded.
	rawHeader []byte

	// built are the parent header and content as NewMessage made them, JSON
	// objects already: Encode checks only parts that were replaced since.
	built [2][]byte
}

// Parent decodes the parent header. It returns a zero Header when there is no
// parent, that is when ParentHeader is empty or "{}".
func (m *Message) Parent() (Header, error) {
	var h Header
	if len(bytes.TrimSpace(m.ParentHeader)) == 0 {
		return h, nil
	}
	if err := json.Unmarshal(m.ParentHeader, &h); err != nil {
		return Header{}, fmt.Errorf("%w: parent header: %w", ErrMalformed, err)
	}
	return h, nil
}

// headerJSON returns the JSON of m's header: the received bytes for a decoded
// message, otherwise the encoding of m.Header.
func (m *Message) headerJSON() ([]byte, error) {
	if m.rawHeader != nil {
		return m.rawHeader, nil
	}
	b, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding header: %w", err)
	}
	return b, nil
}

// NewMessage builds a message of type msgType in session, as a reply to or a
// publication caused by parent. The header comes from NewHeader. The parent
// header is parent's header exactly as it was received (or "{}" when parent is
// nil), the identities are copied from parent so that replies on ROUTER
// sockets are routed back to the sender, the metadata is "{}" and the content
// is the JSON encoding of content, which must be a JSON object (nil stands for
// an empty object).
func NewMessage(parent *Message, msgType, session string, content any) (*Message, error) {
	m := &Message{
		Header:       NewHeader(msgType, session),
		ParentHeader: json.RawMessage(emptyObject),
		Metadata:     json.RawMessage(emptyObject),
		Content:      json.RawMessage(emptyObject),
	}
	if parent != nil {
		ph, err := parent.headerJSON()
		if err != nil {
			return nil, err
		}
		m.ParentHeader = bytes.Clone(ph)
		m.Identities = make([][]byte, len(parent.Identities))
		for i, id := range parent.Identities {
			m.Identities[i] = bytes.Clone(id)
		}
	}
	if content != nil {
		c, err := json.Marshal(content)
		if err != nil {
			return nil, fmt.Errorf("wire: encoding %s content: %w", msgType, err)
		}
		// json.Marshal writes valid JSON, with nothing before its value.
		if len(c) == 0 || c[0] != '{' {
			return nil, fmt.Errorf("%w: %s content is not a JSON object", ErrMalformed, msgType)
		}
		m.Content = c
	}
	m.built = [2][]byte{m.ParentHeader, m.Content}
	return m, nil
}

// Decode parses the ZeroMQ frames of one message.
//
// It locates the delimiter, checks that the signature, header, parent header,
// metadata and content frames follow it, and verifies the signature with s
// before parsing any JSON. It then decodes the header, which must have a
// msg_id and a msg_type, and checks that the parent header, metadata and
// content are JSON objects. Frames after the content become Buffers. A nil s
// accepts unsigned messages, like a Signer with an empty key.
//
// Errors wrap ErrNoDelimiter, ErrShortMessage, ErrBadSignature or
// ErrMalformed. Decode never panics, whatever the frames.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	delim := -1
	for i, f := range frames {
		if string(f) == Delimiter {
			delim = i
			break
		}
	}
	if delim < 0 {
		return nil, ErrNoDelimiter
	}
	rest := frames[delim+1:]
	if len(rest) < signedFrames {
		return nil, fmt.Errorf("%w: got %d, want at least %d", ErrShortMessage, len(rest), signedFrames)
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]

	// Authenticate first: nothing from an unauthenticated peer is parsed.
	if !s.Verify(sig, header, parent, metadata, content) {
		return nil, ErrBadSignature
	}

	m := &Message{
		ParentHeader: json.RawMessage(parent),
		Metadata:     json.RawMessage(metadata),
		Content:      json.RawMessage(content),
		Signature:    sig,
		rawHeader:    header,
	}
	if delim > 0 {
		m.Identities = frames[:delim:delim]
	}
	if len(rest) > signedFrames {
		m.Buffers = rest[signedFrames:len(rest):len(rest)]
	}

	// Unmarshal validates the header: only its first byte is left to check.
	if h := bytes.TrimLeft(header, " \t\r\n"); len(h) == 0 || h[0] != '{' {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if err := m.Header.validate(); err != nil {
		return nil, err
	}
	if err := checkObjects(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Encode returns the ZeroMQ frames of m, signed with s: identities,
// delimiter, signature, header, parent header, metadata, content and buffers.
// Empty ParentHeader, Metadata and Content are sent as "{}". The header is
// encoded from m.Header, which must have a msg_id and a msg_type; the other
// parts must be JSON objects (those NewMessage made are not checked again:
// change a message by replacing a part, not by writing into it). Errors
// about the message wrap ErrMalformed. A nil s produces an unsigned message.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrMalformed)
	}
	if err := m.Header.validate(); err != nil {
		return nil, err
	}
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding header: %w", err)
	}
	out := Message{
		ParentHeader: orEmptyObject(m.ParentHeader),
		Metadata:     orEmptyObject(m.Metadata),
		Content:      orEmptyObject(m.Content),
	}
	out.built = m.built
	if err := checkObjects(&out); err != nil {
		return nil, err
	}

	frames := make([][]byte, 0, len(m.Identities)+1+signedFrames+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames,
		[]byte(Delimiter),
		s.appendSign(nil, header, out.ParentHeader, out.Metadata, out.Content),
		header,
		out.ParentHeader,
		out.Metadata,
		out.Content,
	)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// checkObjects checks that the parent header, metadata and content of m are
// JSON objects.
func checkObjects(m *Message) error {
	parts := []struct {
		name string
		data []byte
	}{
		{"parent header", m.ParentHeader},
		{"metadata", m.Metadata},
		{"content", m.Content},
	}
	for _, p := range parts {
		if string(p.data) == emptyObject || isBuilt(m, p.data) {
			continue
		}
		if !isJSONObject(p.data) {
			return fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, p.name)
		}
	}
	return nil
}

// isBuilt reports whether part is the parent header or content NewMessage
// made for m, the same bytes.
func isBuilt(m *Message, part []byte) bool {
	for _, b := range m.built {
		if len(b) > 0 && len(b) == len(part) && &b[0] == &part[0] {
			return true
		}
	}
	return false
}

// orEmptyObject returns raw, or "{}" when raw is empty.
func orEmptyObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(emptyObject)
	}
	return raw
}

// isJSONObject reports whether data is a single valid JSON value that is an
// object.
func isJSONObject(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(data)
}
