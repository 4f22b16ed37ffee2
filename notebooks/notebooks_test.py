"""Tests of the lesson notebooks: they are valid, the two languages have the
same code, the saved copies carry outputs, and run against the real kernel
($GOKERNEL_BIN, installed into a temporary prefix) they execute without an
error and show what their text claims."""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
STEMS = [
    "00-start",
    "01-concurrency-vs-parallelism",
    "02-sync-vs-async",
    "03-blocking-vs-nonblocking",
    "04-thread-vs-process",
    "05-coroutine",
    "06-how-they-relate",
    "07-analogies",
]
LANGS = ["en", "ko"]
ALL = [(lang, stem) for lang in LANGS for stem in STEMS]
CORES = os.cpu_count() or 1


def path(lang, stem):
    return HERE / lang / f"{stem}.ipynb"


def read(lang, stem):
    return nbformat.read(str(path(lang, stem)), as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def text_of(cell):
    """A cell's output as text: streams, text/plain of results, errors."""
    parts = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}\n")
        else:
            parts.append(o.get("data", {}).get("text/plain", "") + "\n")
    return "".join(parts)


def all_text(nb):
    return "".join(text_of(c) for c in code_cells(nb))


def prints(src):
    """Whether a cell shows something: it prints at its top level, or ends in an expression."""
    lines = src.rstrip().split("\n")
    if any(l.startswith("fmt.Print") for l in lines):
        return True
    return not re.match(r"[})]|(func|import|type|var|const)\b|\S+ :?= ", lines[-1])


def number(pattern, text):
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in output:\n{text}"
    return float(m.group(1))


# ------------------------------------------------------------ static checks

@pytest.mark.parametrize("lang,stem", ALL)
def test_valid_nbformat(lang, stem):
    nb = read(lang, stem)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    nbformat.validate(nb)
    assert all(c.get("id") for c in nb.cells)
    assert nb.metadata["kernelspec"] == {"name": "gokernel", "display_name": "Go (yaegi)", "language": "go"}
    assert nb.metadata["language_info"]["name"] == "go"
    raw = path(lang, stem).read_text()
    for leak in ("/work/", "/home/", "/tmp/", '"execution"', "iopub."):
        assert leak not in raw, f"{leak} in {lang}/{stem}"


@pytest.mark.parametrize("stem", STEMS)
def test_same_code_in_both_languages(stem):
    en = [c.source for c in code_cells(read("en", stem))]
    ko = [c.source for c in code_cells(read("ko", stem))]
    assert en == ko


@pytest.mark.parametrize("lang,stem", ALL)
def test_saved_with_outputs(lang, stem):
    nb = read(lang, stem)
    for c in code_cells(nb):
        assert not any(o.output_type == "error" for o in c.outputs), c.source
        if prints(c.source):
            assert c.outputs, f"no saved output for cell {c.id} of {lang}/{stem}"
            assert c.execution_count, c.id


def test_generator_matches_files():
    """The notebooks are built from source/: the saved sources agree with it."""
    sys.path.insert(0, str(HERE))
    import lessons
    for (lang, stem), (_, nb) in lessons.build(render=False).items():
        saved = read(lang, stem)
        assert [c.source for c in nb.cells] == [c.source for c in saved.cells], f"{lang}/{stem}"


def test_start_page_links_every_lesson():
    for lang in LANGS:
        src = "".join(c.source for c in read(lang, "00-start").cells if c.cell_type == "markdown")
        for stem in STEMS[1:]:
            assert f"({stem}.ipynb)" in src, (lang, stem)


# ------------------------------------------------------------ execution

def _binary():
    p = os.environ.get("GOKERNEL_BIN")
    if p:
        return p
    out = pathlib.Path(tempfile.mkdtemp()) / "gokernel"
    subprocess.run(["go", "build", "-o", str(out), "./cmd/gokernel"], cwd=ROOT, check=True)
    return str(out)


@pytest.fixture(scope="session")
def kernelspec():
    with tempfile.TemporaryDirectory(prefix="gokernel-nb-") as d:
        subprocess.run([_binary(), "install", "--prefix", d], check=True, capture_output=True)
        os.environ["JUPYTER_PATH"] = os.path.join(d, "share", "jupyter")
        yield d


_runs = {}


def execute(lang, stem, again=False):
    """Runs a notebook top to bottom (once per session unless again) and returns it."""
    key = (lang, stem)
    if again or key not in _runs:
        nb = read(lang, stem)
        for c in code_cells(nb):
            c.outputs = []
        NotebookClient(nb, timeout=60, kernel_name="gokernel",
                       resources={"metadata": {"path": str(HERE / lang)}}).execute()
        _runs[key] = nb
    return _runs[key]


