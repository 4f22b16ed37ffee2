// Package workerproto is the contract between the kernel process and the
// worker process: the file descriptors the worker is started with, the
// messages they exchange and their framing on a pipe, and the sync marker in
// the output streams. Both sides import it; it imports only the standard
// library.
//
// The kernel writes requests (execute, interrupt, input replies) on one pipe;
// the worker writes events (ready, results, input requests, done) on another.
// Each message is a 4-byte big-endian length followed by that many bytes of
// JSON. The user's output does not travel here: it is the worker's stdout and
// stderr pipes, which carry a [SyncMarker] at the end of every cell so the
// kernel knows it has read all of a cell's output before it replies. Each
// marker carries the worker's [Token], which the kernel learns from the ready
// event, so that no output can pass for a marker.
//
// The file descriptors above 2 are the worker's own: it marks them
// close-on-exec, so the processes a cell starts see 0, 1 and 2 only.
package workerproto

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// The worker's file descriptors, as the kernel starts it.
const (
	FDStdin      = 0 // /dev/null: a cell's input comes through input requests
	FDStdout     = 1 // the cells' stdout, a pipe the kernel publishes
	FDCrash      = 2 // the process's own stderr: Go's crash reports land here
	FDRequests   = 3 // requests from the kernel
	FDEvents     = 4 // events to the kernel
	FDCellStderr = 5 // the cells' stderr, a pipe the kernel publishes
)

// InterpretingMarker starts the line the worker writes to FDCrash before the interpreter reads
// a package of a module from source ("gokernel: interpreting package path (module@version)"):
// when the interpreter crashes the process there, the kernel names the package.
const InterpretingMarker = "gokernel: interpreting package "

// InstalledGoEnv names the variable of kernel.json's env in which `gokernel install` records
// the go command it found; the worker builds compiled cells with it when there is no go on the
// kernel's PATH (as when Jupyter starts from a desktop launcher).
const InstalledGoEnv = "GOKERNEL_INSTALL_GO"

// Kinds of message. Requests go from the kernel to the worker, events from
// the worker to the kernel.
const (
	// Requests.
	KindExecute    = "execute"     // run Code as cell ID
	KindInterrupt  = "interrupt"   // stop the running cell
	KindInputReply = "input_reply" // Value answers the last input request
	KindValue      = "value"       // request: the value of variable Name; event: its Value
	KindSqueeze    = "squeeze"     // give free memory back to the system; answered with squeezed

	// Events.
	KindReady        = "ready"         // the interpreter is ready for cells; PID, Token
	KindStarted      = "started"       // cell ID began to run (it was not interrupted before)
	KindStopping     = "stopping"      // cell ID was asked to stop; Goroutines must wind down
	KindResult       = "result"        // Data is the cell's result
	KindDisplay      = "display"       // Data shown now; DisplayID, Update
	KindClear        = "clear_output"  // clear the cell's output; Wait
	KindInputRequest = "input_request" // the cell reads stdin; Prompt
	KindDone         = "done"          // the cell ID finished; Error if it failed
	KindSqueezed     = "squeezed"      // the worker did what a squeeze asked
	KindCollected    = "collected"     // the collector ran while no cell ran: memory may be growing
)

// MemoryLimitEnv names the environment variable in which the kernel tells
// the worker its limit on the worker's resident memory, in bytes.
const MemoryLimitEnv = "GOKERNEL_WORKER_MEMORY_LIMIT"

// MaxMessage bounds one framed message, so a corrupt length can't make the
// reader allocate without limit.
const MaxMessage = 64 << 20

