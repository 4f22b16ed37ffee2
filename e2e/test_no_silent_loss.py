"""Cells that used to lose the session without saying so (issue 20): each now shows the
learner what happened, and the next cell runs with the names kept, in the same interpreter."""

import time

import pytest

from conftest import run
from test_lifecycle import worker_pids


class Session:
    """A kernel of the test's own, with a name defined, and its interpreter process."""

    def __init__(self, km, kc):
        self.km, self.kc = km, kc
        assert run(kc, "kept := 7").content["status"] == "ok"
        self.worker = self.workers()

    def workers(self):
        pids = worker_pids(self.km.provisioner.process.pid)
        assert len(pids) == 1, pids
        return pids

    def assert_kept(self):
        """The names are there, in the interpreter the session started with."""
        r = run(self.kc, "kept")
        assert r.content["status"] == "ok", r.error()
        assert r.result() == "7"
        assert self.workers() == self.worker, "the interpreter was replaced"


@pytest.fixture()
def session(fresh_kernel):
    return Session(*fresh_kernel)


def inspect(kc, code):
    kc.inspect(code, len(code))
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "ok", reply["content"]
    return reply["content"]


def test_inspect_never_reads_a_map_a_goroutine_writes(session):
    kc = session.kc
    r = run(kc, """import "sync"
var mu sync.Mutex
m := map[int]int{}
stop := false
go func() {
	for i := 0; ; i++ {
		mu.Lock()
		if stop {
			mu.Unlock()
			return
		}
		m[i%5000] = i
		mu.Unlock()
	}
}()""")
    assert r.content["status"] == "ok", r.error()
    for _ in range(30):
        c = inspect(kc, "m")
        text = c["data"]["text/plain"]
        assert c["found"] and "var m map[int]int" in text, text
        assert "value: not shown: code of the cells is running (1 goroutine)" in text, text
        assert "could crash the interpreter" in text, text
    session.assert_kept()
    r = run(kc, 'import "time"\nmu.Lock()\nstop = true\nmu.Unlock()\ntime.Sleep(100 * time.Millisecond)\nlen(m)')
    assert r.result() == "5000", (r.result(), r.error())
    # With the goroutine gone, the value shows again (a map this long as its size).
    assert "value: map[int]int of length 5000" in inspect(kc, "m")["data"]["text/plain"]
    assert "value: 7" in inspect(kc, "kept")["data"]["text/plain"]


def test_std_logger_slog_and_http_panics_print_in_the_cell(session):
    kc = session.kc
    r = run(kc, 'import ("log"; "log/slog")\nslog.Info("from slog", "n", 1)\nlog.Default().Println("from log.Default")')
    assert r.content["status"] == "ok", r.error()
    assert "INFO from slog n=1\n" in r.stderr()
    assert "from log.Default\n" in r.stderr()
    r = run(kc, """import ("fmt"; "net/http"; "net/http/httptest")
srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	panic("handler boom")
}))
_, err := http.Get(srv.URL)
fmt.Println("the client got an error:", err != nil)
srv.Close()""")
    assert r.content["status"] == "ok", r.error()
    assert "the client got an error: true" in r.stdout()
    err = r.stderr()
    assert "http: panic serving 127.0.0.1:" in err and ": handler boom\n" in err, err
    assert "in a func literal, at cell[3]:3:2\n" in err, err
    assert "goroutine " not in err, err  # the interpreter's own Go stack is left out
    session.assert_kept()


def test_afterfunc_panics_are_errors_with_the_cell_line(session):
    kc = session.kc
    r = run(kc, 'import ("context"; "time")\ntime.AfterFunc(time.Millisecond, func() {\n\tpanic("from a timer")\n})\ntime.Sleep(10 * time.Second)')
    assert r.content["status"] == "error"
    err = r.error()
    assert (err["ename"], err["evalue"]) == ("panic", "from a timer"), err
    assert "in a func literal, at cell[2]:3:2" in err["traceback"], err["traceback"]
    assert "in a func that time.AfterFunc called" in err["traceback"]
    session.assert_kept()

    r = run(kc, 'ctx, cancel := context.WithCancel(context.Background())\ncontext.AfterFunc(ctx, func() { panic("from context") })\ncancel()\ntime.Sleep(10 * time.Second)')
    assert r.content["status"] == "error"
    assert r.error()["evalue"] == "from context"
    assert "in a func that context.AfterFunc called" in r.error()["traceback"]
    session.assert_kept()

    # Fired after its cell ended: a report on stderr, under the last cell.
    first = kc.execute('time.AfterFunc(200*time.Millisecond, func() { panic("late timer") })')
    report = ""
    deadline = time.monotonic() + 30
    while "late timer" not in report and time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=30)
        if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == first:
            report += m["content"]["text"]
    assert "panic in a func that time.AfterFunc called after its cell ended: late timer" in report, report
    assert "at cell[6]:1:" in report, report
    kc.get_shell_msg(timeout=10)
    session.assert_kept()


