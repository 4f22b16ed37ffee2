package wire_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/jupyter/wire"
)

const secretKey = "s3cr3t-9f1c2d7e-key-must-never-be-printed"

const tcpConnectionFile = `{
  "shell_port": 53794,
  "iopub_port": 53795,
  "stdin_port": 53796,
  "control_port": 53797,
  "hb_port": 53798,
  "ip": "127.0.0.1",
  "key": "` + secretKey + `",
  "transport": "tcp",
  "signature_scheme": "hmac-sha256",
  "kernel_name": "gokernel",
  "jupyter_session": "/home/u/notebook.ipynb"
}`

const ipcConnectionFile = `{
  "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
  "ip": "/tmp/kernel-abc", "key": "", "transport": "ipc", "signature_scheme": ""
}`

// validInfo returns a valid tcp ConnectionInfo with secretKey.
func validInfo() wire.ConnectionInfo {
	return wire.ConnectionInfo{
		Transport:       "tcp",
		IP:              "127.0.0.1",
		ShellPort:       53794,
		ControlPort:     53797,
		StdinPort:       53796,
		IOPubPort:       53795,
		HBPort:          53798,
		SignatureScheme: "hmac-sha256",
		Key:             secretKey,
		KernelName:      "gokernel",
	}
}

func TestParseConnectionInfo(t *testing.T) {
	tests := []struct {
		name string
		data string
		want wire.ConnectionInfo
	}{
		{"tcp", tcpConnectionFile, validInfo()},
		{"ipc without key", ipcConnectionFile, wire.ConnectionInfo{
			Transport: "ipc", IP: "/tmp/kernel-abc",
			ShellPort: 1, ControlPort: 4, StdinPort: 3, IOPubPort: 2, HBPort: 5,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.ParseConnectionInfo([]byte(tt.data))
			if err != nil {
				t.Fatalf("ParseConnectionInfo: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseConnectionInfo = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestReadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kernel-1.json")
	if err := os.WriteFile(path, []byte(tcpConnectionFile), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := wire.ReadConnectionFile(path)
	if err != nil {
		t.Fatalf("ReadConnectionFile: %v", err)
	}
	if want := validInfo(); got != want {
		t.Errorf("ReadConnectionFile = %#v, want %#v", got, want)
	}

	bad := filepath.Join(dir, "bad.json")
	badInfo := strings.Replace(tcpConnectionFile, `"hmac-sha256"`, `"hmac-md5"`, 1)
	if err := os.WriteFile(bad, []byte(badInfo), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "missing.json")} {
		_, err := wire.ReadConnectionFile(p)
		if err == nil {
			t.Errorf("ReadConnectionFile(%q) succeeded, want error", p)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, p) || strings.Contains(msg, secretKey) {
			t.Errorf("ReadConnectionFile(%q) error = %q, want path and no key", p, msg)
		}
	}
}

func TestConnectionInfoInvalid(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*wire.ConnectionInfo)
		wantMsg string
	}{
		{"unknown transport", func(c *wire.ConnectionInfo) { c.Transport = "udp" }, `transport "udp"`},
		{"empty transport", func(c *wire.ConnectionInfo) { c.Transport = "" }, `transport ""`},
		{"empty ip", func(c *wire.ConnectionInfo) { c.IP = "" }, "ip is empty"},
		{"unknown scheme", func(c *wire.ConnectionInfo) { c.SignatureScheme = "hmac-md5" }, `signature_scheme "hmac-md5"`},
		{"unknown scheme without key", func(c *wire.ConnectionInfo) { c.SignatureScheme = "hmac-md5"; c.Key = "" }, `signature_scheme "hmac-md5"`},
		{"empty scheme with key", func(c *wire.ConnectionInfo) { c.SignatureScheme = "" }, "signature_scheme is empty"},
		{"negative port", func(c *wire.ConnectionInfo) { c.HBPort = -1 }, "hb_port -1 out of range"},
		{"port too large", func(c *wire.ConnectionInfo) { c.ShellPort = 65536 }, "shell_port 65536 out of range"},
		{"negative ipc port", func(c *wire.ConnectionInfo) { c.Transport = "ipc"; c.StdinPort = -3 }, "stdin_port -3 out of range"},
		{"duplicate port", func(c *wire.ConnectionInfo) { c.IOPubPort = c.ShellPort }, "shell_port and iopub_port are both 53794"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validInfo()
			tt.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate succeeded, want error containing %q", tt.wantMsg)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("Validate error = %q, want it to contain %q", msg, tt.wantMsg)
			}
			if strings.Contains(msg, secretKey) || strings.Contains(msg, "\n") {
				t.Errorf("Validate error = %q, want one line without the key", msg)
			}

			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wire.ParseConnectionInfo(data); err == nil {
				t.Errorf("ParseConnectionInfo(%s) succeeded, want error", data)
			}
		})
	}
}

func TestConnectionInfoValidEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		edit func(*wire.ConnectionInfo)
	}{
		{"zero ports", func(c *wire.ConnectionInfo) {
			c.ShellPort, c.ControlPort, c.StdinPort, c.IOPubPort, c.HBPort = 0, 0, 0, 0, 0
		}},
		{"max port", func(c *wire.ConnectionInfo) { c.HBPort = 65535 }},
		{"no key, hmac scheme", func(c *wire.ConnectionInfo) { c.Key = "" }},
		{"no key, no scheme", func(c *wire.ConnectionInfo) { c.Key, c.SignatureScheme = "", "" }},
		{"large ipc port", func(c *wire.ConnectionInfo) { c.Transport = "ipc"; c.HBPort = 70000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validInfo()
			tt.edit(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}
}

func TestParseConnectionInfoErrorsHideKey(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"syntax error inside key", `{"transport":"tcp","key":"` + secretKey + "\x01" + `"}`},
		{"syntax error after key", `{"key":"` + secretKey + `" "` + secretKey + `"}`},
		{"truncated", `{"key":"` + secretKey},
		{"wrong type", `{"key":"` + secretKey + `","shell_port":"` + secretKey + `"}`},
		{"not an object", `["` + secretKey + `"]`},
		{"bad scheme", `{"transport":"tcp","ip":"x","signature_scheme":"none","key":"` + secretKey + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.ParseConnectionInfo([]byte(tt.data))
			if err == nil {
				t.Fatal("ParseConnectionInfo succeeded, want error")
			}
			if msg := err.Error(); strings.Contains(msg, secretKey) || strings.Contains(msg, "\x01") {
				t.Errorf("ParseConnectionInfo error = %q, want no key", msg)
			}
		})
	}
}

func TestConnectionInfoHidesKey(t *testing.T) {
	c := validInfo()
	var printed []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		printed = append(printed, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("connect", "info", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("connect", "info", c)
	printed = append(printed, logs.String())

	for _, got := range printed {
		if strings.Contains(got, secretKey) {
			t.Errorf("printed %q, want no key", got)
		}
		if !strings.Contains(got, "<redacted>") {
			t.Errorf("printed %q, want %q", got, "<redacted>")
		}
		if !strings.Contains(got, "53794") {
			t.Errorf("printed %q, want the shell port", got)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		name      string
		transport string
		ip        string
		port      int
		want      string
	}{
		{"tcp loopback", "tcp", "127.0.0.1", 5555, "tcp://127.0.0.1:5555"},
		{"tcp any", "tcp", "*", 0, "tcp://*:0"},
		{"tcp ipv6", "tcp", "::1", 5555, "tcp://[::1]:5555"},
		{"tcp bracketed ipv6", "tcp", "[::1]", 5555, "tcp://[::1]:5555"},
		{"ipc", "ipc", "/tmp/kernel-abc", 3, "ipc:///tmp/kernel-abc-3"},
		{"ipc relative", "ipc", "kernel-abc-ipc", 1, "ipc://kernel-abc-ipc-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wire.ConnectionInfo{Transport: tt.transport, IP: tt.ip}
			if got := c.Endpoint(tt.port); got != tt.want {
				t.Errorf("Endpoint(%d) = %q, want %q", tt.port, got, tt.want)
			}
		})
	}
}
