"""Starts a learner's server: the lessons into $HOME first, then the server.

    gokernel-entrypoint jupyterhub-singleuser [options]   under JupyterHub (the workshop,
                                                          Zero to JupyterHub)
    gokernel-entrypoint jupyter-notebook [options]        Binder's launch command: runs our
                                                          JupyterLab on jupyter_server instead
                                                          of Notebook 6, its --NotebookApp.*
                                                          options given to ServerApp
    gokernel-entrypoint COMMAND...                        anything else, as it is

Environment:
    GOKERNEL_PREFIX       where the application is installed (layout.py); the default is the
                          prefix this file is installed in
    GOKERNEL_LESSONS      the languages to copy: en, ko or en,ko (default: every installed one);
                          the first is the one the server opens
    GOKERNEL_LESSONS_DIR  the folder under $HOME that gets them (default: $HOME itself)

Only files that aren't there yet are copied: a lesson a learner edited is never
overwritten, and a lesson added to the image later appears at the next start. The server
opens the first language's start page unless JupyterHub or the command line names a
default URL already.
"""

import os
import shutil
import sys

from . import layout


def copy_lessons(prefix, home, langs, subdir=""):
    """Copies the lessons of langs into home/subdir/<lang>/, missing files only; returns
    the files copied."""
    src_root = layout.paths(prefix)["lessons"]
    copied = []
    for lang in langs:
        src = os.path.join(src_root, lang)
        dst = os.path.join(home, subdir, lang)
        for root, dirs, files in os.walk(src):
            dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
            rel = os.path.relpath(root, src)
            target = os.path.normpath(os.path.join(dst, rel))
            os.makedirs(target, exist_ok=True)
            for f in sorted(files):
                to = os.path.join(target, f)
                if not os.path.lexists(to):
                    shutil.copyfile(os.path.join(root, f), to)
                    copied.append(to)
    return copied


def chosen_langs(value, installed):
    """The languages GOKERNEL_LESSONS names, in its order, or every installed one."""
    if not value:
        return list(installed)
    langs = []
    for lang in value.replace(" ", "").split(","):
        if lang not in installed:
            raise SystemExit(
                f"gokernel-entrypoint: GOKERNEL_LESSONS={value!r}: no lessons in {lang!r} "
                f"(installed: {', '.join(installed)})"
            )
        if lang not in langs:
            langs.append(lang)
    return langs


def start_url(langs, subdir=""):
    path = "/".join(p for p in (subdir.strip("/"), langs[0], layout.START_PAGE) if p)
    return f"/lab/tree/{path}"


def notebook_to_server(args, default_url):
    """Binder's `jupyter-notebook` command line, for jupyter_server with our JupyterLab."""
    out = [sys.executable, "-m", "jupyter_server"]
    named_url = False
    for a in args:
        if a.startswith("--NotebookApp."):
            a = "--ServerApp." + a[len("--NotebookApp."):]
        if a.startswith("--ServerApp.default_url"):
            named_url = True
        out.append(a)
    if not named_url:
        out.append(f"--ServerApp.default_url={default_url}")
    return out


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = os.environ.get("GOKERNEL_PREFIX") or os.path.abspath(os.path.join(here, "..", "..", "..", ".."))
    installed = layout.lessons_in(prefix)
    if not installed:
        raise SystemExit(f"gokernel-entrypoint: no lessons under {layout.paths(prefix)['lessons']} (GOKERNEL_PREFIX)")
    langs = chosen_langs(os.environ.get("GOKERNEL_LESSONS", ""), installed)
    subdir = os.environ.get("GOKERNEL_LESSONS_DIR", "").strip("/")
    home = os.path.expanduser("~")
    try:
        copy_lessons(prefix, home, langs, subdir)
    except OSError as e:
        raise SystemExit(f"gokernel-entrypoint: could not copy the lessons into {home}: {e}")
    url = start_url(langs, subdir)

    cmd = argv
    if cmd[0] == "jupyter-notebook" or cmd[:2] == ["jupyter", "notebook"]:
        cmd = notebook_to_server(cmd[1:] if cmd[0] == "jupyter-notebook" else cmd[2:], url)
    elif os.path.basename(cmd[0]) == "jupyterhub-singleuser":
        os.environ.setdefault("JUPYTERHUB_DEFAULT_URL", url)
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        raise SystemExit(f"gokernel-entrypoint: cannot run {cmd[0]}: {e}")