def test_outputs_that_cannot_be_sent_are_the_cells_error(session):
    kc = session.kc
    r = run(kc, 'import ("math"; "strings"; "gokernel/display")\n'
                'display.Display(display.Bundle{"application/json": map[string]any{"x": math.NaN()}})')
    assert r.content["status"] == "error"
    err = r.error()
    assert err["ename"] == "OutputError", err
    assert err["evalue"].startswith("a display could not be shown: it holds NaN, which JSON"), err
    session.assert_kept()

    r = run(kc, 'display.HTML(strings.Repeat("y", 70<<20))', timeout=120)
    assert r.error()["ename"] == "OutputError"
    assert "larger than the 64 MiB" in r.error()["evalue"]
    session.assert_kept()

    r = run(kc, 'strings.Repeat("x", 70<<20)', timeout=120)
    assert r.content["status"] == "ok", r.error()
    text = r.result()
    assert text.startswith('"xxxx') and text.endswith('" …(%d more bytes)' % (70 * 2**20 - 2**16)), text[-40:]
    assert len(text) < 70 * 2**10
    session.assert_kept()


def test_a_pasted_program_ending_with_exit_0_succeeds(session):
    kc = session.kc
    r = run(kc, """package main

import (
	"fmt"
	"os"
)

func main() {
	defer fmt.Println("not printed: os.Exit runs no deferred calls")
	fmt.Println("bye")
	os.Exit(0)
}""")
    assert r.content["status"] == "ok", r.error()
    assert r.stdout() == "bye\n"
    session.assert_kept()
    r = run(kc, 'import "os"\nos.Exit(3)')
    assert r.content["status"] == "error" and "status 3" in r.error()["evalue"]


def test_goexit_ends_the_cell_after_its_defers(session):
    kc = session.kc
    r = run(kc, 'import ("fmt"; "runtime")\ndefer fmt.Println("deferred")\nfmt.Println("a")\nruntime.Goexit()\nfmt.Println("b")')
    assert r.content["status"] == "error"
    assert r.stdout() == "a\ndeferred\n"
    err = r.error()
    assert err["ename"] == "Goexit", err
    assert err["evalue"] == "runtime.Goexit ended the cell at cell[2]:4:1: the rest of the cell did not run"
    assert "    runtime.Goexit()" in err["traceback"]
    session.assert_kept()
    r = run(kc, 'import "sync"\nvar wg sync.WaitGroup\nwg.Add(1)\ngo func() {\n\tdefer wg.Done()\n\tdefer fmt.Println("its defer")\n\truntime.Goexit()\n\tfmt.Println("not printed")\n}()\nwg.Wait()\nfmt.Println("after")')
    assert r.content["status"] == "ok", r.error()
    assert r.stdout() == "its defer\nafter\n"
    session.assert_kept()


@pytest.mark.parametrize("code,where", [
    ("x := " + "(" * 100_000 + "1" + ")" * 100_000, "cell[2]:1:1006: "),
    ("func() {" * 100_000 + "}()" * 100_000, "cell[2]:1:8005: "),
    ("x := 1\nif x == 0 {\n}" + " else if x == 1 {\n}" * 20_000, "cell[2]:"),
], ids=["100,000 parentheses", "100,000 func literals", "20,000 else ifs"])
def test_deep_nesting_is_a_clear_error(session, code, where):
    r = run(session.kc, code, timeout=60)
    assert r.content["status"] == "error"
    err = r.error()
    assert err["ename"] == "CompileError", err
    assert err["evalue"].startswith(where) and "expression nested too deeply" in err["evalue"], err["evalue"]
    assert all(len(line) < 400 for line in err["traceback"]), "the 200 KB line is shown whole"
    session.assert_kept()
