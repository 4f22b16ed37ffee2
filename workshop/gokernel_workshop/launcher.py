"""`python3 -m gokernel_workshop start|stop|status|install`: a JupyterHub for a room of learners.

start    installs the application into <dir>/app (with --install-from), writes the hub's
         settings, starts JupyterHub (which starts the proxy and, per learner, a server),
         prints where to sign in, and stays in the foreground until Ctrl-C, SIGTERM or
         `stop`; then it stops the hub (the hub stops every server, each server its kernels)
         and ends whatever of the workshop is still running, saying so.
stop     stops the workshop running in <dir>.
status   the learners, their servers and what they use (PSS, from /proc).
install  the application alone into a prefix (the image's build step).
"""

import argparse
import ctypes
import http.client
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

from . import hubconfig, layout, procs, sizing

DEFAULT_DIR = "/var/tmp/gokernel-workshop"
# Learner n runs as uid UID_BASE + n: far above the accounts Debian hands out (1000-59999),
# its reserved ranges (60000-65535, systemd's dynamic users among them) and the subordinate
# ids of containers (100000 and up, 65536 per account), below 2^31.
UID_BASE = 1_800_000_000
UID_SPAN = 1_000_000


def fail(msg):
    try:
        print(f"workshop: {msg}", file=sys.stderr)
    except OSError:
        pass
    raise SystemExit(2)


def say(msg=""):
    # The terminal may be gone (a closed window, a dead pipe): stopping goes on regardless.
    try:
        print(msg, flush=True)
    except OSError:
        pass


def duration(s):
    """30m, 45s, 2h, 90 (seconds), 0 or off: seconds."""
    s = s.strip().lower()
    if s in ("0", "off", "never"):
        return 0
    mult = {"s": 1, "m": 60, "h": 3600}.get(s[-1:], None)
    try:
        return int(float(s[:-1]) * mult) if mult else int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {s!r} (try 30m, 90s or off)")


def die_with_parent():
    """In the hub's process, before exec: SIGTERM when the launcher dies, however it dies,
    so the hub still stops every server."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(ip, port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def lan_address():
    """The address other machines reach this one at (the one its default route uses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent
            return sock.getsockname()[0]
        except OSError:
            return None


def searchable_by_others(path):
    """The first folder from / down to path that other users can't pass through, or None."""
    parts = os.path.abspath(path).split(os.sep)
    for i in range(1, len(parts) + 1):
        p = os.sep.join(parts[:i]) or os.sep
        if os.path.exists(p) and not os.stat(p).st_mode & 0o001:
            return p
    return None


def go_root(as_root):
    """The Go tree whose sources give Shift-Tab its doc comments, if learners can read it."""
    root = os.environ.get("GOROOT")
    if not root and shutil.which("go"):
        out = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True)
        root = out.stdout.strip() if out.returncode == 0 else ""
    if not root or not os.path.isfile(os.path.join(root, "src", "fmt", "print.go")):
        return ""
    if as_root and (searchable_by_others(root) or not os.stat(os.path.join(root, "src", "fmt", "print.go")).st_mode & 0o004):
        return ""
    return root


def proxy_env(env):
    """Debian's configurable-http-proxy finds its modules in /usr/share/nodejs, which only
    Debian's own node searches; a node from elsewhere on PATH (NodeSource's, nvm's) needs
    them on NODE_PATH."""
    chp = shutil.which("configurable-http-proxy", path=env.get("PATH"))
    if not chp or not os.path.realpath(chp).startswith("/usr/share/nodejs/"):
        return {}
    paths = [p for p in env.get("NODE_PATH", "").split(":") if p]
    return {"NODE_PATH": ":".join(["/usr/share/nodejs", *[p for p in paths if p != "/usr/share/nodejs"]])}


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(path):
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def running_launcher(hub_dir):
    pid = read_pid(os.path.join(hub_dir, "launcher.pid"))
    if pid and pid_alive(pid) and any("gokernel_workshop" in a for a in procs.cmdline(pid)):
        return pid
    return None


