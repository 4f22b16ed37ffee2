"""Compiled cells (%%compile): a cell built with the machine's Go toolchain and run as a
program, with the declarations of earlier cells, the race detector, stdin, interrupts, and the
notebook packages' pictures. The kernel keeps the programs in a cache of this module's."""

import os
import re
import tempfile
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import collect, run

BUILD = 300  # seconds a first build may take on a loaded machine (the Go build cache is shared)


@pytest.fixture(scope="module")
def kernel(prefix):
    with tempfile.TemporaryDirectory(prefix="gokernel-compiled-") as cache:
        env = dict(os.environ, GOKERNEL_CACHE_DIR=cache)
        km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=30, env=env)
        run(kc, 'import ("fmt"; "os"; "sync"; "time")')
        yield km, kc
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def statuses(r):
    return [m["content"]["data"]["text/plain"] for m in r.msgs
            if m["msg_type"] in ("display_data", "update_display_data")
            and m["content"]["data"]["text/plain"].startswith("compil")]


def traceback(r):
    return "\n".join(r.error()["traceback"])


def test_help_lists_compile(kernel):
    _, kc = kernel
    assert "%%compile [-race]" in run(kc, "%help").stdout()


def test_prints_and_shows_its_result_and_runs_again_from_the_cache(kernel):
    _, kc = kernel
    tag = uuid.uuid4().hex[:8]  # a program no earlier run has built
    code = f'%%compile\nfmt.Println("compiled {tag}")\n6 * 7'
    first = run(kc, code, timeout=BUILD)
    assert first.content["status"] == "ok", first.error()
    assert first.stdout() == f"compiled {tag}\n"
    assert first.result() == "42"
    assert statuses(first)[0].startswith("compiling cell[")
    assert statuses(first)[-1].startswith("compiled cell[")
    # The same cell again: a new execution count, the same program, no build.
    again = run(kc, code, timeout=BUILD)
    assert again.stdout() == f"compiled {tag}\n" and again.result() == "42"
    assert statuses(again) == [], statuses(again)


def test_sees_earlier_funcs_and_types_not_variables(kernel):
    _, kc = kernel
    run(kc, 'type point struct{ X, Y int }\n\n'
            'func (p point) String() string { return fmt.Sprintf("(%d, %d)", p.X, p.Y) }\n\n'
            'func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\n'
            'visits := 3')
    r = run(kc, "%%compile\np := point{fib(10), fib(12)}\nfmt.Println(p)", timeout=BUILD)
    assert r.content["status"] == "ok", r.error()
    assert r.stdout() == "(55, 144)\n"

    r = run(kc, "%%compile\nfmt.Println(visits + 1)", timeout=BUILD)
    assert r.error()["ename"] == "CompileError"
    n = r.content["execution_count"]
    assert r.error()["evalue"] == (
        f"cell[{n}]:2:13: visits is a variable of an earlier cell: a compiled cell sees the types, funcs, "
        "consts and imports of earlier cells, but not their variables, whose values live in the "
        "interpreter; declare visits in this cell")
    assert "    fmt.Println(visits + 1)" in r.error()["traceback"]


def test_compile_error_at_the_cells_line(kernel):
    _, kc = kernel
    r = run(kc, '%%compile\nx := 1\nvar s string = x\nfmt.Println(s)', timeout=BUILD)
    assert r.content["status"] == "error"
    n = r.content["execution_count"]
    e = r.error()
    assert e["ename"] == "CompileError"
    assert e["evalue"].startswith(f"cell[{n}]:3:16: cannot use x"), e["evalue"]
    tb = e["traceback"]
    assert tb[1:3] == ["    var s string = x", "                   ^"], tb


def test_exit_status_like_go_run(kernel):
    _, kc = kernel
    r = run(kc, '%%compile\nfmt.Println("bye")\nos.Exit(3)', timeout=BUILD)
    assert r.stdout() == "bye\n"
    assert (r.error()["ename"], r.error()["evalue"]) == ("Exit", "exit status 3")


