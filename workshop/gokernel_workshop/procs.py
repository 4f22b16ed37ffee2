"""The processes of a workshop, found in /proc.

Every process of a workshop carries GOKERNEL_WORKSHOP=<its folder> in its environment: the
launcher gives it to the hub, the spawner to each learner's server, and servers pass their
environment on to kernels and kernels to their workers. As root, the launcher can read
every process's environment; otherwise only its own user's, which are then all of them.
Learners' uids (as root) are a second mark that a cell can't remove.
"""

import os
import select
import signal
import time

MARK = "GOKERNEL_WORKSHOP"


def pids():
    me = os.getpid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            yield int(name)


def environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            data = f.read()
    except OSError:
        return {}
    env = {}
    for item in data.split(b"\0"):
        k, sep, v = item.partition(b"=")
        if sep:
            env[k.decode(errors="replace")] = v.decode(errors="replace")
    return env


def status(pid):
    """Name, State, PPid and the real Uid of pid from /proc/pid/status; {} when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Name", "PPid", "Uid", "State"):
                    out[k] = v.strip()
    except OSError:
        return {}
    if "Uid" in out:
        out["Uid"] = int(out["Uid"].split()[0])
    if "PPid" in out:
        out["PPid"] = int(out["PPid"])
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def of_workshop(folder, uids=None):
    """The pids of processes marked with folder, or (as root) running under one of uids
    (a range or set). Zombies are left out: they are gone but for their exit status."""
    folder = os.path.abspath(folder)
    found = []
    for pid in pids():
        st = status(pid)
        if not st or st.get("State", "").startswith("Z"):
            continue
        if environ(pid).get(MARK) == folder or (uids is not None and st.get("Uid") in uids):
            found.append(pid)
    return found


def describe(pid):
    st = status(pid)
    return f"{pid} uid {st.get('Uid', '?')} {' '.join(cmdline(pid))[:160] or st.get('Name', '?')}"


def signal_all(pids_, sig):
    for pid in pids_:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids_, timeout):
    """Waits until every pid has exited (pidfds: no polling), at most timeout seconds;
    returns those still there."""
    fds = {}
    for pid in pids_:
        try:
            fds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    try:
        while fds:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select(list(fds), [], [], left)
            for fd in ready:
                os.close(fd)
                del fds[fd]
        return sorted(fds.values())
    finally:
        for fd in fds:
            os.close(fd)


def end(pids_, grace=5.0):
    """SIGTERM, then SIGKILL after grace seconds; returns the pids that had to be killed."""
    if not pids_:
        return []
    signal_all(pids_, signal.SIGTERM)
    left = wait_gone(pids_, grace)
    signal_all(left, signal.SIGKILL)
    wait_gone(left, 5.0)
    return left


def pss(pid):
    """Proportional set size in bytes (/proc/pid/smaps_rollup), 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of pid, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