def hub_get(settings, path, token=None):
    host = "127.0.0.1" if settings["ip"] in ("0.0.0.0", "") else settings["ip"]
    conn = http.client.HTTPConnection(host, settings["port"], timeout=5)
    try:
        headers = {"Authorization": f"token {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def password_for(hub_dir, given):
    path = os.path.join(hub_dir, "password")
    if given:
        write_private(path, given + "\n")
        return given
    try:
        with open(path, encoding="utf-8") as f:
            kept = f.read().strip()
        if kept:
            return kept
    except OSError:
        pass
    # Easy to read off a slide and type: no 0/o, 1/l/i.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    pw = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
    write_private(path, pw + "\n")
    return pw


def sweep(folder, uids, why):
    """Ends what of the workshop still runs; returns the descriptions of what it ended."""
    left = procs.of_workshop(folder, uids)
    if not left:
        return []
    described = [procs.describe(p) for p in left]
    procs.end(left)
    say(f"workshop: {why}: ended {len(left)} process(es):")
    for d in described:
        say(f"  {d}")
    return described


def start(a):
    folder = os.path.abspath(a.dir)
    hub_dir = os.path.join(folder, "hub")
    app = os.path.join(folder, "app")
    as_root = os.geteuid() == 0
    if a.auth == "pam":
        if not as_root:
            fail("--auth pam starts each learner's server as their own account: run it as root")
        if not a.pam_group:
            fail("--auth pam needs --pam-group GROUP: only that group's members may sign in")
    if not shutil.which("configurable-http-proxy"):
        fail("configurable-http-proxy is not installed: run `.ci/deps workshop` (or `make workshop`)")
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        fail(f"JupyterHub is not installed for {sys.executable}: run `.ci/deps workshop` (or `make workshop`)")

    total = sizing.mem_total()
    try:
        limit = sizing.parse_size(a.memory_limit) if a.memory_limit else sizing.worker_limit(total, a.learners)
    except sizing.SizingError as e:
        fail(str(e))
    ip = a.ip or ("0.0.0.0" if a.lan else "127.0.0.1")
    if not port_free(ip, a.port):
        fail(f"port {a.port} on {ip} is in use: choose another with --port")
    langs = [x for x in a.lessons.replace(" ", "").split(",") if x]
    for lang in langs:
        if lang not in layout.LANGS:
            fail(f"--lessons {a.lessons}: no lessons in {lang!r} (there are: {', '.join(layout.LANGS)})")
    if not langs:
        fail("--lessons names no language: en, ko or en,ko")
    # A kernel's ipc socket: <dir>/run/<id>/kernel-<uuid>-ipc-<n>, at most 107 bytes.
    longest = len(os.path.join(folder, "run", "999999", f"kernel-{'0' * 36}-ipc-99").encode())
    if longest > 107:
        fail(f"--dir {folder} is too long for the kernels' sockets ({longest} > 107 bytes): choose a shorter path")
    if as_root:
        blocked = searchable_by_others(os.path.dirname(folder))  # the folder itself is made 0711
        if blocked:
            fail(
                f"learners' servers run under uids of their own and can't reach {folder}: "
                f"{blocked} is closed to other users (chmod o+x {blocked}, or --dir elsewhere, e.g. {DEFAULT_DIR})"
            )

    os.makedirs(hub_dir, exist_ok=True)
    os.chmod(folder, 0o711 if as_root else 0o700)
    os.chmod(hub_dir, 0o700)
    other = running_launcher(hub_dir)
    if other:
        fail(f"a workshop already runs in {folder} (pid {other}): stop it first (make workshop-stop)")
    uid_base = a.uid_base if as_root and a.auth == "dummy" else 0
    uids = range(uid_base, uid_base + UID_SPAN) if uid_base else None
    sweep(folder, uids, "left over from an earlier run")

    if a.install_from:
        layout.install(app, a.install_from)
    if not os.path.exists(layout.paths(app)["entrypoint"]):
        fail(f"nothing is installed in {app}: start with --install-from <checkout> (make workshop does)")
    missing = [lang for lang in langs if lang not in layout.lessons_in(app)]
    if missing:
        fail(f"no lessons in {', '.join(missing)} are installed in {app}")

    settings = {
        "dir": folder,
        "app": app,
        "ip": ip,
        "port": a.port,
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "auth": a.auth,
        "pam_group": a.pam_group or "",
        "password": password_for(hub_dir, a.password) if a.auth == "dummy" else "",
        "status_token": secrets.token_hex(32),
        "learners": a.learners,
        "langs": langs,
        "memory_limit": limit,
        "uid_base": uid_base,
        "cull_idle": a.cull_idle,
        "go_root": go_root(as_root),
        "server_args": a.server_arg,
    }
    settings_path = os.path.join(hub_dir, "settings.json")
    write_private(settings_path, json.dumps(settings, indent=2) + "\n")
    pid_path = os.path.join(hub_dir, "launcher.pid")
    write_private(pid_path, f"{os.getpid()}\n")

    # Signals wake the loop below through a pipe, so none is missed between checks.
    rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wfd)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: None)

    log_path = os.path.join(hub_dir, "hub.log")
    env = dict(os.environ)
    env.update({
        procs.MARK: folder,
        hubconfig.SETTINGS_ENV: settings_path,
        "PYTHONPATH": layout.paths(app)["python"],
    })
    env.update(proxy_env(env))
    config = os.path.join(layout.paths(app)["python"], "gokernel_workshop", "jupyterhub_config.py")
    with open(log_path, "ab") as log:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", config],
            cwd=hub_dir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops the hub in order
            preexec_fn=die_with_parent,
        )
    hub_fd = os.pidfd_open(hub.pid)
    code = 0
    try:
        ready = wait_ready(settings, hub, hub_fd, rfd, log_path)
        if ready:
            banner(settings, log_path, as_root)
            select.select([hub_fd, rfd], [], [])
        if hub.poll() is not None:
            say(f"workshop: the hub exited ({hub.returncode}); its log ends:\n{tail(log_path)}")
            code = 1
    finally:
        code = max(code, shutdown(hub, folder, uids, pid_path))
        os.close(hub_fd)
    return code


