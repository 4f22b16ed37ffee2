"""The installed application: one prefix, the same for `make workshop` and for the image.

    PREFIX/bin/gokernel                        the kernel
    PREFIX/bin/gokernel-entrypoint             starts a learner's server (entrypoint.py)
    PREFIX/share/jupyter/kernels/gokernel/     its kernelspec, from `gokernel install --prefix`
    PREFIX/share/gokernel/lab/                 the JupyterLab build (lab/build)
    PREFIX/share/gokernel/lessons/{en,ko}/     the lessons, as the repository has them
    PREFIX/lib/gokernel/python/                gokernel_lab and this package
    PREFIX/etc/jupyter/jupyter_server_config.d/gokernel.json
                                               loads gokernel_lab into jupyter_server

`env(prefix)` is what a server started from the prefix needs in its environment; the
Dockerfile's ENV lines say the same for /opt/gokernel (a test compares them).
"""

import json
import os
import shutil
import subprocess
import sys

LANGS = ("en", "ko")

# The page a learner's server opens first, in the lessons folder of their language.
START_PAGE = "00-start.ipynb"


def paths(prefix):
    prefix = os.path.abspath(prefix)
    return {
        "prefix": prefix,
        "bin": os.path.join(prefix, "bin"),
        "gokernel": os.path.join(prefix, "bin", "gokernel"),
        "entrypoint": os.path.join(prefix, "bin", "gokernel-entrypoint"),
        "jupyter_path": os.path.join(prefix, "share", "jupyter"),
        "lab_build": os.path.join(prefix, "share", "gokernel", "lab"),
        "lessons": os.path.join(prefix, "share", "gokernel", "lessons"),
        "python": os.path.join(prefix, "lib", "gokernel", "python"),
        "config": os.path.join(prefix, "etc", "jupyter"),
    }


def env(prefix):
    """The environment a single-user server started from prefix needs (PATH aside: put
    paths(prefix)["bin"] first on it)."""
    p = paths(prefix)
    return {
        "JUPYTER_PATH": p["jupyter_path"],
        "JUPYTER_CONFIG_PATH": p["config"],
        "PYTHONPATH": p["python"],
        # jupyterhub-singleuser 3.0 would pick jupyter_server anyway; saying so keeps it
        # from trying JupyterLab's own labhub app or Notebook 6.
        "JUPYTERHUB_SINGLEUSER_APP": "jupyter_server.serverapp.ServerApp",
        "GOKERNEL_LAB_BUILD": p["lab_build"],
        "GOKERNEL_PREFIX": p["prefix"],
    }


def lessons_in(prefix):
    """The languages whose lessons are installed in prefix."""
    d = paths(prefix)["lessons"]
    return [lang for lang in LANGS if os.path.isdir(os.path.join(d, lang))]


def _copytree(src, dst):
    shutil.copytree(
        src,
        dst,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )


def _readable(top):
    """Everything under top readable (and directories searchable) by every user: learners'
    servers run under uids of their own and must read the application."""
    if os.path.isfile(top):
        os.chmod(top, 0o755 if os.stat(top).st_mode & 0o100 else 0o644)
        return
    for root, dirs, files in os.walk(top):
        os.chmod(root, 0o755)
        for f in files:
            path = os.path.join(root, f)
            mode = os.stat(path).st_mode
            os.chmod(path, 0o755 if mode & 0o100 else 0o644)


def install(prefix, repo, gokernel_bin=None, lab_build=None):
    """Installs the kernel, JupyterLab and the lessons from the repository checkout repo
    into prefix (what `make workshop-install` and the image's build do). The kernel
    binary and the JupyterLab build must exist already (`make build lab`)."""
    old = os.umask(0o022)
    try:
        return _install(prefix, repo, gokernel_bin, lab_build)
    finally:
        os.umask(old)


def _install(prefix, repo, gokernel_bin, lab_build):
    p = paths(prefix)
    repo = os.path.abspath(repo)
    gokernel_bin = os.path.abspath(gokernel_bin or os.path.join(repo, "bin", "gokernel"))
    lab_build = os.path.abspath(lab_build or os.path.join(repo, "lab", "build"))
    for what, path in (("the kernel", gokernel_bin), ("JupyterLab", os.path.join(lab_build, "static", "bundle.js"))):
        if not os.path.exists(path):
            raise SystemExit(f"install: {what} is not built ({path} is missing): run `make build lab`")

    if not os.path.isdir(p["prefix"]):
        os.makedirs(p["prefix"])
        os.chmod(p["prefix"], 0o755)
    # What an earlier install left goes first, so nothing stale survives.
    for d in (os.path.join(p["prefix"], "share", "gokernel"), os.path.join(p["prefix"], "lib", "gokernel"),
              os.path.join(p["jupyter_path"], "kernels", "gokernel")):
        shutil.rmtree(d, ignore_errors=True)
    for d in (p["bin"], os.path.dirname(p["lab_build"]), os.path.dirname(p["python"]), p["config"]):
        os.makedirs(d, exist_ok=True)

    tmp = p["gokernel"] + ".new"
    shutil.copyfile(gokernel_bin, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, p["gokernel"])  # a running kernel keeps its old file
    out = subprocess.run([p["gokernel"], "install", "--prefix", p["prefix"]], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"install: {p['gokernel']} install --prefix {p['prefix']} failed:\n{out.stdout}{out.stderr}")

    _copytree(lab_build, p["lab_build"])
    _copytree(os.path.join(repo, "lab", "gokernel_lab"), os.path.join(p["python"], "gokernel_lab"))
    _copytree(os.path.dirname(os.path.abspath(__file__)), os.path.join(p["python"], "gokernel_workshop"))
    for lang in LANGS:
        _copytree(os.path.join(repo, "notebooks", lang), os.path.join(p["lessons"], lang))

    with open(p["entrypoint"], "w", encoding="utf-8") as f:
        f.write(
            f"#!{sys.executable}\n"
            "# Starts a learner's server: the lessons into $HOME, then the command given.\n"
            "import sys\n"
            f"sys.path.insert(0, {p['python']!r})\n"
            "from gokernel_workshop.entrypoint import main\n"
            "sys.exit(main())\n"
        )
    os.chmod(p["entrypoint"], 0o755)

    confd = os.path.join(p["config"], "jupyter_server_config.d")
    os.makedirs(confd, exist_ok=True)
    with open(os.path.join(confd, "gokernel.json"), "w", encoding="utf-8") as f:
        json.dump({"ServerApp": {"jpserver_extensions": {"gokernel_lab": True}}}, f, indent=2)
        f.write("\n")
    # Only what this install wrote: the prefix may be /usr/local.
    for path in (p["gokernel"], p["entrypoint"], os.path.dirname(p["lab_build"]), os.path.dirname(p["python"]),
                 os.path.join(p["jupyter_path"], "kernels", "gokernel"), os.path.join(confd, "gokernel.json")):
        _readable(path)
    return p
