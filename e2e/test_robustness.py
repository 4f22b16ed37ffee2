"""No cell can take the kernel down, and every cell can be stopped."""

import os
import queue
import signal
import subprocess
import sys
import time

import pytest

from conftest import collect, kernel_with, run
from test_lifecycle import pid_alive, wait_worker_pids


def assert_alive(kc):
    assert run(kc, "40 + 2").result() == "42"


def test_panic_in_goroutine_is_the_cells_error_and_state_is_kept(kernel):
    _, kc = kernel
    run(kc, "keptValue := 7")
    r = run(kc, 'import "time"\ngo func() {\n\tpanic("boom")\n}()\ntime.Sleep(time.Second)')
    assert r.content["status"] == "error"
    err = r.error()
    assert err["ename"] == "panic"
    assert "boom" in err["evalue"]
    assert any(":3:" in line for line in err["traceback"]), err["traceback"]
    assert run(kc, "keptValue").result() == "7"


def test_concurrent_map_writes(kernel):
    _, kc = kernel
    code = """import "sync"
m := map[int]int{}
var wg sync.WaitGroup
for g := 0; g < 4; g++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 1000000; i++ {
			m[i%100] = i
		}
	}()
}
wg.Wait()"""
    r = run(kc, code, timeout=60)
    assert r.content["status"] == "error"
    err = r.error()
    assert "concurrent map" in err["evalue"], err
    # The cell's own map write is pointed at, by its line in the cell.
    assert "  9: m[i%100] = i" in err["traceback"], err["traceback"]
    assert_alive(kc)


def test_os_exit_and_log_fatal(kernel):
    _, kc = kernel
    r = run(kc, 'import "os"\nos.Exit(3)')
    assert r.content["status"] == "error"
    assert "status 3" in r.error()["evalue"]
    assert_alive(kc)
    r = run(kc, 'import "log"\nlog.Fatal("x marks the spot")')
    assert r.content["status"] == "error"
    assert "x marks the spot" in r.error()["evalue"] + "".join(r.error()["traceback"]) + r.stderr()
    assert_alive(kc)


def test_syscall_exec_is_refused(kernel):
    _, kc = kernel
    r = run(kc, 'import ("os"; "syscall")\nerr := syscall.Exec("/bin/true", []string{"true"}, os.Environ())\nerr')
    text = (r.result() or "") + str(r.error())
    assert "not available" in text, text
    assert_alive(kc)


def test_unbounded_recursion_is_a_stack_overflow(kernel):
    _, kc = kernel
    r = run(kc, "func down(n int) int { return down(n+1) + 1 }\ndown(0)", timeout=120)
    assert r.content["status"] == "error"
    assert "stack overflow" in r.error()["evalue"], r.error()
    assert_alive(kc)


def test_memory_limit(prefix):
    with kernel_with(GOKERNEL_MEMORY_LIMIT="300MiB") as (_, kc):
        r = run(kc, "var s []byte\nfor {\n\ts = append(s, make([]byte, 1<<20)...)\n}", timeout=60)
        assert r.content["status"] == "error"
        assert "out of memory" in r.error()["evalue"]
        assert "300 MiB" in r.error()["evalue"]
        assert_alive(kc)


def test_memory_limit_holds_between_cells(prefix):
    # Between cells the kernel reads the interpreter's memory rarely; a
    # goroutine that a cell left behind and that starts allocating later, once
    # the watch has slowed down, is stopped all the same, and the learner told.
    with kernel_with(GOKERNEL_MEMORY_LIMIT="300MiB") as (_, kc):
        code = ('import ("bytes"; "time")\nvar held [][]byte\ngo func() {\n\ttime.Sleep(4 * time.Second)\n'
                '\tfor {\n\t\theld = append(held, bytes.Repeat([]byte{1}, 1<<20))\n\t}\n}()')
        r = run(kc, code)
        assert r.content["status"] == "ok", r.content
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline and "out of memory" not in text:
            try:
                m = kc.get_iopub_msg(timeout=5)
            except queue.Empty:
                continue
            if m["msg_type"] == "stream" and m["content"]["name"] == "stderr":
                text += m["content"]["text"]
        assert "stopped between cells" in text and "out of memory" in text and "300 MiB" in text, text
        assert run(kc, "1 + 1").result() == "2"


def test_interrupt_stops_a_loop_in_a_goroutine(kernel):
    km, kc = kernel
    run(kc, "spins := 0\ngo func() {\n\tfor {\n\t\tspins++\n\t}\n}()")
    msg_id = kc.execute('import "time"\ntime.Sleep(time.Hour)')
    time.sleep(0.3)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["ename"] == "Interrupted"
    collect(kc, msg_id)
    assert_alive(kc)


def test_million_lines_arrive_in_order_and_batched(kernel):
    _, kc = kernel
    r = run(kc, 'import "fmt"\nfor i := 0; i < 1000000; i++ {\n\tfmt.Println(i)\n}', timeout=120)
    assert r.content["status"] == "ok"
    out = r.stdout()
    lines = out.split("\n")
    assert lines[-1] == ""
    assert lines[:-1] == [str(i) for i in range(1000000)]
    streams = [m for m in r.msgs if m["msg_type"] == "stream"]
    assert len(streams) <= 500, len(streams)


def test_goroutine_output_after_its_cell_ended_is_published(kernel):
    _, kc = kernel
    first = kc.execute('import ("fmt"; "time")\ngo func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tfmt.Println("late line")\n}()')
    kc.get_shell_msg(timeout=10)
    collect(kc, first)
    # The late line arrives on iopub, with the cell that started it as parent.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=10)
        if m["msg_type"] == "stream" and "late line" in m["content"]["text"]:
            assert m["parent_header"]["msg_id"] == first
            break
    else:
        pytest.fail("the goroutine's output never arrived")


def test_sigterm_is_a_clean_stop(fresh_kernel):
    km, kc = fresh_kernel
    assert_alive(kc)
    pid = km.provisioner.process.pid
    workers = wait_worker_pids(pid)
    os.kill(pid, signal.SIGTERM)
    km.provisioner.process.wait(timeout=10)
    assert km.provisioner.process.returncode == 0
    deadline = time.monotonic() + 5
    while any(pid_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(w) for w in workers)


def test_kernel_exits_when_its_parent_dies(prefix, tmp_path):
    """A kernel whose Jupyter died doesn't run forever."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from jupyter_client.manager import KernelManager\n"
        "km = KernelManager(kernel_name='gokernel')\n"
        "km.start_kernel()\n"
        "print(km.provisioner.process.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ))
    kernel_pid = int(parent.stdout.readline())
    workers = wait_worker_pids(kernel_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while (pid_alive(kernel_pid) or any(pid_alive(w) for w in workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(kernel_pid)
    assert not any(pid_alive(w) for w in workers)
