"""Fixtures for end-to-end tests: the real gokernel binary, installed as a
kernelspec in a temporary prefix, driven by Debian's jupyter_client."""

import contextlib
import json
import os
import pathlib
import subprocess
import tempfile
import time

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _binary():
    path = os.environ.get("GOKERNEL_BIN")
    if path:
        return pathlib.Path(path)
    out = pathlib.Path(tempfile.mkdtemp()) / "gokernel"
    subprocess.run(["go", "build", "-o", str(out), "./cmd/gokernel"], cwd=ROOT, check=True)
    return out


@pytest.fixture(scope="session")
def prefix():
    """A prefix holding the installed kernelspec, put on JUPYTER_PATH."""
    with tempfile.TemporaryDirectory(prefix="gokernel-e2e-") as d:
        subprocess.run([str(_binary()), "install", "--prefix", d], check=True, capture_output=True)
        os.environ["JUPYTER_PATH"] = os.path.join(d, "share", "jupyter")
        yield pathlib.Path(d)


@pytest.fixture(scope="module")
def kernel(prefix):
    """A kernel shared by the tests of one module."""
    km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=False)


@pytest.fixture()
def fresh_kernel(prefix):
    """A kernel of the test's own."""
    km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=False)


@contextlib.contextmanager
def kernel_with(**env):
    """A kernel of its own, started with env in its environment."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=30)
    finally:
        for k, v in saved.items():
            if v is None:
                del os.environ[k]
            else:
                os.environ[k] = v
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


class Run:
    """What one execute produced: the reply and the iopub messages."""

    def __init__(self, reply, msgs):
        self.reply = reply
        self.msgs = msgs

    @property
    def content(self):
        return self.reply["content"]

    def types(self):
        return [m["msg_type"] for m in self.msgs]

    def stdout(self):
        return "".join(m["content"]["text"] for m in self.msgs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")

    def stderr(self):
        return "".join(m["content"]["text"] for m in self.msgs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")

    def result(self):
        res = [m["content"]["data"]["text/plain"] for m in self.msgs if m["msg_type"] == "execute_result"]
        return res[0] if res else None

    def error(self):
        errs = [m["content"] for m in self.msgs if m["msg_type"] == "error"]
        return errs[0] if errs else None


def collect(kc, msg_id, timeout=30):
    """Reads iopub until the idle status of msg_id."""
    msgs = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle for {msg_id}; got {[m['msg_type'] for m in msgs]}")
        m = kc.get_iopub_msg(timeout=left)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return msgs


def run(kc, code, timeout=30, **kw):
    """Executes code and returns a Run once the kernel is idle again."""
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return Run(reply, collect(kc, msg_id, timeout))


def spec_dir(prefix):
    return prefix / "share" / "jupyter" / "kernels" / "gokernel"


def read_spec(prefix):
    return json.loads((spec_dir(prefix) / "kernel.json").read_text())
