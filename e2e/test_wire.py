"""Bad input on the wire: dropped or refused, and the kernel keeps serving."""

import hashlib
import hmac
import json
import time
import uuid

import pytest
import zmq
from jupyter_client.session import Session

from conftest import Run, run


def header(msg_type):
    return {"msg_id": uuid.uuid4().hex, "session": "raw", "username": "test",
            "date": "2026-01-01T00:00:00.000000Z", "msg_type": msg_type, "version": "5.3"}


class Raw:
    """A DEALER socket on the kernel's shell port, speaking frames by hand."""

    def __init__(self, km):
        info = km.get_connection_info()
        self.key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")

    def sign(self, parts):
        h = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            h.update(p)
        return h.hexdigest().encode()

    def frames(self, msg_type, content, hdr=None):
        parts = [json.dumps(hdr or header(msg_type)).encode(), b"{}", b"{}", json.dumps(content).encode()]
        return [b"<IDS|MSG>", self.sign(parts)] + parts

    def send(self, frames):
        self.sock.send_multipart(frames)

    def recv(self, timeout=5):
        if not self.sock.poll(timeout * 1000):
            return None
        frames = self.sock.recv_multipart()
        i = frames.index(b"<IDS|MSG>")
        return json.loads(frames[i + 2]), json.loads(frames[i + 3]), json.loads(frames[i + 5])

    def kernel_info_answers(self):
        """A good request after bad input still gets its reply."""
        frames = self.frames("kernel_info_request", {})
        msg_id = json.loads(frames[2])["msg_id"]
        self.send(frames)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = self.recv()
            if got and got[1].get("msg_id") == msg_id:
                return got[0]["msg_type"] == "kernel_info_reply"
        return False

    def close(self):
        self.sock.close()
        self.ctx.term()


@pytest.fixture()
def raw(kernel):
    km, _ = kernel
    r = Raw(km)
    yield r
    r.close()


def signed(raw, parts):
    return [b"<IDS|MSG>", raw.sign(parts)] + parts


# A cell that would show it ran: the variable wireRan counts its runs.
RAN = {"code": "wireRan++", "silent": False, "store_history": True}

BAD = {
    "too few frames": lambda r: [b"<IDS|MSG>", b"sig"],
    "no delimiter": lambda r: [b"a", b"b", b"c", b"d", b"e", b"f"],
    "bad signature": lambda r: [b"<IDS|MSG>", b"0" * 64] + r.frames("execute_request", RAN)[2:],
    "no signature": lambda r: [b"<IDS|MSG>", b""] + r.frames("execute_request", RAN)[2:],
    "malformed signature": lambda r: [b"<IDS|MSG>", b"not-hex!"] + r.frames("execute_request", RAN)[2:],
    "invalid JSON header": lambda r: signed(r, [b"{not json", b"{}", b"{}", json.dumps(RAN).encode()]),
    "header is a list": lambda r: signed(r, [b"[1, 2]", b"{}", b"{}", json.dumps(RAN).encode()]),
    "header without msg_type": lambda r: signed(r, [json.dumps({"msg_id": "x"}).encode(), b"{}", b"{}", json.dumps(RAN).encode()]),
    "content not an object": lambda r: signed(r, [json.dumps(header("execute_request")).encode(), b"{}", b"{}", b"[]"]),
    "invalid UTF-8": lambda r: signed(r, [json.dumps(header("execute_request")).encode(), b"{}", b"{}", b'{"code": "wireRan++ // \xff\xfe"}']),
    "huge frame": lambda r: r.frames("kernel_info_request", {"pad": "x" * (16 << 20)}),
    "unknown msg_type": lambda r: r.frames("launch_missiles_request", {}),
}

# Not signed with the key: nothing at all may come of them, not even a status.
UNSIGNED = {"bad signature", "no signature", "malformed signature"}


def msg_id_of(frames):
    """The msg_id in a message's header frame, if it has one."""
    try:
        return json.loads(frames[frames.index(b"<IDS|MSG>") + 2]).get("msg_id")
    except (ValueError, IndexError, AttributeError):
        return None


