package eval

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// such a read can be a fatal "concurrent map iteration and map write".
func TestPreviewWhileGoroutinesRun(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"gktest\"; \"sync\")\nconst limit = 20\nvar mu sync.Mutex\nm := map[int]int{}\nfor i := 0; i < limit; i++ {\n\tm[i] = i\n}")
	if got, _ := ts.Preview("m"); !strings.HasPrefix(got, "map[0:0 1:1") {
		t.Fatalf("Preview(m) between cells = %q, want the map", got)
	}
	// The goroutine goes on writing until the test releases it: the reads below, if any, would
	// race with its writes.
	ts.run(t, "go func() {\n\tfor i := 0; !gktest.Released(); i++ {\n\t\tmu.Lock()\n\t\tm[i%limit] = i\n\t\tmu.Unlock()\n\t\tif i == 1000 {\n\t\t\tgktest.Started()\n\t\t}\n\t}\n}()")
	<-ts.hooks.started
	for range 20 {
		got, ok := ts.Preview("m")
		if !ok || !strings.HasPrefix(got, "not shown: code of the cells is running (1 goroutine)") {
			t.Fatalf("Preview(m) while a goroutine runs = %q, %v; want why it is not shown", got, ok)
		}
	}
	if got, _ := ts.Preview("limit"); got != "20" {
		t.Errorf("Preview(limit) = %q: a constant can't change, want 20", got)
	}
	ts.hooks.Release()
	ts.waitGoroutines(t, 0)
	if got, _ := ts.Preview("m"); !strings.HasPrefix(got, "map[0:") {
		t.Errorf("Preview(m) = %q once the goroutine ended, want the map it wrote", got)
	}
}

// Preview finds it in the goroutines' stacks.
func TestPreviewWhileHandlerRuns(t *testing.T) {
	ts := newTestSession(t)
	ts.run(t, "import (\"gktest\"; \"net/http\"; \"net/http/httptest\")\nhits := 0\nsrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\thits++\n\tgktest.Started()\n\tgktest.Block()\n}))\nurl := srv.URL")
	url := strings.Trim(ts.run(t, "url"), `"`)
	got := make(chan error, 1)
	go func() { // ends when the handler returns, at Release
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-ts.hooks.started
	if v, _ := ts.Preview("hits"); !strings.HasPrefix(v, "not shown: code of the cells is running (1 goroutine)") {
		t.Errorf("Preview(hits) while the handler runs = %q", v)
	}
	ts.hooks.Release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for v, _ := ts.Preview("hits"); v != "1"; v, _ = ts.Preview("hits") {
		if time.Now().After(deadline) {
			t.Fatalf("Preview(hits) = %q after the handler returned, want 1", v)
		}
		time.Sleep(time.Millisecond) // the handler's goroutine unwinds the interpreter's frames
	}
}
