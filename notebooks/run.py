#!/usr/bin/python3
"""Executes the lesson notebooks against the gokernel binary and saves them
with their outputs: `run.py [notebook ...]` (default: every notebook under
en/ and ko/). The binary is $GOKERNEL_BIN, or bin/gokernel of this checkout;
its kernelspec is installed into a temporary prefix for the run."""

import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lessons import KERNELSPEC, LANGUAGE_INFO  # noqa: E402

CELL_TIMEOUT = 60
TRIES = 3


def install_kernel(prefix):
    """Installs the kernelspec of $GOKERNEL_BIN into prefix and points Jupyter at it."""
    binary = os.environ.get("GOKERNEL_BIN") or str(HERE.parent / "bin" / "gokernel")
    subprocess.run([binary, "install", "--prefix", prefix], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")


def clean(nb):
    """Drops run-specific metadata: timings, and whatever the client added."""
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def spoiled(nb):
    """Why a run's outputs would show less than the lesson describes, or None: a
    goroutine was still finishing when its cell ended (the kernel says so), or, on a
    machine with several cores, other programs took the CPUs while it ran (the cells
    print how many CPUs were busy). The lesson says what to look for either way; the
    saved copy should show it."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "goroutine still running" in out.get("text", ""):
                # A goroutine's last steps after its last send raced the end of its cell.
                return f"cell {cell.id}: " + out["text"].strip().splitlines()[-1]
    if len(os.sched_getaffinity(0)) < 2:
        return None
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            for line in out.get("text", "").splitlines():
                busy = re.search(r"(?:CPUs busy|tables in use at once:) ([\d.]+)", line)
                procs = re.search(r"GOMAXPROCS\((\d+)\)|tables: (\d+)", line)
                speed = re.search(r"speedup: ([\d.]+)x", line)
                if speed and float(speed.group(1)) < 1.5 and "workers" not in line:
                    return line
                if not (busy and procs) or line.startswith("coroutine"):
                    continue
                many = int(procs.group(1) or procs.group(2)) > 1
                # "both sides"/"goroutines running at once" and "tables" lines show parallelism
                if many and float(busy.group(1)) < 1.5 and re.search(r"running at once|tables:", line):
                    return line
                if not many and "running at once" in line and float(busy.group(1)) < 0.8:
                    return line
    return None


def execute(path):
    """Runs the notebook at path top to bottom and returns it with outputs."""
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="gokernel",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return clean(nb)


def main(args):
    paths = [pathlib.Path(a).resolve() for a in args] or sorted(HERE.glob("[a-z][a-z]/*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="gokernel-nb-") as prefix:
        install_kernel(prefix)
        for path in paths:
            start = time.monotonic()
            nb = execute(path)
            for _ in range(TRIES - 1):
                why = spoiled(nb)
                if not why:
                    break
                print(f"{path.relative_to(HERE)}: {why.strip()}; running it again", flush=True)
                nb = execute(path)
            nbformat.validate(nb)
            nbformat.write(nb, str(path))
            print(f"{path.relative_to(HERE)}: {time.monotonic() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
