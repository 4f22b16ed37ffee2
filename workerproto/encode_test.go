package workerproto

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// A message that can't be encoded is not written at all, and the Writer stays usable: the
// next message reaches the reader whole.
func TestWriterRefusesUnencodable(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
		want error
	}{
		{"NaN in a display", &Message{Kind: KindDisplay, ID: 1, Data: map[string]any{"application/json": map[string]any{"x": math.NaN()}}}, ErrEncode},
		{"infinity in a result", &Message{Kind: KindResult, ID: 1, Data: map[string]any{"application/json": []any{math.Inf(1)}}}, ErrEncode},
		{"a channel", &Message{Kind: KindDisplay, ID: 1, Data: map[string]any{"application/json": make(chan int)}}, ErrEncode},
		{"over the size limit", &Message{Kind: KindResult, ID: 1, Data: map[string]any{"text/plain": strings.Repeat("x", MaxMessage)}}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pipe bytes.Buffer
			w := NewWriter(&pipe)
			if err := w.Write(tt.m); !errors.Is(err, tt.want) {
				t.Fatalf("Write = %v, want %v", err, tt.want)
			}
			if pipe.Len() != 0 {
				t.Fatalf("%d bytes written for a message that failed", pipe.Len())
			}
			next := &Message{Kind: KindDone, ID: 1, Error: &Error{Name: "OutputError", Value: "what could not be shown"}}
			if err := w.Write(next); err != nil {
				t.Fatal(err)
			}
			got, err := NewReader(&pipe).Read()
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != KindDone || got.Error == nil || got.Error.Value != "what could not be shown" {
				t.Errorf("read %+v after the failed write", got)
			}
		})
	}
}

// Just under the limit still goes through.
func TestWriterAtTheLimit(t *testing.T) {
	var pipe bytes.Buffer
	w := NewWriter(&pipe)
	// {"kind":"result","data":{"text/plain":"…"}} around the text.
	text := strings.Repeat("x", MaxMessage-len(`{"kind":"result","data":{"text/plain":""}}`))
	if err := w.Write(&Message{Kind: KindResult, Data: map[string]any{"text/plain": text}}); err != nil {
		t.Fatalf("a message of exactly MaxMessage bytes: %v", err)
	}
	m, err := NewReader(&pipe).Read()
	if err != nil || m.Data["text/plain"] != text {
		t.Fatalf("read back: %v", err)
	}
}
