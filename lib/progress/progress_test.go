package progress

import (
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gokernel/gokernel/lib/display/displaytest"
	"github.com/gokernel/gokernel/lib/internal/symtest"
)

func TestBarText(t *testing.T) {
	tests := []struct {
		n, total int
		want     string
	}{
		{0, 100, "[                    ] 0/100"},
		{50, 100, "[##########          ] 50/100"},
		{99, 100, "[################### ] 99/100"},
		{100, 100, "[####################] 100/100"},
		{150, 100, "[####################] 150/100"},
		{1, 3, "[######              ] 1/3"},
		{0, 0, "[####################] 0/0"},
	}
	for _, tt := range tests {
		if got := barText(tt.n, tt.total); got != tt.want {
			t.Errorf("barText(%d, %d) = %q, want %q", tt.n, tt.total, got, tt.want)
		}
	}
}

func TestBarHTML(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		total   int
		elapsed time.Duration
		done    bool
		want    []string
	}{
		{"half", 50, 100, 1234 * time.Millisecond, false,
			[]string{`<progress value="50" max="100"`, `50/100 (50%) · 1.2s`}},
		{"done", 100, 100, 250 * time.Millisecond, true,
			[]string{`<progress value="100" max="100"`, `100/100 (100%) · done in 250ms`}},
		{"over", 150, 100, 0, false,
			[]string{`<progress value="100" max="100"`, `150/100 (100%)`}},
		{"no steps", 0, 0, 0, true,
			[]string{`<progress value="0" max="1"`, `0/0 (100%) · done in 0s`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := barHTML(tt.n, tt.total, tt.elapsed, tt.done)
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s\nlacks %s", got, want)
				}
			}
		})
	}
}

// texts returns the text/plain of every display, checking that they all
// went to one display: display_data first, update_display_data after.
func texts(t *testing.T, rec *displaytest.Recorder) []string {
	t.Helper()
	var out []string
	calls := rec.Calls()
	for i, c := range calls {
		if c.DisplayID == "" || c.DisplayID != calls[0].DisplayID {
			t.Errorf("call %d: display ID %q, want %q", i, c.DisplayID, calls[0].DisplayID)
		}
		if got, want := c.Update, i > 0; got != want {
			t.Errorf("call %d: update %v, want %v", i, got, want)
		}
		if _, ok := c.Data["text/html"]; !ok {
			t.Errorf("call %d: no text/html", i)
		}
		out = append(out, c.Data["text/plain"].(string))
	}
	return out
}

func TestThrottleMillionAdds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &displaytest.Recorder{}
		bar := bars{rec}.New(1_000_000)
		for range 1_000_000 {
			bar.Add(1) // no time passes: only the start and the end are sent
		}
		bar.Done()
		got := texts(t, rec)
		want := []string{
			"[                    ] 0/1000000",
			"[####################] 1000000/1000000", // reaching the total
			"[####################] 1000000/1000000", // Done, with the time taken
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if html := rec.Last().Data["text/html"].(string); !strings.Contains(html, "done in") {
			t.Errorf("last HTML %s lacks done in", html)
		}
	})
}

func TestThrottleOverTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &displaytest.Recorder{}
		bar := bars{rec}.New(200)
		for range 200 {
			time.Sleep(5 * time.Millisecond) // one second in all
			bar.Add(1)
		}
		got := texts(t, rec)
		// The start, one every 100 ms (20 steps) for a second, the total.
		if len(got) < 10 || len(got) > 12 {
			t.Errorf("%d displays over a second, want 10 to 12: %q", len(got), got)
		}
		if got, want := got[len(got)-1], "[####################] 200/200"; got != want {
			t.Errorf("last display %q, want %q (without Done)", got, want)
		}
		if got, want := got[1], "[##                  ] 20/200"; got != want {
			t.Errorf("second display %q, want %q (after 100 ms)", got, want)
		}
	})
}

func TestSetAndAddAfterDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &displaytest.Recorder{}
		bar := bars{rec}.New(10)
		time.Sleep(time.Second)
		bar.Set(-3) // counts as 0: nothing changed, nothing sent
		bar.Done()
		bar.Add(5)
		bar.Done()
		want := []string{"[                    ] 0/10", "[                    ] 0/10"}
		if got := texts(t, rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestEach(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &displaytest.Recorder{}
		var seen []int
		bars{rec}.Each(5, func(i int) {
			seen = append(seen, i)
			time.Sleep(time.Second)
		})
		if want := []int{0, 1, 2, 3, 4}; !reflect.DeepEqual(seen, want) {
			t.Errorf("fn saw %v, want %v", seen, want)
		}
		got := texts(t, rec)
		if got, want := got[len(got)-1], "[####################] 5/5"; got != want {
			t.Errorf("last display %q, want %q", got, want)
		}
		if html := rec.Last().Data["text/html"].(string); !strings.Contains(html, "done in 5s") {
			t.Errorf("last HTML %s lacks done in 5s", html)
		}
	})
}

func TestRange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &displaytest.Recorder{}
		var seen []int
		for i := range (bars{rec}).Range(4) {
			seen = append(seen, i)
			time.Sleep(time.Second)
		}
		if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(seen, want) {
			t.Errorf("loop saw %v, want %v", seen, want)
		}
		synctest.Wait() // the feeding goroutine has exited
		got := texts(t, rec)
		want := []string{
			"[                    ] 0/4", // 1/4 follows at once: throttled

			"[##########          ] 2/4",
			"[###############     ] 3/4",
			"[####################] 4/4",
			"[####################] 4/4",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestExports(t *testing.T) {
	rec := &displaytest.Recorder{}
	syms := Exports(rec)["gokernel/progress/progress"]
	symtest.Check(t, ".", syms, "bars", "Exports")

	bar := syms["New"].Call([]reflect.Value{reflect.ValueOf(3)})[0].Interface().(*Bar)
	bar.Done()
	var seen []int
	syms["Each"].Call([]reflect.Value{reflect.ValueOf(2), reflect.ValueOf(func(i int) { seen = append(seen, i) })})
	ch := syms["Range"].Call([]reflect.Value{reflect.ValueOf(2)})[0].Interface().(<-chan int)
	for i := range ch {
		seen = append(seen, i)
	}
	if want := []int{0, 1, 0, 1}; !reflect.DeepEqual(seen, want) {
		t.Errorf("Each and Range through the table saw %v, want %v", seen, want)
	}
	if got := len(rec.Calls()); got < 3 {
		t.Errorf("%d displays through the table, want at least 3", got)
	}
}
