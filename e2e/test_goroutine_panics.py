"""A panic in a goroutine is never lost, whenever it comes: while its cell runs it is that cell's
error; after the cell ended it is a report that names the cell, shown under the cell running
then or, between cells, under the last one (after that cell's idle status, where a reader that
stops at idle misses it). The interpreter and its names survive every case."""

import time
from collections import defaultdict

import pytest

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
        m = self.kc.get_iopub_msg(timeout=left)
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