def run_seeing_all(kc, code):
    """Runs code; returns its Run and every iopub message up to its idle,
    whatever its parent."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    seen = []
    while True:
        m = kc.get_iopub_msg(timeout=30)
        seen.append(m)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"):
            mine = [x for x in seen if x["parent_header"].get("msg_id") == msg_id]
            return Run(reply, mine), seen


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_is_dropped_and_kernel_keeps_serving(raw, kernel, kind):
    _, kc = kernel
    before, _ = run_seeing_all(kc, "wireRan := 0")
    frames = BAD[kind](raw)
    forged = msg_id_of(frames)
    raw.send(frames)
    assert raw.kernel_info_answers()
    # The cell after it sees nothing of it: it did not run, took no
    # execution count, and (unless signed) nothing was published for it.
    after, seen = run_seeing_all(kc, "wireRan")
    assert after.result() == "0"
    assert after.content["execution_count"] == before.content["execution_count"] + 1
    about = [m["msg_type"] for m in seen if forged and m["parent_header"].get("msg_id") == forged]
    if kind in UNSIGNED:
        assert about == [], about
    else:
        assert not set(about) & {"execute_input", "execute_result", "stream", "error"}, about


def test_missing_required_field_gets_an_error_reply(raw):
    raw.send(raw.frames("execute_request", {"silent": False}))
    hdr, parent, content = raw.recv()
    assert hdr["msg_type"] == "execute_reply"
    assert content["status"] == "error"
    assert "code" in content["evalue"]
    assert raw.kernel_info_answers()


def test_replayed_message_is_not_executed_twice(raw, kernel):
    _, kc = kernel
    before, _ = run_seeing_all(kc, "replays := 0")
    frames = raw.frames("execute_request", {"code": "replays++", "silent": False, "store_history": True})
    raw.send(frames)
    assert raw.recv()[0]["msg_type"] == "execute_reply"
    raw.send(frames)  # the very same signed frames again
    assert raw.recv(timeout=1) is None
    after, seen = run_seeing_all(kc, "replays")
    assert after.result() == "1"
    # One run took one execution count and published once.
    assert after.content["execution_count"] == before.content["execution_count"] + 2
    replayed = msg_id_of(frames)
    inputs = [m for m in seen if m["parent_header"].get("msg_id") == replayed and m["msg_type"] == "execute_input"]
    assert len(inputs) == 1, inputs


def test_two_clients_each_get_their_replies_and_all_iopub(kernel):
    km, kc = kernel
    # A second front end, like `jupyter console --existing`: its own session
    # (jupyter_client uses the session id as the socket identity).
    other = km.client(session=Session(key=km.session.key))
    other.start_channels()
    try:
        other.wait_for_ready(timeout=10)
        a = kc.execute("1 + 1")
        b = other.execute("2 + 2")
        ra = kc.get_shell_msg(timeout=10)
        rb = other.get_shell_msg(timeout=10)
        assert ra["parent_header"]["msg_id"] == a
        assert rb["parent_header"]["msg_id"] == b
        # Both clients see the other's results on iopub.
        seen = set()
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            m = kc.get_iopub_msg(timeout=5)
            if m["msg_type"] == "execute_result":
                seen.add(m["parent_header"]["msg_id"])
        assert seen == {a, b}
    finally:
        other.stop_channels()


def test_frame_claiming_a_terabyte_does_not_kill_the_kernel(kernel):
    """zmq4 would allocate what the header claims, before any signature check."""
    import socket as pysocket
    km, kc = kernel
    info = km.get_connection_info()
    s = pysocket.create_connection((info["ip"], info["shell_port"]))
    try:
        greeting = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31
        s.sendall(greeting)
        s.sendall(b"\x06" + (1 << 40).to_bytes(8, "big"))  # a long command frame of 1 TB
        time.sleep(0.5)
    finally:
        s.close()
    assert run(kc, "1 + 2").result() == "3"
    assert km.is_alive()
