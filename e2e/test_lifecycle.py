"""Interrupts, worker deaths, restarts and shutdowns."""

import os
import time

import pytest

from conftest import run, collect


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def worker_pids(kernel_pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == kernel_pid and fields[0] != "Z":
                out.append(int(entry))
    return out


def wait_worker_pids(kernel_pid, timeout=30):
    """The kernel's child processes, once it has one: a check that no worker
    outlived the kernel must not pass because none had started yet."""
    deadline = time.monotonic() + timeout
    while True:
        pids = worker_pids(kernel_pid)
        if pids:
            return pids
        assert time.monotonic() < deadline, f"kernel {kernel_pid} started no worker in {timeout}s"
        time.sleep(0.05)


@pytest.mark.parametrize("code,deadlock", [
    ("for { i++ }", False),
    ('import "time"\ntime.Sleep(time.Hour)', False),
    ("<-make(chan int)", True),
    ('import "sync"\nvar mu sync.Mutex\nmu.Lock()\nmu.Lock()', True),
])
def test_interrupt_stops_cell_and_keeps_names(kernel, code, deadlock):
    km, kc = kernel
    run(kc, "i := 0\nkept := 41")
    msg_id = kc.execute(code)
    # Wait until the cell is running: its execute_input is on iopub.
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
            break
    time.sleep(0.2)
    start = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    elapsed = time.monotonic() - start
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert elapsed < 1.0, elapsed
    # A cell where every goroutine waits is told it deadlocked; a busy or sleeping one is not.
    assert ("deadlock" in reply["content"]["evalue"]) == deadlock, reply["content"]["evalue"]
    collect(kc, msg_id)
    assert run(kc, "kept + 1").result() == "42"


def test_worker_exit_is_reported_and_replaced(kernel):
    _, kc = kernel
    run(kc, "before := 1")
    r = run(kc, 'import "os"\nos.Exit(3)')
    assert r.content["status"] == "error"
    assert "exited with status 3" in r.error()["evalue"]
    assert any("earlier cells are gone" in line for line in r.error()["traceback"])
    r = run(kc, "1 + 2")
    assert r.result() == "3"
    # The state was reset, and the learner was told so above.
    assert run(kc, "before").content["status"] == "error"


def test_restart_leaves_no_process(fresh_kernel):
    km, kc = fresh_kernel
    run(kc, 'import "time"\nfor j := 0; j < 50; j++ { go func() { time.Sleep(time.Hour) }() }')
    old_pid = km.provisioner.process.pid
    workers = wait_worker_pids(old_pid)
    assert len(workers) == 1
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=30)
    assert not pid_alive(old_pid)
    for w in workers:
        assert not pid_alive(w)
    assert run(kc, "2 * 21").result() == "42"


def test_shutdown_leaves_no_process(fresh_kernel):
    km, kc = fresh_kernel
    assert run(kc, "1").result() == "1"
    pid = km.provisioner.process.pid
    workers = wait_worker_pids(pid)
    km.shutdown_kernel(now=False)
    assert not pid_alive(pid)
    deadline = time.monotonic() + 5
    while any(pid_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(w) for w in workers)
