"""Magics: %time, %env, %reset, %help, and unknown ones."""

import re

from conftest import run


def test_help_lists_the_magics(kernel):
    _, kc = kernel
    out = run(kc, "%help").stdout()
    for magic in ("%time", "%env", "%reset", "%help"):
        assert magic in out


def test_unknown_magic_is_a_clear_error(kernel):
    _, kc = kernel
    r = run(kc, "%timeit 1+1")
    assert r.content["status"] == "error"
    assert r.error()["ename"] == "UsageError"
    assert "%timeit" in r.error()["evalue"] and "%help" in r.error()["evalue"]


def test_time_reports_wall_and_cpu(kernel):
    _, kc = kernel
    r = run(kc, "%time\nsum := 0\nfor i := 0; i < 200000; i++ {\n\tsum += i\n}\nsum")
    assert r.result() == "19999900000"
    assert re.search(r"wall time: [\d.]+\w*s, CPU time: [\d.]+\w*s", r.stdout()), r.stdout()
    # Positions in the timed cell are still the cell's own.
    r = run(kc, "%time\nx := 1\ny := nope + x")
    assert ":3:" in r.error()["evalue"], r.error()["evalue"]


def test_env_sets_what_cells_and_children_see(kernel):
    _, kc = kernel
    assert run(kc, "%env GOKERNEL_TEST_VAR=hello").stdout() == "GOKERNEL_TEST_VAR=hello\n"
    assert run(kc, "%env GOKERNEL_TEST_VAR").stdout() == "hello\n"
    r = run(kc, 'import ("os"; "os/exec")\nout, _ := exec.Command("sh", "-c", "echo $GOKERNEL_TEST_VAR").Output()\nos.Getenv("GOKERNEL_TEST_VAR") + " " + string(out)')
    assert r.result() == '"hello hello\\n"'
    assert run(kc, "%env NOT_SET_ANYWHERE_42").content["status"] == "error"


def test_reset_starts_a_fresh_interpreter(kernel):
    _, kc = kernel
    run(kc, "beforeReset := 1")
    r = run(kc, "%reset")
    assert "fresh interpreter" in r.stdout()
    assert run(kc, "beforeReset").content["status"] == "error"
    assert run(kc, "1 + 1").result() == "2"


def test_blank_lines_before_a_magic(kernel):
    # The kernel and the worker read a magic line the same way: the first
    # line that is not blank.
    _, kc = kernel
    r = run(kc, "\n%time 40 + 2")
    assert r.content["status"] == "ok", r.error()
    assert r.result() == "42"
    assert "wall time:" in r.stdout()
    assert run(kc, "\n\n%env GOKERNEL_BLANK_LINES=1").stdout() == "GOKERNEL_BLANK_LINES=1\n"
    # Positions after a magic are still the cell's own lines and columns.
    r = run(kc, "\n%time\nx := 1\ny := nope + x")
    assert "cell[" in r.error()["evalue"] and ":4:6:" in r.error()["evalue"], r.error()["evalue"]
    r = run(kc, "\n%help")
    assert "%reset" in r.stdout()
