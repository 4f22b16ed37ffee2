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

from lessons import KERNELSPEC, LANGUAGE_INFO, cell_timeout  # noqa: E402

TRIES = 3


def install_kernel(prefix):
    """Installs the kernelspec of $GOKERNEL_BIN into prefix and points Jupyter at it."""
    binary = os.environ.get("GOKERNEL_BIN") or str(HERE.parent / "bin" / "gokernel")
    subprocess.run([binary, "install", "--prefix", prefix], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")


def clean(nb):
    """Drops run-specific metadata: timings, and whatever the client added; keeps tags."""
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for cell in nb.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = {"tags": tags} if tags else {}
    return nb


# Lines whose numbers show less than the lesson describes when other programs held the CPUs
# during the run: (pattern, the least its last number should be given the first, if any).
SHOWS = [
    # lesson 1: turns on one CPU keep it busy; two CPUs at once on more
    (r"GOMAXPROCS\((\d+)\): \S+, both goroutines running at once .*CPUs busy ([\d.]+)", lambda p: 1.5 if p > 1 else 0.8),
    (r"speedup: ([\d.]+)x$", lambda: 1.5),
    # lesson 2: three computations on one CPU keep it busy
    (r"three computations.*CPUs busy ([\d.]+)", lambda: 0.8),
    # lesson 5: a goroutine runs beside its caller; the spinner keeps the one CPU busy
    (r"^goroutine, GOMAXPROCS\((\d+)\).*CPUs busy ([\d.]+)", lambda p: 1.5 if p > 1 else 0),
    (r"GOMAXPROCS\(1\): main woke .*CPUs busy ([\d.]+)", lambda: 0.8),
    # lesson 6: four workers parse side by side on more than one CPU
    (r"workers: 4, GOMAXPROCS\((\d+)\).*CPUs busy ([\d.]+)", lambda p: 1.1 if p > 1 else 0),
    # lesson 7: a table each
    (r"tables: (\d+), .*tables in use at once: ([\d.]+)", lambda t: 1.5 if t > 1 else 0.8),
]


def spoiled(nb):
    """Why a run's outputs would show less than the lesson describes, or None: a
    goroutine was still finishing when its cell ended (the kernel says so), or, on a
    machine with several cores, other programs took the CPUs while it ran (the cells
    print how many CPUs were busy). The lesson says what to look for either way; the
    saved copy should show it."""
    several = len(os.sched_getaffinity(0)) >= 2
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    one = re.search(r"one computation: ([\d.]+)ms", text)
    three = re.search(r"three computations.*GOMAXPROCS\(1\): ([\d.]+)ms", text)
    if one and three and not 2.6 <= float(three.group(1)) / float(one.group(1)) <= 3.4:
        return f"three computations took {three.group(1)} ms, one {one.group(1)} ms"  # "about three times"
    law = re.search(r"Amdahl's law for 8 workers: .* = ([\d.]+)x", text)
    got = re.search(r"8 workers: \S+, speedup ([\d.]+)x", text)
    if law and got and not 0.8 <= float(got.group(1)) / float(law.group(1)) <= 1.25:
        return f"Amdahl predicted {law.group(1)}x, the run gave {got.group(1)}x"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            # Timelines on one time axis (lessons 1 and 5): the parallel run ends about half way.
            ratio = re.search(r"([\d.]+)× the wall time of the first", out.get("data", {}).get("text/plain", ""))
            if several and ratio and float(ratio.group(1)) > 0.7:
                return f"cell {cell.id}: the second timeline took {ratio.group(1)}× the time of the first"
            text = out.get("text", "")
            if "goroutine still running" in text:
                # A goroutine's last steps after its last send raced the end of its cell.
                return f"cell {cell.id}: " + text.strip().splitlines()[-1]
            for line in text.splitlines() if several else []:
                for pattern, least in SHOWS:
                    m = re.search(pattern, line)
                    if m and float(m.groups()[-1]) < least(*(int(g) for g in m.groups()[:-1])):
                        return line
    return None


def execute(path):
    """Runs the notebook at path top to bottom and returns it with outputs."""
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout_func=cell_timeout, kernel_name="gokernel",
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
