package workerproto

import "testing"

func TestParseMagic(t *testing.T) {
	tests := []struct {
		code       string
		ok         bool
		name, args string
		run        string // Code
	}{
		{code: "x := 1"},
		{code: "x := 10 % 3"},
		{code: "\n\nx := 1\n%time"},
		{code: ""},
		{code: "\n \n"},
		{code: "%time\nx := 1", ok: true, name: "%time", run: "     \nx := 1"},
		{code: "%time x := 1\nx", ok: true, name: "%time", args: "x := 1", run: "      x := 1\nx"},
		{code: "\n%time fib(20)", ok: true, name: "%time", args: "fib(20)", run: "\n      fib(20)"},
		{code: "\n\n%env X=1", ok: true, name: "%env", args: "X=1", run: "\n\n     X=1"},
		{code: "  \t\r\n  %env\tA=b  \r\n", ok: true, name: "%env", args: "A=b", run: "  \t\r\n      \tA=b  \r\n"},
		{code: "%help", ok: true, name: "%help", run: "     "},
	}
	for _, tt := range tests {
		m, ok := ParseMagic(tt.code)
		if ok != tt.ok || m.Name != tt.name || m.Args != tt.args || ok && m.Code != tt.run {
			t.Errorf("ParseMagic(%q) = %+v, %v; want %q %q %q, %v", tt.code, m, ok, tt.name, tt.args, tt.run, tt.ok)
		}
	}
}
