package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
)

// Transports allowed in a connection file.
const (
	TransportTCP = "tcp"
	TransportIPC = "ipc"
)

// redacted replaces the key wherever a ConnectionInfo is printed.
const redacted = "<redacted>"

// ConnectionInfo is a parsed kernel connection file.
//
// The String, GoString and LogValue methods never reveal Key, so a
// ConnectionInfo may be logged safely; its JSON encoding does contain the key.
type ConnectionInfo struct {
	Transport       string `json:"transport"` // "tcp" or "ipc"
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads, parses and validates the connection file at path.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("wire: reading connection file: %w", err)
	}
	c, err := ParseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("wire: connection file %s: %w", path, err)
	}
	return c, nil
}

// ParseConnectionInfo parses and validates the JSON of a connection file.
// Unknown fields are ignored. Errors never quote the input, which holds the
// signing key.
func ParseConnectionInfo(data []byte) (ConnectionInfo, error) {
	var c ConnectionInfo
	if err := json.Unmarshal(data, &c); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			// A syntax error message quotes the offending character,
			// which might belong to the key.
			err = &syntaxError{err: syn}
		}
		return ConnectionInfo{}, fmt.Errorf("wire: parsing connection info: %w", err)
	}
	if err := c.Validate(); err != nil {
		return ConnectionInfo{}, err
	}
	return c, nil
}

// syntaxError wraps a *json.SyntaxError, reporting only its offset.
type syntaxError struct {
	err *json.SyntaxError
}

func (e *syntaxError) Error() string {
	return "invalid JSON at byte offset " + strconv.FormatInt(e.err.Offset, 10)
}

func (e *syntaxError) Unwrap() error { return e.err }

// Validate checks that c is usable: the transport is "tcp" or "ipc", the ip
// is set, the signature scheme is "hmac-sha256" (or empty when the key is
// empty), and the ports are in 0..65535 for tcp (non-negative for ipc) and
// distinct unless zero. Error messages never include the key.
func (c ConnectionInfo) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("wire: invalid connection info: "+format, args...)
	}
	switch c.Transport {
	case TransportTCP, TransportIPC:
	default:
		return fail("unsupported transport %q (want %q or %q)", c.Transport, TransportTCP, TransportIPC)
	}
	if c.IP == "" {
		return fail("ip is empty")
	}
	switch {
	case c.SignatureScheme == SchemeHMACSHA256:
	case c.SignatureScheme == "" && c.Key == "":
	case c.SignatureScheme == "":
		return fail("signature_scheme is empty but a key is set (want %q)", SchemeHMACSHA256)
	default:
		return fail("unsupported signature_scheme %q (want %q)", c.SignatureScheme, SchemeHMACSHA256)
	}
	maxPort := 65535
	if c.Transport == TransportIPC {
		maxPort = math.MaxInt
	}
	seen := make(map[int]string, 5)
	for _, p := range c.ports() {
		if p.port < 0 || p.port > maxPort {
			return fail("%s %d out of range", p.name, p.port)
		}
		if p.port == 0 {
			continue
		}
		if other, dup := seen[p.port]; dup {
			return fail("%s and %s are both %d", other, p.name, p.port)
		}
		seen[p.port] = p.name
	}
	return nil
}

// namedPort is a port of a ConnectionInfo with its connection-file name.
type namedPort struct {
	name string
	port int
}

// ports returns the ports of c in connection-file order.
func (c ConnectionInfo) ports() []namedPort {
	return []namedPort{
		{"shell_port", c.ShellPort},
		{"control_port", c.ControlPort},
		{"stdin_port", c.StdinPort},
		{"iopub_port", c.IOPubPort},
		{"hb_port", c.HBPort},
	}
}

// Endpoint returns the ZeroMQ endpoint of port: "tcp://127.0.0.1:5555" for
// tcp (with brackets around IPv6 addresses), and "ipc://<ip>-<port>" for ipc,
// where, following Jupyter, ip is a path prefix.
func (c ConnectionInfo) Endpoint(port int) string {
	p := strconv.Itoa(port)
	if c.Transport == TransportIPC {
		return TransportIPC + "://" + c.IP + "-" + p
	}
	host := c.IP
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return c.Transport + "://" + host + ":" + p
}

// String describes c for logging, with the key redacted.
func (c ConnectionInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transport=%s ip=%q", c.Transport, c.IP)
	for _, p := range c.ports() {
		fmt.Fprintf(&b, " %s=%d", p.name, p.port)
	}
	fmt.Fprintf(&b, " signature_scheme=%q key=%s", c.SignatureScheme, c.redactedKey())
	if c.KernelName != "" {
		fmt.Fprintf(&b, " kernel_name=%q", c.KernelName)
	}
	return b.String()
}

// GoString is like String, so that the %#v verb does not reveal the key.
func (c ConnectionInfo) GoString() string {
	return "wire.ConnectionInfo{" + c.String() + "}"
}

// LogValue implements slog.LogValuer so that structured logs, including JSON
// ones, do not reveal the key.
func (c ConnectionInfo) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("transport", c.Transport),
		slog.String("ip", c.IP),
	}
	for _, p := range c.ports() {
		attrs = append(attrs, slog.Int(p.name, p.port))
	}
	attrs = append(attrs,
		slog.String("signature_scheme", c.SignatureScheme),
		slog.String("key", c.redactedKey()),
	)
	if c.KernelName != "" {
		attrs = append(attrs, slog.String("kernel_name", c.KernelName))
	}
	return slog.GroupValue(attrs...)
}

// redactedKey tells whether a key is set without revealing it.
func (c ConnectionInfo) redactedKey() string {
	if c.Key == "" {
		return `""`
	}
	return redacted
}
