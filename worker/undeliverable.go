package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gokernel/gokernel/workerproto"
)

// NameOutput is the error of a cell whose result or display could not be sent to the
// kernel.
const NameOutput = "OutputError"

// An event can fail to encode while the pipe is fine: a display bundle holding math.NaN()
// (JSON has no NaN), a result larger than workerproto.MaxMessage. Nothing was written then,
// and the worker goes on: what could not be shown becomes an error of the cell it belongs
// to, and the events the kernel waits for (the end of a cell, a value) go out in a smaller
// form.

// undeliverable handles event m that could not be encoded (err wraps workerproto.ErrEncode
// or workerproto.ErrTooLarge). It returns an error only when the pipe failed.
func (w *runner) undeliverable(m *workerproto.Message, err error) error {
	why := unsendable(err)
	switch m.Kind {
	case workerproto.KindDone:
		return w.emitSmaller(m, why)
	case workerproto.KindValue:
		return w.emit(&workerproto.Message{Kind: workerproto.KindValue, ID: m.ID, Value: "not shown: " + why})
	}
	what := "a display"
	switch {
	case m.Kind == workerproto.KindResult:
		what = "the cell's result"
	case m.Update:
		what = "a display update"
	}
	msg := fmt.Sprintf("%s could not be shown: %s", what, why)
	if !w.noteLost(m.ID, msg) {
		// No cell to blame: a goroutine of an earlier cell displayed it.
		fmt.Fprintln(w.stderr, msg)
	}
	return nil
}

// unsendable says why an event could not be encoded, for the learner.
func unsendable(err error) string {
	var value *json.UnsupportedValueError
	var typ *json.UnsupportedTypeError
	var marshaler *json.MarshalerError
	switch {
	case errors.As(err, &value):
		return fmt.Sprintf("it holds %s, which JSON (the format outputs travel in to the front end) cannot represent; "+
			"turn NaN and infinities into strings or nil first", value.Str)
	case errors.As(err, &typ):
		return fmt.Sprintf("it holds a %s, which JSON (the format outputs travel in to the front end) cannot represent", typ.Type)
	case errors.As(err, &marshaler):
		return fmt.Sprintf("a MarshalJSON method in it failed: %v", marshaler.Err)
	case errors.Is(err, workerproto.ErrTooLarge):
		return fmt.Sprintf("it is larger than the %d MiB one message to the front end may hold; show a part of it", workerproto.MaxMessage>>20)
	}
	return err.Error()
}

// noteLost records what cell id could not show, for its error. It reports false when id is
// not the cell whose losses are being collected.
func (w *runner) noteLost(id uint64, msg string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if id == 0 || id != w.collecting {
		return false
	}
	w.lost = append(w.lost, msg)
	return true
}

// collectLost starts collecting the losses of cell id.
func (w *runner) collectLost(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.collecting, w.lost = id, nil
}

// withLost ends the collection and returns the cell's error with its losses: a NameOutput
// error if the cell had none, otherwise the cell's own error, with the losses after it.
func (w *runner) withLost(e *workerproto.Error) *workerproto.Error {
	w.mu.Lock()
	lost := w.lost
	w.collecting, w.lost = 0, nil
	w.mu.Unlock()
	if len(lost) == 0 {
		return e
	}
	if e == nil {
		return &workerproto.Error{Name: NameOutput, Value: lost[0], Traceback: lost}
	}
	e.Traceback = append(e.Traceback, lost...)
	return e
}

// maxErrorText bounds each text of an error sent in a smaller end-of-cell event.
const maxErrorText = 16 << 10

// emitSmaller sends done event m again without what made it too large to encode: long texts
// of its error are cut, and the session's symbols left for the next event (completion
// misses the newest names until then). If that fails too, a done with only an error goes.
func (w *runner) emitSmaller(m *workerproto.Message, why string) error {
	small := *m
	small.Defined = nil
	w.reported = -1 // send the symbols with the next cell's end
	if m.Error != nil {
		e := &workerproto.Error{Name: m.Error.Name, Value: cut(m.Error.Value)}
		for i, l := range m.Error.Traceback {
			if i == 200 {
				e.Traceback = append(e.Traceback, fmt.Sprintf("…(%d more lines)", len(m.Error.Traceback)-i))
				break
			}
			e.Traceback = append(e.Traceback, cut(l))
		}
		small.Error = e
	}
	err := w.emit(&small)
	if errors.Is(err, workerproto.ErrEncode) || errors.Is(err, workerproto.ErrTooLarge) {
		msg := "the cell ended, but its end could not be reported in full: " + why
		small = workerproto.Message{Kind: workerproto.KindDone, ID: m.ID, Goroutines: m.Goroutines,
			Error: &workerproto.Error{Name: NameOutput, Value: msg, Traceback: []string{msg}}}
		err = w.emit(&small)
	}
	return err
}

// cut shortens a text of an error to maxErrorText bytes, at a UTF-8 boundary, with a note.
func cut(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	n := maxErrorText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s …(%d more bytes)", s[:n], len(s)-n)
}