@pytest.mark.parametrize("lang,stem", ALL)
def test_executes_without_error(kernelspec, lang, stem):
    nb = execute(lang, stem)
    for c in code_cells(nb):
        errors = [o for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{c.id}: {errors[0].ename}: {errors[0].evalue}"
        if prints(c.source):
            assert c.outputs, c.id


def test_01_interleaves_on_one_cpu_and_speeds_up_on_more(kernelspec):
    # Parallel speedup needs idle cores: a busy machine can spoil one run, so
    # up to three runs get a chance.
    tries = []
    for attempt in range(3):
        out = all_text(execute("en", "01-concurrency-vs-parallelism", again=attempt > 0))
        one = number(r"GOMAXPROCS\(1\): both goroutines running at once (\d+)%", out)
        many = number(r"GOMAXPROCS\(NumCPU\): both goroutines running at once (\d+)%", out)
        speedup = number(r"speedup: ([\d.]+)x", out)
        assert one <= 20, out  # taking turns, up to a busy machine's noise
        assert number(r"cores: (\d+)", out) == CORES
        tries.append((many, speedup))
        if CORES == 1 or (speedup > 1.2 and many > one):
            return
    load = os.getloadavg()[0]
    if load >= CORES - 0.5:
        # Parallelism needs idle cores; other programs are using them.
        pytest.skip(f"machine busy (load {load:.1f} on {CORES} cores): no speedup to measure {tries}")
    pytest.fail(f"no parallel speedup on {CORES} cores in 3 runs: (overlap %, speedup) {tries}")


def test_02_async_overlaps_even_on_one_cpu(kernelspec):
    out = all_text(execute("en", "02-sync-vs-async"))
    ms = lambda s: float(s[:-2]) if s.endswith("ms") else float(s[:-1]) * 1000
    seq = ms(re.search(r"synchronous total: (\S+)", out).group(1))
    asy = ms(re.search(r"\nasynchronous total: (\S+)", out).group(1))
    one = ms(re.search(r"asynchronous on GOMAXPROCS\(1\): (\S+)", out).group(1))
    assert seq >= 590
    assert asy < 450 and one < 450
    assert out.index("prices ready", out.index("synchronous total")) < out.index("users ready", out.index("synchronous total"))
    # Computing does not overlap on one CPU: near 3 (three times one), where two CPUs give
    # about 1.5; a loaded machine squeezes it, so the line is drawn between the two.
    assert number(r"ratio: ([\d.]+)", out) > 2.0


def test_03_blocking_timeout_cancel_and_the_four_squares(kernelspec):
    out = all_text(execute("en", "03-blocking-vs-nonblocking"))
    assert re.search(r"checked the mailbox \d+ times", out)
    assert "gave up after 100ms" in out and "the late parcel still arrives: parcel" in out
    assert out.count("context canceled") == 2
    for square in ("1 sync + blocking: got 49", "2 sync + non-blocking: TryLock while held says false",
                   "TryLock when free says true", "3 async + blocking: got 64",
                   "4 async + non-blocking: callback got 81"):
        assert square in out
    assert out.index("caller doing its own work 3") < out.index("callback got 81")


def test_04_lost_updates_fixes_and_processes(kernelspec):
    out = all_text(execute("en", "04-thread-vs-process"))
    expected = number(r"expected: (\d+)", out)
    assert number(r"without a lock: (\d+)", out) < expected
    assert number(r"with a mutex: (\d+)", out) == expected
    assert number(r"with atomic.Int64: (\d+)", out) == expected
    me = number(r"this program's PID: (\d+)", out)
    assert number(r"child PID: (\d+)", out) != me
    assert number(r"its parent: (\d+)", out) == me
    assert "secret in the child: []" in out
    assert re.search(r"CHILD \d+ HEARD: HELLO FROM PROCESS %d" % me, out)
    assert number(r"now: (\d+)", out) >= 10000
    threads = number(r"OS threads in this process: (-?\d+)", out)
    assert threads == -1 or 0 < threads < 200


def test_05_coroutine_takes_turns(kernelspec):
    nb = execute("en", "05-coroutine")
    out = all_text(nb)
    lines = [l.strip() for l in text_of(code_cells(nb)[1]).splitlines()]
    assert lines == ["caller: created the generator",
                     "generator: yield 3", "caller: got 3", "generator: resumed",
                     "generator: yield 2", "caller: got 2", "generator: resumed",
                     "generator: yield 1", "caller: got 1", "generator: resumed",
                     "generator: finished", "caller: done"]
    chan = text_of(code_cells(nb)[2])
    assert chan.index("goroutine: finished") < chan.index("caller: got 3")  # it ran ahead
    assert number(r"coroutine: both sides running at once (\d+)%", out) == 0
    assert number(r"main ticked (\d+) times", out) >= 3  # preempted without yielding


def test_06_pool_does_every_job(kernelspec):
    out = all_text(execute("en", "06-how-they-relate"))
    runs = re.findall(r"jobs done: (\d+), workers: (\d+), GOMAXPROCS\((\d+)\), time: (\S+), parses overlapping: (\d+)%", out)
    assert len(runs) == 3, out
    assert all(r[0] == "8" for r in runs)
    assert int(runs[1][4]) <= 20  # one CPU: parses take turns


def test_07_analogies(kernelspec):
    out = all_text(execute("en", "07-analogies"))
    for name in ("Ana3", "Ben3", "Cho3"):
        assert name in out
    assert "same kitchen reads: soup of the day: kimchi stew" in out
    assert "other building reads: []" in out
    assert out.index("onion in the pot") < out.index("chops the carrot")
