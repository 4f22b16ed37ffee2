"""A real `jupyter console` session in a terminal (tmux), read off the screen."""

import os
import shutil
import subprocess
import time
import uuid

import pytest


def tmux(*args):
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def console(prefix):
    if not shutil.which("tmux") or not shutil.which("jupyter-console"):
        pytest.fail("tmux and jupyter-console are installed by .ci/deps")
    name = "gk" + uuid.uuid4().hex[:8]
    env = f"JUPYTER_PATH={prefix}/share/jupyter"
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40",
         f"env {env} jupyter-console --kernel gokernel --ZMQTerminalInteractiveShell.simple_prompt=False")
    try:
        wait_for(name, "In [1]:", 30)
        time.sleep(0.5)
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def screen(name):
    return tmux("capture-pane", "-p", "-t", name)


def wait_for(name, text, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = screen(name)
        if text in s:
            return s
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on the screen:\n{screen(name)}")


def keys(name, *k):
    """Types like a person: jupyter-console 6.4 fails on keys that arrive
    while it is still handling the last Enter."""
    for key in k:
        tmux("send-keys", "-t", name, key)
        time.sleep(0.3)


def test_console_multiline_func_and_tab(console):
    # A multi-line func: Enter after "{" must ask for more lines, not run.
    keys(console, "func greet(name string) string {", "Enter")
    s = wait_for(console, "...:")
    assert "Out[" not in s and "Error" not in s
    keys(console, 'return "hello, " + name', "Enter")
    wait_for(console, '+ name')
    keys(console, "}", "Enter")
    # After the closing brace the input is complete and runs as one cell.
    wait_for(console, "In [2]:")
    keys(console, 'greet("console")', "Enter")
    wait_for(console, '"hello, console"')

    # Tab after fmt.Pr lists Print, Printf, Println.
    keys(console, 'import "fmt"', "Enter")
    wait_for(console, "In [4]:")
    keys(console, "fmt.Pr")
    keys(console, "Tab")
    s = wait_for(console, "Println")
    assert "Printf" in s
    keys(console, "Escape")
    keys(console, "C-u")