// Message is one request or event. Which fields are set depends on Kind.
type Message struct {
	Kind string `json:"kind"`
	ID   uint64 `json:"id,omitempty"` // the execute request this belongs to

	// Sync numbers the SyncMarker the worker wrote on stdout and stderr just
	// before this event: the kernel publishes the output before the event.
	Sync uint64 `json:"sync,omitempty"`
	// NoSync names the streams ("stdout", "stderr") the marker could not be
	// written to: the kernel doesn't wait for it there.
	NoSync []string `json:"no_sync,omitempty"`

	// Execute.
	Code       string `json:"code,omitempty"`
	Cell       string `json:"cell,omitempty"` // name used in positions, e.g. "cell[3]"
	AllowStdin bool   `json:"allow_stdin,omitempty"`

	// Result and display: a MIME bundle (values are strings, or JSON for
	// application/json) with its metadata.
	Data      map[string]any `json:"data,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	DisplayID string         `json:"display_id,omitempty"`
	Update    bool           `json:"update,omitempty"` // update_display_data instead of display_data
	Wait      bool           `json:"wait,omitempty"`   // clear_output: wait for the next output

	// Value request: the variable.
	Name string `json:"name,omitempty"`

	// Input request and reply.
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
	Value    string `json:"value,omitempty"`

	// Done.
	Error      *Error `json:"error,omitempty"`
	Goroutines int    `json:"goroutines,omitempty"` // goroutines the session has left running

	// Done: what the cells have defined so far, for completion; nil when
	// the cell defined nothing new.
	Defined *Defined `json:"defined,omitempty"`

	// Ready.
	PID   int    `json:"pid,omitempty"`
	Token string `json:"token,omitempty"` // in every SyncMarker of this worker
}

// Defined is what the cells of a session have defined.
type Defined struct {
	Symbols []Symbol          `json:"symbols"`
	Imports map[string]string `json:"imports"` // import path by the name cells use
}

// Symbol is a name the cells defined, for completion and inspection in the
// kernel (which converts it to its completion package's own type).
type Symbol struct {
	Name string // "wg", "point", "double"
	Kind string // "func", "type", "var", "const"
	// Type is the Go type as text: "sync.WaitGroup", "*sync.Mutex", "func(n int) int",
	// "main.point", "map[string]int". For a type symbol, its underlying type:
	// "struct{ X, Y int }".
	Type string
	// Members are the fields and methods of a type defined in cells.
	Members []Member
}

// Member is a field or method of a type defined in cells.
type Member struct {
	Name string
	Kind string // "field" or "method"
	// Signature is a field's type ("int", "sync.Mutex") or a method's func type
	// ("func(n int) int").
	Signature string
}

// Error is a failed cell as Jupyter shows it: a cell's own failure (package
// eval names those) or the kernel's, such as the worker's death.
type Error struct {
	Name      string   `json:"ename"`     // e.g. "CompileError", "panic", "Interrupted"
	Value     string   `json:"evalue"`    // one line, e.g. "cell[3]:2:5: undefined: x"
	Traceback []string `json:"traceback"` // lines a person reads: the message, the cell lines involved, carets
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// ErrTooLarge reports a frame whose length exceeds [MaxMessage].
var ErrTooLarge = errors.New("workerproto: message too large")

// ErrEncode reports a message that JSON can't encode (a NaN, a channel in Data). Like
// [ErrTooLarge] from [Writer.Write], it means nothing was written: the pipe is fine.
var ErrEncode = errors.New("workerproto: message can't be encoded")

// Writer writes framed messages. It is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write frames and writes m in a single write call. A message JSON can't encode, or one
// larger than [MaxMessage], is not written at all: the error wraps [ErrEncode] or
// [ErrTooLarge], and the Writer stays usable.
func (w *Writer) Write(m *Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrEncode, m.Kind, err)
	}
	if len(body) > MaxMessage {
		return fmt.Errorf("%w: %s of %d bytes", ErrTooLarge, m.Kind, len(body))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = binary.BigEndian.AppendUint32(w.buf[:0], uint32(len(body)))
	w.buf = append(w.buf, body...)
	_, err = w.w.Write(w.buf)
	return err
}

// Reader reads framed messages. It is not safe for concurrent use.
type Reader struct {
	r *bufio.Reader
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Read returns the next message, or io.EOF when the other side closed the
// pipe between messages.
func (r *Reader) Read() (*Message, error) {
	var n [4]byte
	if _, err := io.ReadFull(r.r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > MaxMessage {
		return nil, ErrTooLarge
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r.r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	m := new(Message)
	if err := json.Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("workerproto: decode: %w", err)
	}
	return m, nil
}

// SyncMarker is written by the worker on its stdout and stderr before each
// event that a front end shows (a result, a display, an input request, the
// end of a cell); the event carries its number n, and the kernel removes the
// marker from the output. token is the worker's [Token]: output that looks
// like a marker but lacks it is output, so a cell can't forge one.
func SyncMarker(token string, n uint64) []byte {
	return []byte(SyncPrefix + token + ":" + strconv.FormatUint(n, 10) + "\x00")
}

// SignalNote starts the line a worker writes on its crash output (fd 2) when
// a fatal signal reaches it, before Go's own report: "gokernel: signal
// SIGQUIT arrived while cell[3] ran line 2: for {}".
const SignalNote = "gokernel: signal "

// SyncPrefix starts every [SyncMarker].
const SyncPrefix = "\x00gokernel-sync:"

// TokenLen is the length of a [Token].
const TokenLen = 32

// Token returns a fresh random token for a worker's sync markers: 32
// lowercase hex digits.
func Token() string {
	var b [TokenLen / 2]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
