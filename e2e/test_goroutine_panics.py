"""A panic in a goroutine is never lost, whenever it comes: while its cell runs it is that cell's
error; after the cell ended it is a report that names the cell, shown under the cell running
then or, between cells, under the last one (after that cell's idle status, where a reader that
stops at idle misses it). The interpreter and its names survive every case."""

import os
import queue
import tempfile
import time
from collections import defaultdict

import pytest

from conftest import run
from test_no_silent_loss import Session

TRIALS = 20


class Iopub:
    """Every message the kernel publishes on iopub and every shell reply, kept by parent."""

    def __init__(self, kc):
        self.kc = kc
        self.msgs = defaultdict(list)
        self.replies = {}

    def execute(self, code, **kw):
        return self.kc.execute(code, **kw)

    def _pump(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no more messages came")
        try:
            m = self.kc.get_iopub_msg(timeout=left)
        except queue.Empty:
            raise TimeoutError("no more messages came") from None
        self.msgs[m["parent_header"].get("msg_id")].append(m)

    def wait(self, cond, what, timeout=30):
        deadline = time.monotonic() + timeout
        try:
            while not cond():
                self._pump(deadline)
        except TimeoutError:
            raise AssertionError(f"{what}; got {dict(self.msgs)}") from None

    def reply(self, msg_id, timeout=30):
        while msg_id not in self.replies:
            r = self.kc.get_shell_msg(timeout=timeout)
            self.replies[r["parent_header"]["msg_id"]] = r["content"]
        return self.replies[msg_id]

    def idle(self, msg_id):
        return any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                   for m in self.msgs[msg_id])

    def stderr(self, msg_id):
        return "".join(m["content"]["text"] for m in self.msgs[msg_id]
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")

    def error(self, msg_id):
        errs = [m["content"] for m in self.msgs[msg_id] if m["msg_type"] == "error"]
        assert len(errs) <= 1, errs
        return errs[0] if errs else None

    def reports(self, value, *msg_ids):
        """The messages that show a panic with this value: the cell's error, or a report on
        stderr, under any of the cells."""
        found = []
        for msg_id in msg_ids:
            e = self.error(msg_id)
            if e and e["evalue"] == value:
                found.append(("error", msg_id, e))
            for line in self.stderr(msg_id).splitlines():
                if line.startswith("panic in ") and line.endswith(": " + value):
                    found.append(("report", msg_id, line))
        return found


@pytest.fixture()
def session(fresh_kernel):
    return Session(*fresh_kernel)


def cell_name(reply):
    return "cell[%d]" % reply["execution_count"]


def assert_shown_once(io, value, start, *msg_ids, started_in=None):
    """The panic with this value was shown exactly once, under one of msg_ids, and says where the
    goroutine was started (start, "cell[4]:1:1"), and that its cell had ended if it had."""
    cell = started_in or start.rsplit(":", 2)[0]
    frame = f"\nin a func literal, at {cell}:"

    def complete():
        found = io.reports(value, *msg_ids)
        # A report's frames may come in a stream message of their own.
        return found and all(kind == "error" or frame in io.stderr(msg_id).split(what, 1)[1]
                             for kind, msg_id, what in found)

    io.wait(complete, f"the panic {value!r} was not shown with its frames")
    found = io.reports(value, *msg_ids)
    assert len(found) == 1, found
    kind, msg_id, what = found[0]
    if kind == "error":
        assert msg_id == msg_ids[0], "a panic stopped a cell other than its own"
        assert f"in a goroutine started at {start}" in what["traceback"], what["traceback"]
        assert any(line.startswith(f"in a func literal, at {cell}:") for line in what["traceback"]), what
        return kind
    assert what.startswith(f"panic in a goroutine started at {start}, "), what
    assert f", after {cell} ended: " in what or ", as " in what, what
    return kind


def test_a_panic_right_after_the_go_statement_is_never_lost(session):
    io = Iopub(session.kc)
    kinds = defaultdict(int)
    for i in range(TRIALS):
        msg_id = io.execute('go func() { panic("boom %d") }()' % i)
        reply = io.reply(msg_id)
        kinds[assert_shown_once(io, "boom %d" % i, cell_name(reply) + ":1:1", msg_id)] += 1
        if reply["status"] == "ok":
            # The report names this cell, never "an earlier cell".
            assert "earlier cell" not in io.stderr(msg_id)
        else:
            assert reply["evalue"] == "boom %d" % i, reply
    print("outcomes:", dict(kinds))
    session.assert_kept()


@pytest.mark.parametrize("queued", [False, True], ids=["each after the last is idle", "queued at once"])
def test_the_same_cell_four_times_in_a_row(session, queued):
    """The cell a learner runs again and again, as a front end does: each run after the last
    one's reply and idle (never waiting for the panic), or the four queued at once (Shift-Enter
    pressed quickly). Every run's panic is shown once, naming its own cell, under that cell or
    one run after it (whichever was running when the goroutine got to its panic: under load,
    queued runs can finish before it does)."""
    io = Iopub(session.kc)
    code = 'go func() { panic("boom") }()'
    ids = [io.execute(code, stop_on_error=False) for _ in range(4)] if queued else []
    cells = []
    for i in range(4):
        msg_id = ids[i] if queued else io.execute(code, stop_on_error=False)
        reply = io.reply(msg_id)
        io.wait(lambda: io.idle(msg_id), "no idle")
        cells.append((msg_id, cell_name(reply)))

    def shown(cell):
        """Where the panic of the goroutine cell started was shown: (kind, msg_id)."""
        start = f"a goroutine started at {cell}:1:1"
        found = []
        for msg_id, _ in cells:
            e = io.error(msg_id)
            if e and e["evalue"] == "boom" and f"in {start}" in e["traceback"]:
                found.append(("error", msg_id))
            found += [("report", msg_id) for line in io.stderr(msg_id).splitlines()
                      if line.startswith(f"panic in {start}, ") and line.endswith(": boom")]
        return found

    io.wait(lambda: all(shown(cell) for _, cell in cells), "a run's panic was not shown")
    for i, (msg_id, cell) in enumerate(cells):
        found = shown(cell)
        assert len(found) == 1, (cell, found)
        kind, under = found[0]
        if kind == "error":
            assert under == msg_id, (cell, found)
        else:
            assert under in [m for m, _ in cells[i:]], (cell, found)
    for msg_id, _ in cells:
        assert "earlier cell" not in io.stderr(msg_id)
    print("shown:", [shown(cell) for _, cell in cells])
    session.assert_kept()


def test_a_panic_between_cells_is_shown_under_the_last_cell(session):
    """A goroutine panics while no cell runs: the report is a stderr stream whose parent is the
    last cell, after that cell's idle (a notebook shows it in that cell's output)."""
    io = Iopub(session.kc)
    with tempfile.TemporaryDirectory() as d:
        go = os.path.join(d, "go")
        msg_id = io.execute('import ("os"; "time")\ngo func() {\n'
                            f'\tfor _, err := os.Stat({go!r}); err != nil; _, err = os.Stat({go!r}) {{\n'
                            '\t\ttime.Sleep(10 * time.Millisecond)\n\t}\n\tpanic("while idle")\n}()'.replace("'", '"'))
        reply = io.reply(msg_id)
        assert reply["status"] == "ok", reply
        io.wait(lambda: io.idle(msg_id), "no idle")
        at_idle = len(io.msgs[msg_id])
        open(go, "w").close()
        cell = cell_name(reply)
        io.wait(lambda: "No cell was running" in io.stderr(msg_id), "the report did not come")
    late = io.msgs[msg_id][at_idle:]
    assert [m["msg_type"] for m in late] == ["stream"] * len(late), late
    text = "".join(m["content"]["text"] for m in late)
    assert text.startswith(f"panic in a goroutine started at {cell}:2:1, after {cell} ended: while idle\n"), text
    assert f"\nin a func literal, at {cell}:3:" in text, text  # yaegi's frame: its first statement
    assert text.endswith("No cell was running: the session goes on, with its names.\n"), text
    session.assert_kept()


def test_a_panic_during_a_later_cell_names_its_cell_and_spares_the_running_one(session):
    io = Iopub(session.kc)
    first = io.execute('import ("os"; "time")\nrelease := make(chan struct{})\n'
                       'go func() {\n\t<-release\n\tpanic("later")\n}()')
    started = cell_name(io.reply(first))
    with tempfile.TemporaryDirectory() as d:
        go = os.path.join(d, "go")
        # This cell runs until the test has seen the report, which comes while it runs.
        second = io.execute(f'close(release)\nfor _, err := os.Stat("{go}"); err != nil; _, err = os.Stat("{go}") {{\n'
                            '\ttime.Sleep(10 * time.Millisecond)\n}\nkept')
        io.wait(lambda: "goes on.\n" in io.stderr(second), "no report while the cell ran")
        open(go, "w").close()
        reply = io.reply(second)
    assert reply["status"] == "ok", reply
    running = cell_name(reply)
    io.wait(lambda: io.idle(second), "no idle")
    text = io.stderr(second)
    assert f"panic in a goroutine started at {started}:3:1, after {started} ended: later\n" in text, text
    assert f"\nin a func literal, at {started}:4:" in text, text
    assert f"\n{running}, running now, was not stopped by it and goes on.\n" in text, text
    results = [m["content"]["data"]["text/plain"] for m in io.msgs[second] if m["msg_type"] == "execute_result"]
    assert results == ["7"], results
    assert "later" not in io.stderr(first)
    session.assert_kept()


def test_a_panic_50ms_later_is_a_report_under_its_cell(session):
    io = Iopub(session.kc)
    assert io.reply(io.execute('import "time"'))["status"] == "ok"
    for i in range(TRIALS):
        msg_id = io.execute('go func() {\n\ttime.Sleep(50 * time.Millisecond)\n\tpanic("late %d")\n}()' % i)
        reply = io.reply(msg_id)
        kind = assert_shown_once(io, "late %d" % i, cell_name(reply) + ":1:1", msg_id)
        if kind == "report":
            # yaegi names a frame by the position of its first statement
            assert "in a func literal, at %s:2:2\n" % cell_name(reply) in io.stderr(msg_id), io.stderr(msg_id)
    session.assert_kept()


def test_two_goroutines_panicking_at_once(session):
    io = Iopub(session.kc)
    for i in range(TRIALS):
        msg_id = io.execute('go func() { panic("one %d") }()\ngo func() { panic("two %d") }()' % (i, i),
                            stop_on_error=False)
        reply = io.reply(msg_id)
        cell = cell_name(reply)
        if reply["status"] == "ok":
            # The cell ended before either panicked: both are reported.
            assert_shown_once(io, "one %d" % i, cell + ":1:1", msg_id)
            assert_shown_once(io, "two %d" % i, cell + ":2:1", msg_id)
            continue
        # One panicked while the cell ran and stopped it; the other, if it panicked before the stop
        # reached it, is reported as the cell stopped.
        first = reply["evalue"]
        assert first in ("one %d" % i, "two %d" % i), reply
        other = ("two %d" if first.startswith("one") else "one %d") % i
        for line in io.stderr(msg_id).splitlines():
            if line.endswith(": " + other):
                assert line.endswith(f", as {cell} stopped for an earlier panic: {other}"), line
    # Released together after their cell ended, during the next cell: both are reports under the
    # cell running then, which goes on to its result.
    start = io.execute('release := make(chan struct{})\n'
                       'go func() { <-release; panic("first") }()\ngo func() { <-release; panic("second") }()')
    cell = cell_name(io.reply(start))
    after = io.execute("close(release)\nkept")
    reply = io.reply(after)
    assert reply["status"] == "ok", reply
    assert_shown_once(io, "first", cell + ":2:1", after)
    assert_shown_once(io, "second", cell + ":3:1", after)
    io.wait(lambda: io.idle(after), "no idle")
    results = [m["content"]["data"]["text/plain"] for m in io.msgs[after] if m["msg_type"] == "execute_result"]
    assert results == ["7"], results
    session.assert_kept()


def test_a_cell_run_right_after_is_not_stopped_by_the_panic(session):
    io = Iopub(session.kc)
    for i in range(TRIALS):
        # Queued at once, as Run All does: the panic comes during the first cell, between the
        # two, or during the second.
        first = io.execute('go func() { panic("early %d") }()' % i, stop_on_error=False)
        second = io.execute("kept")
        reply = io.reply(first)
        assert_shown_once(io, "early %d" % i, cell_name(reply) + ":1:1", first, second,
                          started_in=cell_name(reply))
        r2 = io.reply(second)
        assert r2["status"] == "ok", r2
        io.wait(lambda: io.idle(second), "no idle")
        results = [m["content"]["data"]["text/plain"] for m in io.msgs[second] if m["msg_type"] == "execute_result"]
        assert results == ["7"], results
    session.assert_kept()


def test_a_panic_in_wait_group_go_is_the_cells_error(session):
    r = run(session.kc, 'import "sync"\nvar wg sync.WaitGroup\nwg.Go(func() {\n\tpanic("wg boom")\n})\nwg.Wait()')
    assert r.content["status"] == "error"
    err = r.error()
    assert (err["ename"], err["evalue"]) == ("panic", "wg boom"), err
    assert "in a func literal, at cell[2]:4:2" in err["traceback"], err["traceback"]
    assert err["traceback"][-1] == "in a func that sync.WaitGroup.Go ran", err["traceback"]
    session.assert_kept()


def test_a_write_method_that_os_exec_calls_panics(session):
    r = run(session.kc, 'import "os/exec"\n'
                        'type shout struct{}\n'
                        'func (shout) Write(p []byte) (int, error) { panic("write boom") }\n'
                        'cmd := exec.Command("echo", "hi")\ncmd.Stdout = shout{}\ncmd.Run()')
    assert r.content["status"] == "error"
    err = r.error()
    assert (err["ename"], err["evalue"]) == ("panic", "write boom"), err
    assert "in Write, declared at cell[2]:3:1" in err["traceback"], err["traceback"]
    assert err["traceback"][-1] == ("in the Write method of a value of the cells, "
                                    "called on a goroutine that os/exec.(*Cmd).Start started"), err["traceback"]
    session.assert_kept()


@pytest.mark.parametrize("code,line,where", [
    ('import ("context"; "net"; "net/http")\n'
     'tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {\n'
     '\tpanic("dial boom")\n}}\n'
     '(&http.Client{Transport: tr}).Get("http://127.0.0.1:1/")',
     "in a func literal, at cell[2]:3:2",
     "in a func of the cells that net/http.(*Transport).dial called on a goroutine that "),
    ('import ("context"; "net/http"; "time")\nsrv := &http.Server{}\n'
     'srv.RegisterOnShutdown(func() {\n\tpanic("dial boom")\n})\n'
     'srv.Shutdown(context.Background())\ntime.Sleep(10 * time.Second)',
     "in a func literal, at cell[2]:4:2",
     "in a func of the cells that net/http.(*Server).Shutdown ran on a goroutine of its own"),
], ids=["http.Transport's DialContext", "http.Server's RegisterOnShutdown"])
def test_a_panic_nothing_can_recover_names_the_cell_line(session, code, line, where):
    """A func of the cells that native code calls on a goroutine of its own, from a struct field
    or a method the session can't replace: the panic ends the interpreter, and the cell's error
    says where in the cell, what to do, and that the names are gone."""
    r = run(session.kc, code)
    assert r.content["status"] == "error"
    err = r.error()
    assert (err["ename"], err["evalue"]) == ("panic", "dial boom"), err
    tb = err["traceback"]
    assert tb[0] == "panic: dial boom", tb
    assert tb[1:3] == [line, '    panic("dial boom")'], tb
    assert tb[3].startswith(where) and tb[3].endswith(", where nothing recovers a panic: it ended the interpreter."), tb
    assert tb[4].startswith("To keep the session, recover in that func: defer func() {"), tb
    assert tb[-1] == "The interpreter was restarted: names defined in earlier cells are gone; run them again.", tb
    assert not any(t.startswith("goroutine ") or "yaegi" in t for t in tb), tb  # no Go trace
    # A fresh interpreter runs the next cell, without the names, as it said.
    r = run(session.kc, "kept")
    assert r.content["status"] == "error" and "undefined: kept" in r.error()["evalue"], r.error()
    assert session.workers() != session.worker


def test_such_a_panic_between_cells_names_the_cell_line(session):
    io = Iopub(session.kc)
    msg_id = io.execute('import ("context"; "net/http"; "time")\nsrv := &http.Server{}\n'
                        'srv.RegisterOnShutdown(func() {\n\ttime.Sleep(200 * time.Millisecond)\n\tpanic("after the cell")\n})\n'
                        'srv.Shutdown(context.Background())')
    assert io.reply(msg_id)["status"] == "ok"
    stateLost = "The interpreter was restarted: names defined in earlier cells are gone; run them again.\n"
    io.wait(lambda: stateLost in io.stderr(msg_id), "no announcement")
    text = io.stderr(msg_id)
    assert ("The interpreter stopped between cells: panic: after the cell\n"
            "in a func literal, at cell[2]:4:2\n"
            "    time.Sleep(200 * time.Millisecond)\n"
            "in a func of the cells that net/http.(*Server).Shutdown ran on a goroutine of its own, "
            "where nothing recovers a panic: it ended the interpreter.\n") in text, text
    r = run(session.kc, "kept")
    assert "undefined: kept" in r.error()["evalue"], r.error()