def test_reads_stdin(kernel):
    _, kc = kernel
    code = ('%%compile\nvar name string\nfmt.Print("name? ")\nfmt.Scanln(&name)\n'
            'fmt.Println("hello,", name)')
    msg_id = kc.execute(code, allow_stdin=True)
    req = kc.get_stdin_msg(timeout=BUILD)
    assert req["msg_type"] == "input_request"
    kc.input("gopher")
    reply = kc.get_shell_msg(timeout=30)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "ok", reply["content"]
    out = "".join(m["content"]["text"] for m in collect(kc, msg_id) if m["msg_type"] == "stream")
    assert out == "name? hello, gopher\n"


def test_interrupt_stops_the_program_and_leaves_nothing(kernel):
    km, kc = kernel
    code = ('%%compile\nimport "os/exec"\nsleep := exec.Command("sleep", "60")\nsleep.Start()\n'
            'fmt.Println("pids", os.Getpid(), sleep.Process.Pid)\nfor {\n}')
    msg_id = kc.execute(code)
    pids = None
    deadline = time.monotonic() + BUILD
    while pids is None:
        m = kc.get_iopub_msg(timeout=max(1, deadline - time.monotonic()))
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream":
            found = re.search(r"pids (\d+) (\d+)", m["content"]["text"])
            pids = found and [int(found[1]), int(found[2])]
    for pid in pids:
        assert os.path.exists(f"/proc/{pid}")
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    collect(kc, msg_id)
    for pid in pids:
        assert ended(pid), f"process {pid} is left running after the interrupt"
    assert run(kc, "1 + 1").result() == "2"


def ended(pid, patience=10):
    """Whether process pid ends within patience seconds: gone, or a zombie (ended, not yet
    reaped by the init that adopted it). A killed process takes the system a moment."""
    deadline = time.monotonic() + patience
    while True:
        try:
            with open(f"/proc/{pid}/status") as f:
                state = re.search(r"State:\s+(\w)", f.read())[1]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


COUNTER = '''%%compile -race
counter := 0
var wg sync.WaitGroup
for g := 0; g < 2; g++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 1000; i++ {
			counter++
		}
	}()
}
wg.Wait()
fmt.Println("counter:", counter)'''


def test_race_detector_points_at_the_cells_lines(kernel):
    _, kc = kernel
    r = run(kc, COUNTER, timeout=BUILD)
    n = r.content["execution_count"]
    assert r.error()["ename"] == "DataRace"
    assert r.error()["evalue"].startswith("the race detector found")
    report = r.stderr()
    assert "WARNING: DATA RACE" in report
    # Both accesses are the learner's counter++, and the goroutines were made by its go func.
    accesses = re.findall(r"(Read|Write|Previous write|Previous read) at \S+ by goroutine \d+:\n(.*)\n(.*)\n", report)
    assert len(accesses) >= 2, report
    for _, fn, at in accesses[:2]:
        assert at.strip() == f"cell[{n}]:9    counter++", report
    assert f"cell[{n}]:6    go func() {{" in report
    assert "runtime." not in report, report
    assert "counter: " in r.stdout()


TIMELINE = '''%%compile
import "gokernel/timeline"
tl := timeline.New()
var wg sync.WaitGroup
for _, name := range []string{"worker 1", "worker 2"} {
	wg.Add(1)
	go func() {
		defer wg.Done()
		lane := tl.Lane(name)
		lane.Run(func() {
			for start := time.Now(); time.Since(start) < 10*time.Millisecond; {
			}
		})
		lane.Sleep(5 * time.Millisecond)
	}()
}
wg.Wait()
tl'''


def test_timeline_renders(kernel):
    _, kc = kernel
    r = run(kc, TIMELINE, timeout=BUILD)
    assert r.content["status"] == "ok", r.error()
    results = [m["content"]["data"] for m in r.msgs if m["msg_type"] == "execute_result"]
    assert len(results) == 1
    data = results[0]
    assert data["image/svg+xml"].lstrip().startswith("<svg")
    assert data["image/png"].startswith("iVBORw0KGgo")  # base64 of a PNG's signature
    assert data["text/plain"].startswith("timeline: 2 lanes"), data["text/plain"]
