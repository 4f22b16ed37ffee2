"""The workshop's pieces without a hub: sizing, the entrypoint, the spawner's choices, the
launcher's refusals and the Zero to JupyterHub values.

    python3 -m pytest -q workshop/test        (make workshop-test)
"""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import types

import pytest
import yaml

HERE = pathlib.Path(__file__).resolve().parent
WORKSHOP = HERE.parent
REPO = WORKSHOP.parent
sys.path.insert(0, str(WORKSHOP))

from gokernel_workshop import entrypoint, launcher, layout, sizing  # noqa: E402

GiB, MiB = sizing.GiB, sizing.MiB


def run_launcher(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(WORKSHOP))
    return subprocess.run([sys.executable, "-m", "gokernel_workshop", *args], capture_output=True, text=True, env=env, **kw)


# --- sizing ---------------------------------------------------------------------------------


def test_the_limit_shares_the_machine_out():
    # 24 GiB, 30 learners: 2.4 GiB stay back, 737 MiB each, less the server and kernel.
    limit = sizing.worker_limit(24 * GiB, 30)
    assert limit == (24 * GiB - 24 * GiB // 10) // 30 - sizing.SERVER_AND_KERNEL
    assert 550 * MiB < limit < 650 * MiB
    # Fewer learners, more each, up to 4 GiB.
    assert sizing.worker_limit(24 * GiB, 10) > 2 * GiB
    assert sizing.worker_limit(256 * GiB, 2) == 4 * GiB
    # A small machine keeps at least 1 GiB back.
    assert sizing.worker_limit(4 * GiB, 4) == (3 * GiB) // 4 - sizing.SERVER_AND_KERNEL


def test_a_room_too_big_for_the_machine_is_refused_with_what_to_do():
    with pytest.raises(sizing.SizingError) as e:
        sizing.worker_limit(8 * GiB, 30)
    msg = str(e.value)
    assert "8.0 GiB of memory for 30 learners" in msg
    assert "fewer learners" in msg and "--memory-limit" in msg


def test_sizes_read_as_the_kernel_reads_them():
    assert sizing.parse_size("512MiB") == 512 * MiB
    assert sizing.parse_size("2GiB") == 2 * GiB
    assert sizing.parse_size("1.5G") == int(1.5 * GiB)
    assert sizing.parse_size("300M") == 300 * MiB
    assert sizing.parse_size("2GB") == 2_000_000_000
    assert sizing.parse_size("1048576") == MiB
    assert sizing.parse_size("off") == 0
    with pytest.raises(sizing.SizingError):
        sizing.parse_size("lots")


def test_the_launcher_refuses_a_room_too_big_before_it_starts_anything(tmp_path):
    out = run_launcher("start", "--dir", str(tmp_path / "w"), "--learners", "100000")
    assert out.returncode == 2
    assert "for 100000 learners leaves" in out.stderr
    assert not (tmp_path / "w").exists()


def test_the_launcher_refuses_a_port_in_use(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        out = run_launcher("start", "--dir", str(tmp_path / "w"), "--port", str(port))
    assert out.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in out.stderr


def test_the_launcher_refuses_an_unknown_language(tmp_path):
    out = run_launcher("start", "--dir", str(tmp_path / "w"), "--lessons", "en,fr", "--port", "0")
    assert out.returncode == 2
    assert "no lessons in 'fr'" in out.stderr


def test_stop_without_a_workshop_says_so(tmp_path):
    out = run_launcher("stop", "--dir", str(tmp_path))
    assert out.returncode == 0
    assert "no workshop runs in" in out.stdout


def test_durations():
    assert launcher.duration("30m") == 1800
    assert launcher.duration("45s") == 45
    assert launcher.duration("2h") == 7200
    assert launcher.duration("90") == 90
    assert launcher.duration("off") == 0


def test_the_password_is_made_once_and_kept(tmp_path):
    first = launcher.password_for(str(tmp_path), None)
    assert first == launcher.password_for(str(tmp_path), None)
    assert oct((tmp_path / "password").stat().st_mode & 0o777) == "0o600"
    assert not set(first) & set("01lio")
    assert launcher.password_for(str(tmp_path), "given") == "given"


def test_a_folder_closed_to_others_is_named():
    top = pathlib.Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own tmp_path is under a 0700 folder
    try:
        top.chmod(0o755)
        closed = top / "closed"
        (closed / "inner").mkdir(parents=True)
        closed.chmod(0o700)
        assert launcher.searchable_by_others(str(closed / "inner")) == str(closed)
        closed.chmod(0o711)
        assert launcher.searchable_by_others(str(closed / "inner")) is None
    finally:
        shutil.rmtree(top)


def test_debians_proxy_gets_debians_node_modules():
    env = launcher.proxy_env({"PATH": "/usr/bin:/bin", "NODE_PATH": "/opt/x"})
    chp = os.path.realpath("/usr/bin/configurable-http-proxy")
    if chp.startswith("/usr/share/nodejs/"):
        assert env == {"NODE_PATH": "/usr/share/nodejs:/opt/x"}
    else:
        assert env == {}


# --- the entrypoint -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """The application installed as `make workshop-install` does (needs `make build lab`)."""
    p = tmp_path_factory.mktemp("prefix")
    layout.install(str(p), str(REPO))
    return p


def test_lessons_are_copied_missing_files_only(prefix, tmp_path):
    copied = entrypoint.copy_lessons(str(prefix), str(tmp_path), ["ko"])
    assert {os.path.basename(f) for f in copied} >= {"00-start.ipynb", "07-analogies.ipynb"}
    assert sorted(os.listdir(tmp_path)) == ["ko"]
    mine = tmp_path / "ko" / "00-start.ipynb"
    mine.write_text("my own notes")
    (tmp_path / "ko" / "01-concurrency-vs-parallelism.ipynb").unlink()
    again = entrypoint.copy_lessons(str(prefix), str(tmp_path), ["ko"])
    assert [os.path.basename(f) for f in again] == ["01-concurrency-vs-parallelism.ipynb"], "only the missing one"
    assert mine.read_text() == "my own notes", "a learner's edit is kept"


def test_languages_named_in_order_or_all():
    assert entrypoint.chosen_langs("", ["en", "ko"]) == ["en", "ko"]
    assert entrypoint.chosen_langs("ko,en", ["en", "ko"]) == ["ko", "en"]
    with pytest.raises(SystemExit, match="no lessons in 'fr'"):
        entrypoint.chosen_langs("fr", ["en", "ko"])


def test_binders_command_becomes_jupyter_server_with_our_lab():
    cmd = entrypoint.notebook_to_server(
        ["--ip=0.0.0.0", "--port=8888", "--NotebookApp.token=t", "--NotebookApp.base_url=/user/x/"], "/lab/tree/en/00-start.ipynb"
    )
    assert cmd[1:3] == ["-m", "jupyter_server"]
    assert cmd[3:] == ["--ip=0.0.0.0", "--port=8888", "--ServerApp.token=t", "--ServerApp.base_url=/user/x/",
                       "--ServerApp.default_url=/lab/tree/en/00-start.ipynb"]
    kept = entrypoint.notebook_to_server(["--NotebookApp.default_url=/lab"], "/lab/tree/en/00-start.ipynb")
    assert kept[3:] == ["--ServerApp.default_url=/lab"]


def _run_entrypoint(prefix, home, tmp_path, **env):
    """The installed entrypoint with `jupyterhub-singleuser` replaced by a script that
    prints its environment."""
    fake = tmp_path / "fakebin"
    fake.mkdir(exist_ok=True)
    (fake / "jupyterhub-singleuser").write_text("#!/bin/sh\nexec env\n")
    (fake / "jupyterhub-singleuser").chmod(0o755)
    full = {**layout.env(str(prefix)), "HOME": str(home), "PATH": f"{fake}:/usr/bin:/bin", **env}
    out = subprocess.run([layout.paths(str(prefix))["entrypoint"], "jupyterhub-singleuser"], env=full,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def test_under_zero_to_jupyterhub_both_languages_and_the_english_start_page(prefix, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _run_entrypoint(prefix, home, tmp_path)
    assert sorted(os.listdir(home)) == ["en", "ko"]
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/en/00-start.ipynb"


def test_a_chosen_language_and_folder(prefix, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _run_entrypoint(prefix, home, tmp_path, GOKERNEL_LESSONS="ko", GOKERNEL_LESSONS_DIR="gokernel-lessons")
    assert os.listdir(home) == ["gokernel-lessons"]
    assert os.listdir(home / "gokernel-lessons") == ["ko"]
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/gokernel-lessons/ko/00-start.ipynb"


def test_a_default_url_from_the_hub_is_kept(prefix, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _run_entrypoint(prefix, home, tmp_path, JUPYTERHUB_DEFAULT_URL="/lab")
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab"


def test_the_install_is_readable_by_every_user(prefix):
    for root, dirs, files in os.walk(prefix):
        for d in dirs:
            assert os.stat(os.path.join(root, d)).st_mode & 0o005 == 0o005, os.path.join(root, d)
        for f in files:
            assert os.stat(os.path.join(root, f)).st_mode & 0o004, os.path.join(root, f)


# --- the spawner's choices --------------------------------------------------------------------


def spawner(**kw):
    from gokernel_workshop.spawner import WorkshopSpawner

    return WorkshopSpawner(user=types.SimpleNamespace(name="ada", id=7), **kw)


def test_one_language_no_form_two_languages_a_choice():
    assert spawner(langs=["ko"]).options_form == ""
    form = spawner(langs=["en", "ko"]).options_form
    assert '<option value="en" selected>English</option>' in form
    assert '<option value="ko">한국어</option>' in form


def test_the_language_from_the_form_the_query_or_the_api():
    s = spawner(langs=["en", "ko"])
    assert s.lang() == "en", "the host's first language by default"
    s.user_options = s.options_from_form({"lang": ["ko"]})
    assert s.lang() == "ko"
    s.user_options = s.options_from_query({"lang": ["en"]})
    assert s.lang() == "en"
    s.user_options = {"lang": "ko"}  # POST /hub/api/users/ada/server {"lang": "ko"}
    assert s.lang() == "ko"
    s.user_options = {"lang": "fr"}
    with pytest.raises(ValueError, match="no lessons in 'fr'"):
        s.lang()


def test_a_learner_runs_as_a_uid_of_their_own_that_no_account_has(tmp_path):
    s = spawner(workshop_dir=str(tmp_path), uid_base=launcher.UID_BASE)
    uid, gid, home, login = s.identity()
    assert (uid, gid) == (launcher.UID_BASE + 7, launcher.UID_BASE + 7)
    assert home == str(tmp_path / "learners" / "ada") and login == "ada"
    nobody = spawner(workshop_dir=str(tmp_path), uid_base=65534 - 7)
    with pytest.raises(ValueError, match="belongs to the account nobody"):
        nobody.identity()
    same = spawner(workshop_dir=str(tmp_path), uid_base=0)
    assert same.identity()[0] is None, "not root: the hub's own user"


# --- Zero to JupyterHub ----------------------------------------------------------------------


def k8s_bytes(q):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6, "G": 10**9}
    for u in sorted(units, key=len, reverse=True):
        if str(q).endswith(u):
            return int(float(str(q)[: -len(u)]) * units[u])
    return int(q)


def test_the_kubernetes_values_fit_the_image():
    values = yaml.safe_load((WORKSHOP / "z2jh-values.yaml").read_text())
    su = values["singleuser"]
    assert "cmd" not in su, "the image's CMD runs, through its ENTRYPOINT (which copies the lessons)"
    assert su["uid"] == 1000, "the image's user (Dockerfile: NB_UID)"
    limit = sizing.parse_size(su["extraEnv"]["GOKERNEL_MEMORY_LIMIT"])
    pod = k8s_bytes(su["memory"]["limit"])
    assert limit + sizing.SERVER_AND_KERNEL <= pod, "the interpreter stops before the pod is killed"
    langs = [p["kubespawner_override"]["environment"]["GOKERNEL_LESSONS"] for p in su["profileList"]]
    assert sorted(langs) == sorted(layout.LANGS)
    culling = su["extraFiles"]["kernel-culling"]
    assert culling["mountPath"] == "/etc/jupyter/jupyter_server_config.json"
    assert culling["data"]["MappingKernelManager"]["cull_idle_timeout"] > 0
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "dummy"
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "ENTRYPOINT" in dockerfile and 'CMD ["jupyterhub-singleuser"]' in dockerfile
    assert json.dumps(values)  # plain data