def wait_ready(settings, hub, hub_fd, rfd, log_path, timeout=180):
    """Waits until the hub answers through the proxy; False if it exits or a signal comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = hub_get(settings, "/hub/api/")
            if status == 200:
                return True
        except OSError:
            pass
        ready, _, _ = select.select([hub_fd, rfd], [], [], 0.2)
        if ready:
            return False
    say(f"workshop: the hub did not answer in {timeout} s; its log ends:\n{tail(log_path)}")
    return False


def banner(s, log_path, as_root):
    host = "127.0.0.1" if s["ip"] in ("127.0.0.1", "localhost") else None
    say(f"gokernel workshop: ready for {s['learners']} learners")
    if host:
        say(f"  open       http://127.0.0.1:{s['port']}/    (this machine only: --lan lets the room in)")
    else:
        lan = lan_address() if s["ip"] == "0.0.0.0" else s["ip"]
        say(f"  open       http://{lan or socket.gethostname()}:{s['port']}/    (plain HTTP: use it on a network you trust)")
    if s["auth"] == "dummy":
        say(f"  sign in    any name of one's own, password {s['password']}")
    else:
        say(f"  sign in    the machine's accounts in group {s['pam_group']} (PAM)")
    say(f"  lessons    {', '.join(s['langs'])}" + ("  (each learner chooses)" if len(s["langs"]) > 1 else ""))
    say(f"  memory     each kernel's interpreter stops at {sizing.format_size(s['memory_limit'])}" if s["memory_limit"]
        else "  memory     no limit on the interpreters")
    say(f"  idle       kernels idle for {s['cull_idle'] // 60} min with no tab open are shut down" if s["cull_idle"]
        else "  idle       kernels are never shut down for idleness")
    if s["uid_base"]:
        say(f"  learners   run as uids from {s['uid_base'] + 1}, homes in {s['dir']}/learners/")
    elif s["auth"] == "dummy":
        who = "root" if as_root else os.environ.get("USER", str(os.getuid()))
        say(f"  learners   all run as {who}: they can reach each other's files and processes")
    say(f"  log        {log_path}")
    say("Stop with Ctrl-C here, or `make workshop-stop` from another terminal.")


def tail(path, n=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def shutdown(hub, folder, uids, pid_path):
    """Stops the hub (it stops the servers, they stop their kernels), then ends anything
    left; returns 0 when nothing was."""
    say("workshop: stopping: the hub stops each learner's server, each server its kernels")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
    if hub.poll() is None:
        hub.terminate()
        try:
            hub.wait(timeout=120)
        except subprocess.TimeoutExpired:
            say("workshop: the hub did not stop in 120 s: killing it")
            hub.kill()
            hub.wait()
    ended = sweep(folder, uids, "still running after the hub stopped")
    try:
        os.remove(pid_path)
    except OSError:
        pass
    if ended:
        return 1
    say("workshop: stopped; no process of the workshop is left")
    return 0


def stop(a):
    hub_dir = os.path.join(os.path.abspath(a.dir), "hub")
    pid = running_launcher(hub_dir)
    if not pid:
        say(f"workshop: no workshop runs in {a.dir}")
        return 0
    os.kill(pid, signal.SIGTERM)
    if procs.wait_gone([pid], 180):
        fail(f"the workshop (pid {pid}) did not stop in 180 s")
    say(f"workshop: stopped the workshop in {a.dir}")
    return 0


def learner_usage(folder):
    """{learner: (processes, PSS bytes)} over every process of the workshop whose
    environment names a learner (their server, kernels and workers)."""
    usage = {}
    for pid in procs.of_workshop(folder):
        name = procs.environ(pid).get("JUPYTERHUB_USER")
        if name:
            n, pss = usage.get(name, (0, 0))
            usage[name] = (n + 1, pss + procs.pss(pid))
    return usage


def status(a):
    folder = os.path.abspath(a.dir)
    hub_dir = os.path.join(folder, "hub")
    if not running_launcher(hub_dir):
        say(f"workshop: no workshop runs in {folder}")
        return 1
    s = hubconfig.load_settings(os.path.join(hub_dir, "settings.json"))
    code, body = hub_get(s, "/hub/api/users", s["status_token"])
    if code != 200:
        fail(f"the hub answered {code} to /hub/api/users")
    usage = learner_usage(folder)
    users = sorted(json.loads(body), key=lambda u: u["name"])
    say(f"{len(users)} learners signed in, {sum(1 for u in users if u.get('server'))} servers running "
        f"(room for {s['learners']})")
    for u in users:
        n, pss = usage.get(u["name"], (0, 0))
        state = "running" if u.get("server") else ("starting" if u.get("pending") else "stopped")
        say(f"  {u['name']:<24} {state:<9} {n:>2} processes  {sizing.format_size(pss):>10}  last active {u.get('last_activity') or '-'}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m gokernel_workshop", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start a workshop and stay in the foreground")
    s.add_argument("--dir", default=DEFAULT_DIR, help=f"the workshop's folder: app/, hub/, learners/ ({DEFAULT_DIR})")
    s.add_argument("--learners", type=int, default=10, help="the head count: sizes the memory limit, caps running servers (10)")
    s.add_argument("--lessons", default="en", help="en, ko, or en,ko to let each learner choose (en)")
    s.add_argument("--lan", action="store_true", help="listen on every address, not only this machine's loopback")
    s.add_argument("--ip", help="listen on this address instead")
    s.add_argument("--port", type=int, default=8000, help="the port learners open (8000)")
    s.add_argument("--password", help="the shared password (default: made up once, kept in <dir>/hub/password)")
    s.add_argument("--auth", choices=("dummy", "pam"), default="dummy", help="dummy: any name and the shared password; pam: the machine's accounts")
    s.add_argument("--pam-group", help="with --auth pam: the group whose members may sign in")
    s.add_argument("--memory-limit", help="each interpreter's limit, e.g. 1GiB (default: from the machine and --learners)")
    s.add_argument("--cull-idle", type=duration, default=duration("30m"), help="shut down kernels idle this long with no tab open (30m; off)")
    s.add_argument("--uid-base", type=int, default=UID_BASE, help=f"as root: learner n runs as uid BASE+n ({UID_BASE})")
    s.add_argument("--server-arg", action="append", default=[], help="one more command-line option for every learner's server")
    s.add_argument("--install-from", help="install the application from this checkout first (make workshop does)")
    t = sub.add_parser("stop", help="stop the workshop running in --dir")
    t.add_argument("--dir", default=DEFAULT_DIR)
    u = sub.add_parser("status", help="learners, servers and memory of the workshop in --dir")
    u.add_argument("--dir", default=DEFAULT_DIR)
    i = sub.add_parser("install", help="install the kernel, JupyterLab and the lessons into a prefix")
    i.add_argument("--dest", required=True)
    i.add_argument("--from", dest="repo", default=".", help="the checkout (.)")
    a = p.parse_args(argv)
    if a.cmd == "start":
        if a.learners < 1:
            fail("--learners must be 1 or more")
        return start(a)
    if a.cmd == "stop":
        return stop(a)
    if a.cmd == "status":
        return status(a)
    layout.install(a.dest, a.repo)
    say(f"installed into {os.path.abspath(a.dest)}")
    return 0
