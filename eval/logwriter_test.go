package eval

import (
	"log"
	"strings"
	"testing"
)

func TestLogWriter(t *testing.T) {
	ts := newTestSession(t)
	var out syncBuffer
	w := ts.LogWriter(&out)
	logger := log.New(w, "", log.LstdFlags)
	logger.Println("from the cells")
	logger.Print("nil type") // what yaegi's compiler logs before it panics
	log.New(w, "prefix: ", log.Lshortfile).Print("nil reflect type")
	logger.Print("not a nil type of message")
	got := out.take()
	if !strings.Contains(got, "from the cells\n") || !strings.Contains(got, "not a nil type of message\n") {
		t.Errorf("the cells' entries are missing: %q", got)
	}
	if strings.Contains(got, " nil type\n") || strings.Contains(got, "nil reflect type") {
		t.Errorf("the interpreter's own entries are shown: %q", got)
	}
}

// net/http recovers a handler's panic and logs it with a Go stack of the interpreter's
// internals: the log shows the handler's line in the cell instead.
func TestLogWriterHTTPPanic(t *testing.T) {
	ts := newTestSession(t)
	var out syncBuffer
	prev, flags := log.Writer(), log.Flags()
	log.SetOutput(ts.LogWriter(&out))
	log.SetFlags(0)
	defer func() { log.SetOutput(prev); log.SetFlags(flags) }()
	ts.run(t, "import (\"net/http\"; \"net/http/httptest\")\nsrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\tpanic(\"handler boom\")\n}))\n_, err := http.Get(srv.URL)\nsrv.Close()")
	got := out.take()
	for _, want := range []string{"http: panic serving 127.0.0.1:", ": handler boom\n", "in a func literal, at cell[1]:3:2\n", "    panic(\"handler boom\")\n", "the server goes on"} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "goroutine ") {
		t.Errorf("the log shows the Go stack:\n%s", got)
	}
}
