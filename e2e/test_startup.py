"""Starting the binary: bad connection files fail at once with one line;
ipc sockets are private; the key never reaches the log."""

import json
import os
import stat
import subprocess
import time

import pytest
from jupyter_client import BlockingKernelClient

from conftest import _binary, run as run_cell


def start(conn_path, log_level="debug"):
    return subprocess.Popen([str(_binary()), "run", "--connection-file", str(conn_path), "--log-level", log_level],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


BASE = {"transport": "tcp", "ip": "127.0.0.1", "shell_port": 0, "control_port": 0, "stdin_port": 0,
        "iopub_port": 0, "hb_port": 0, "signature_scheme": "hmac-sha256", "key": "s3cret-key-value"}


@pytest.mark.parametrize("change,words", [
    ({"signature_scheme": "hmac-md5"}, "signature_scheme"),
    ({"transport": "udp"}, "transport"),
    ({"ip": ""}, "ip"),
])
def test_bad_connection_file_fails_with_one_line(tmp_path, change, words):
    conn = tmp_path / "conn.json"
    conn.write_text(json.dumps({**BASE, **change}))
    p = start(conn)
    out, err = p.communicate(timeout=10)
    assert p.returncode != 0
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert words in lines[0]
    assert "s3cret" not in err


def test_unusable_port_fails_at_start(tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    busy = s.getsockname()[1]
    conn = tmp_path / "conn.json"
    conn.write_text(json.dumps({**BASE, "shell_port": busy, "control_port": busy + 1 if busy < 65000 else 1}))
    try:
        p = start(conn)
        out, err = p.communicate(timeout=10)
        assert p.returncode != 0
        assert "shell" in err and str(busy) in err
    finally:
        s.close()


def test_ipc_transport_sockets_are_private_and_key_not_logged(tmp_path):
    prefix = tmp_path / "kernel-ipc"
    conn = tmp_path / "conn.json"
    info = {**BASE, "transport": "ipc", "ip": str(prefix), "shell_port": 1, "control_port": 2,
            "stdin_port": 3, "iopub_port": 4, "hb_port": 5}
    conn.write_text(json.dumps(info))
    p = start(conn)
    try:
        kc = BlockingKernelClient()
        kc.load_connection_file(str(conn))
        kc.start_channels()
        kc.wait_for_ready(timeout=20)
        assert run_cell(kc, "1 + 1").result() == "2"
        for port in range(1, 6):
            mode = os.stat(f"{prefix}-{port}").st_mode
            assert stat.S_ISSOCK(mode)
            assert mode & 0o077 == 0, oct(mode)
        kc.shutdown()
        kc.stop_channels()
        out, err = p.communicate(timeout=10)
        assert "s3cret-key-value" not in err
        assert p.returncode == 0
    finally:
        if p.poll() is None:
            p.kill()
