"""Tests of the lesson notebooks.

Static: the notebooks are valid nbformat 4.5 with clean metadata, built from their sources
(source/LANG/STEM.md) with the same cells and code in both languages, gofmt-clean code, Markdown
that renders without stray emphasis markers, pictures attached as PNGs; the builder refuses to
overwrite a notebook edited in Jupyter.

Run: every notebook in both languages is executed against the real kernel ($GOKERNEL_BIN,
installed into a temporary prefix) with nbclient, and what each lesson claims is checked on the
outputs of both runs. A claim that needs idle cores is checked against what the cell itself
measured: the CPU time the kernel's process used over the wall time ("CPUs busy"), so a machine
busy with other programs weakens what can be seen, never the check.
"""

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import lessons  # noqa: E402

STEMS = lessons.stems()
LANGS = list(lessons.LANGS)
ALL = [(lang, stem) for lang in LANGS for stem in STEMS]
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


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


def number(pattern, text):
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in output:\n{text}"
    return float(m.group(1))


def ms(s):
    """A Go duration as printed (850ms, 1.2s, 9.3µs) in milliseconds."""
    m = re.fullmatch(r"([\d.]+)(ns|µs|us|ms|s)", s)
    assert m, s
    return float(m.group(1)) * {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1, "s": 1000}[m.group(2)]


def duration(pattern, text):
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in output:\n{text}"
    return ms(m.group(1))


def fails_on_purpose(cell):
    """Whether a code cell ends in an error on purpose (tagged raises-exception: Run All goes on)."""
    return "raises-exception" in cell.metadata.get("tags", [])


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def picture(cell):
    """The bundle of the one picture a cell shows (a timeline): SVG, the PNG beside it, text."""
    bundles = [o.data for o in cell.outputs
               if o.output_type in ("execute_result", "display_data") and "image/svg+xml" in o.data]
    assert len(bundles) == 1, f"cell {cell.id}: {len(bundles)} pictures"
    b = bundles[0]
    assert base64.b64decode(b["image/png"])[:8] == PNG_MAGIC, f"cell {cell.id}: no PNG beside the SVG"
    return b


def arrows(bundle):
    """The messages a timeline's SVG draws as arrows: (from, to, sent ms, received ms), by send."""
    found = re.findall(r'<g class="message" data-from="([^"]*)" data-to="([^"]*)" '
                       r'data-sent-ms="([\d.]+)" data-received-ms="([\d.]+)"', bundle["image/svg+xml"])
    return sorted(((f, t, float(s), float(r)) for f, t, s, r in found), key=lambda m: m[2])


def prints(src):
    """Whether a cell shows something: it prints at its top level, or ends in an expression."""
    lines = src.rstrip().split("\n")
    if any(l.startswith("fmt.Print") for l in lines):
        return True
    return not re.match(r"[})]|(func|import|type|var|const)\b|\S+ :?= |(defer|go) ", lines[-1])


# ------------------------------------------------------------ the notebooks as files

@pytest.mark.parametrize("lang,stem", ALL)
def test_valid_nbformat_with_clean_metadata(lang, stem):
    nb = read(lang, stem)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    nbformat.validate(nb)
    assert nb.metadata == {"kernelspec": {"name": "gokernel", "display_name": "Go (yaegi)", "language": "go"},
                           "language_info": lessons.LANGUAGE_INFO}
    assert nb.metadata["language_info"]["codemirror_mode"] == "go"
    for c in nb.cells:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", c.id), c.id
        assert c.metadata == {} or (c.cell_type == "code" and c.metadata == {"tags": ["raises-exception"]}), \
            (c.id, c.metadata)
    raw = path(lang, stem).read_text()
    for leak in ("/work/", "/home/", "/tmp/", '"execution"', "iopub."):
        assert leak not in raw, f"{leak} in {lang}/{stem}"


@pytest.mark.parametrize("stem", STEMS)
def test_same_cells_and_code_in_both_languages(stem):
    en, ko = read("en", stem), read("ko", stem)
    assert [(c.id, c.cell_type) for c in en.cells] == [(c.id, c.cell_type) for c in ko.cells]
    assert [c.source for c in code_cells(en)] == [c.source for c in code_cells(ko)]
    # and the Korean prose is Korean
    ko_text = "".join(c.source for c in ko.cells if c.cell_type == "markdown")
    assert len(HANGUL.findall(ko_text)) > 200


@pytest.mark.parametrize("lang,stem", ALL)
def test_saved_with_outputs(lang, stem):
    for c in code_cells(read(lang, stem)):
        if fails_on_purpose(c):
            assert len(errors(c)) == 1, f"cell {c.id} of {lang}/{stem} is tagged to fail, and its saved run didn't"
        else:
            assert not errors(c), c.source
        for o in c.outputs:  # a picture survives an untrusted notebook: a PNG beside each SVG
            if "image/svg+xml" in o.get("data", {}):
                assert base64.b64decode(o.data.get("image/png", ""))[:8] == PNG_MAGIC, (lang, stem, c.id)
        if prints(c.source):
            assert c.outputs, f"no saved output for cell {c.id} of {lang}/{stem}"
            assert c.execution_count, c.id
        assert "goroutine still running" not in text_of(c), (lang, stem, c.id)


def test_notebooks_are_built_from_their_sources():
    """The saved notebooks say what source/ says, and carry the current pictures."""
    built = lessons.build()
    assert {f"{lang}/{stem}" for lang, stem in built} == {f"{lang}/{stem}" for lang, stem in ALL}
    for (lang, stem), (_, nb) in built.items():
        saved = read(lang, stem)
        assert [(c.id, c.cell_type, c.source, c.metadata) for c in nb.cells] == \
               [(c.id, c.cell_type, c.source, c.metadata) for c in saved.cells], f"{lang}/{stem}: run notebooks/lessons.py"
        for new, old in zip(nb.cells, saved.cells):
            assert new.get("attachments") == old.get("attachments"), \
                f"{lang}/{stem} cell {new.id}: its picture changed; run notebooks/lessons.py"


def test_pictures_are_pngs_of_their_language():
    seen = 0
    for lang, stem in ALL:
        for cell in read(lang, stem).cells:
            for name, bundle in cell.get("attachments", {}).items():
                png = base64.b64decode(bundle["image/png"])
                assert png[:8] == PNG_MAGIC, (lang, stem, name)
                assert f"(attachment:{name})" in cell.source
                svg = (HERE / "pictures" / lang / name).with_suffix(".svg").read_text()
                assert bool(HANGUL.search(svg)) == (lang == "ko"), f"{lang}/{name}: labels in the wrong language"
                seen += 1
    assert seen >= 12, "the start page, lessons 3, 4 and 7 have pictures in both languages"


def test_code_cells_are_gofmt_clean():
    sources = sorted(str(p) for p in (HERE / "source").glob("*/*.md"))
    r = subprocess.run(["go", "run", "./notebooks/cellfmt", *sources], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _markdown_check(notebooks):
    return subprocess.run(["node", str(HERE / "markdown" / "check.mjs"), *map(str, notebooks)],
                          capture_output=True, text=True)


def test_markdown_renders_without_literal_emphasis():
    """JupyterLab renders Markdown with marked: no ** or __ may be left in the rendered text."""
    r = _markdown_check([path(lang, stem) for lang, stem in ALL])
    assert r.returncode == 0, r.stdout + r.stderr


def test_markdown_check_finds_unclosed_bold(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("**동시성(concurrency)**은 구조입니다.", id="bad"),
                nbformat.v4.new_markdown_cell("**동시성**(concurrency)은 구조입니다. `**` in code is fine.", id="good")]
    f = tmp_path / "t.ipynb"
    nbformat.write(nb, str(f))
    r = _markdown_check([f])
    assert r.returncode == 1
    assert "cell bad" in r.stdout and "cell good" not in r.stdout, r.stdout


def test_start_page_links_every_lesson():
    for lang in LANGS:
        src = "".join(c.source for c in read(lang, "00-start").cells if c.cell_type == "markdown")
        for stem in STEMS[1:]:
            assert f"({stem}.ipynb)" in src, (lang, stem)


# ------------------------------------------------------------ the builder

@pytest.fixture
def workspace(tmp_path):
    """A copy of notebooks/ to run lessons.py in."""
    ws = tmp_path / "notebooks"
    ws.mkdir()
    for name in ("lessons.py", "generated.json"):
        shutil.copy(HERE / name, ws / name)
    for name in ("source", "pictures", "en", "ko"):
        shutil.copytree(HERE / name, ws / name)
    return ws


def builder(ws, *args):
    return subprocess.run([sys.executable, str(ws / "lessons.py"), *args], capture_output=True, text=True)


def edit_in_jupyter(ws, lang, stem, cell_id, old, new):
    p = ws / lang / f"{stem}.ipynb"
    nb = nbformat.read(str(p), as_version=4)
    cell = next(c for c in nb.cells if c.id == cell_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, str(p))


def test_builder_refuses_to_overwrite_edits_made_in_jupyter(workspace):
    edit_in_jupyter(workspace, "en", "03-blocking-vs-nonblocking", "03-timeout", "100*time.Millisecond", "120*time.Millisecond")
    edit_in_jupyter(workspace, "ko", "05-coroutine", "05-title", "# 코루틴", "# 코루틴 이야기")
    r = builder(workspace, "03-blocking-vs-nonblocking", "05-coroutine")
    assert r.returncode == 1
    assert "en/03-blocking-vs-nonblocking.ipynb: edited in Jupyter" in r.stderr
    assert "03-timeout (code) edited" in r.stderr and "+fmt.Println(receiveWithin(parcel(50*time.Millisecond), 120" in r.stderr
    assert "ko/05-coroutine.ipynb" in r.stderr and "05-title (markdown) edited" in r.stderr
    assert "--pull" in r.stderr and "--force" in r.stderr
    # nothing was written
    nb = nbformat.read(str(workspace / "en" / "03-blocking-vs-nonblocking.ipynb"), as_version=4)
    assert "120*time.Millisecond" in next(c for c in nb.cells if c.id == "03-timeout").source


def test_builder_pull_carries_edits_back(workspace):
    edit_in_jupyter(workspace, "en", "03-blocking-vs-nonblocking", "03-timeout", "100*time.Millisecond", "120*time.Millisecond")
    edit_in_jupyter(workspace, "ko", "05-coroutine", "05-title", "# 코루틴", "# 코루틴 이야기")
    r = builder(workspace, "--pull")
    assert r.returncode == 0, r.stderr
    for lang in LANGS:  # a code cell is the same in both languages
        assert "120*time.Millisecond" in (workspace / "source" / lang / "03-blocking-vs-nonblocking.md").read_text()
    assert "# 코루틴 이야기" in (workspace / "source" / "ko" / "05-coroutine.md").read_text()
    assert "# 코루틴 이야기" not in (workspace / "source" / "en" / "05-coroutine.md").read_text()
    assert builder(workspace).returncode == 0  # and now all agree


def test_builder_force_drops_edits(workspace):
    edit_in_jupyter(workspace, "en", "01-concurrency-vs-parallelism", "01-one", "twoGoroutines(1)", "twoGoroutines(3)")
    r = builder(workspace, "--force")
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(str(workspace / "en" / "01-concurrency-vs-parallelism.ipynb"), as_version=4)
    assert next(c for c in nb.cells if c.id == "01-one").source == "twoGoroutines(1)"


def test_builder_writes_tags_and_refuses_unknown_ones(workspace):
    nb = nbformat.read(str(workspace / "en" / "04-thread-vs-process.ipynb"), as_version=4)
    assert next(c for c in nb.cells if c.id == "04-race").metadata == {"tags": ["raises-exception"]}
    p = workspace / "source" / "ko" / "04-thread-vs-process.md"
    p.write_text(p.read_text().replace("cell=04-race tags=raises-exception", "cell=04-race tags=raises-exeption"))
    r = builder(workspace)
    assert r.returncode == 1
    assert "04-thread-vs-process.md:" in r.stderr and "unknown tag 'raises-exeption'" in r.stderr, r.stderr
    p.write_text(p.read_text().replace("cell=04-race tags=raises-exeption", "cell=04-race"))
    r = builder(workspace)
    assert r.returncode == 1
    assert "04-thread-vs-process: the English and Korean sources have different cells" in r.stderr, r.stderr


def test_builder_reports_code_that_differs_between_languages(workspace):
    p = workspace / "source" / "ko" / "02-sync-vs-async.md"
    p.write_text(p.read_text().replace('{"users", 300 * time.Millisecond}', '{"users", 310 * time.Millisecond}'))
    r = builder(workspace)
    assert r.returncode == 1
    assert "02-sync-vs-async: code cell 02-setup differs between en" in r.stderr


# ------------------------------------------------------------ running them

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


def run(lang, stem):
    """Runs a notebook top to bottom, once per session, and returns {cell id: output text}."""
    key = (lang, stem)
    if key not in _runs:
        nb = read(lang, stem)
        for c in code_cells(nb):
            c.outputs = []
        # A compiled cell may take minutes the first time on a fresh machine (lessons.cell_timeout).
        NotebookClient(nb, timeout_func=lessons.cell_timeout, kernel_name="gokernel",
                       resources={"metadata": {"path": str(HERE / lang)}}).execute()
        _runs[key] = nb
    return {c.id: text_of(c) for c in code_cells(_runs[key])}


def cell(lang, stem, cell_id):
    """A code cell of the notebook as run(lang, stem) ran it, with its outputs."""
    return next(c for c in code_cells(_runs[(lang, stem)]) if c.id == cell_id)


@pytest.mark.parametrize("lang,stem", ALL)
def test_executes_without_error(kernelspec, lang, stem):
    run(lang, stem)
    for c in code_cells(_runs[(lang, stem)]):
        errs = errors(c)
        if fails_on_purpose(c):  # and the cells after it ran (nbclient goes on past it, as Run All does)
            assert len(errs) == 1, f"{c.id} is tagged raises-exception, and it ended with {len(errs)} errors"
        else:
            assert not errs, f"{c.id}: {errs[0].ename}: {errs[0].evalue}"
        if prints(c.source):
            assert c.outputs, c.id


@pytest.mark.parametrize("lang", LANGS)
def test_00_gomaxprocs_is_what_we_may_use(kernelspec, lang):
    out = run(lang, "00-start")
    cores = number(r"CPU cores on this machine: (\d+)", out["00-hello"])
    procs = number(r"^(\d+)$", out["00-hello"].strip().split("\n")[-1])
    assert 1 <= procs <= cores
    assert number(r"(\d+)", out["00-reuse"]) == procs * 10
    assert out["00-interrupt"].strip() == "1 2 3 4 5 6 7 8 9 10 done"


@pytest.mark.parametrize("lang", LANGS)
def test_01_turns_on_one_cpu_parallel_on_more(kernelspec, lang):
    out = run(lang, "01-concurrency-vs-parallelism")
    procs = number(r"GOMAXPROCS: (\d+)", out["01-setup"])
    # One CPU: the goroutines take turns, and never more than one CPU works.
    one = out["01-one"]
    assert number(r"GOMAXPROCS\((\d+)\)", one) == 1
    assert number(r"CPUs busy ([\d.]+)", one) <= 1.25
    if number(r"CPUs busy ([\d.]+)", one) >= 0.8:
        # (with less, the OS held the thread mid-slice long enough for Go to preempt it there)
        assert number(r"running at once (\d+)%", one) <= 20
    # All CPUs, drawn on one time axis with a second one-CPU run: when two CPUs did work at
    # once, the goroutines ran side by side, and the run ended well before the one-CPU run.
    allc = out["01-all"]
    runs = re.findall(r"GOMAXPROCS\((\d+)\): (\S+), both goroutines running at once (\d+)% .*CPUs busy ([\d.]+)", allc)
    assert [int(r[0]) for r in runs] == [1, int(procs)], allc
    (_, t1, _, busy1), (_, tn, overlap_n, busy_n) = runs
    pic = picture(cell(lang, "01-concurrency-vs-parallelism", "01-all"))
    svg = pic["image/svg+xml"]
    assert svg.count('<g class="panel">') == 2 and svg.count('<g class="axis">') == 1, "two panels, one time axis"
    assert pic["text/plain"].startswith("2 timelines on one time axis"), pic["text/plain"]
    assert 'timeline "twoGoroutines(1)"' in pic["text/plain"] and f'timeline "twoGoroutines({int(procs)})"' in pic["text/plain"]
    ratio = number(r"([\d.]+)× the wall time of the first", pic["text/plain"])
    assert abs(ratio - ms(tn) / ms(t1)) < 0.15, (ratio, allc)  # the picture shows what the cells measured
    if float(busy_n) >= 1.5:
        assert int(overlap_n) >= 30, allc
    # One pair of runs: a run the machine slowed does more CPU work for the same job, so the
    # ratio is held to the CPUs busy of the pair, with room for a third more work either way.
    if float(busy_n) >= 1.7 * float(busy1):
        assert ratio <= 0.8, allc  # about half; seen on the shared axis
    # The speedup, the best run of each kind: the CPUs that worked at once set it.
    sp = out["01-speedup"]
    assert number(r"goroutines: (\d+), the best of 5 runs each", sp) == procs, sp
    one_busy = number(r"GOMAXPROCS\(1\): \S+, CPUs busy ([\d.]+)", sp)
    assert one_busy <= 1.25, sp
    many_busy = number(rf"GOMAXPROCS\({int(procs)}\): \S+, CPUs busy ([\d.]+)", sp)
    speedup = number(r"speedup: ([\d.]+)x", sp)
    assert abs(speedup - duration(r"GOMAXPROCS\(1\): (\S+),", sp) /
               duration(rf"GOMAXPROCS\({int(procs)}\): (\S+),", sp)) < 0.05, sp  # the ratio of the two printed
    assert speedup <= procs + 0.3, sp  # up to the number of CPUs
    if many_busy >= 1.5:
        assert speedup >= 1.3, sp
    assert speedup >= 0.6 * many_busy / max(one_busy, 1), sp  # the parallel CPU time went into the work
    # Compiled: the same work with the same func, many times faster; the same speedup.
    comp = out["01-compiled"]
    assert number(r"compiled, goroutines: (\d+), the best of 20 runs each", comp) == procs, comp
    compiled_one = duration(r"GOMAXPROCS\(1\): (\S+), CPUs busy", comp)
    interpreted_one = duration(r"GOMAXPROCS\(1\): (\S+), CPUs busy", sp)
    assert 20 * compiled_one < interpreted_one, (comp, sp)  # about a hundredfold on an idle machine
    # Its speedup is printed; runs of milliseconds wobble with the machine's load (even its
    # neighbours' on a shared host, which no CPUs-busy figure sees), so only its bound holds.
    assert number(r"speedup: ([\d.]+)x", comp) <= procs + 0.5, comp


@pytest.mark.parametrize("lang", LANGS)
def test_02_async_overlaps_waiting_even_on_one_cpu(kernelspec, lang):
    out = run(lang, "02-sync-vs-async")
    sync = out["02-sync"]
    assert duration(r"synchronous total: (\S+)", sync) >= 590
    assert sync.index("users ready") < sync.index("orders ready") < sync.index("prices ready")
    asyn = out["02-async"]
    assert duration(r"asynchronous total: (\S+)", asyn) < 450
    assert asyn.index("prices ready") < asyn.index("orders ready") < asyn.index("users ready")  # as they finish
    one = out["02-one-cpu"]
    assert duration(r"GOMAXPROCS\(1\): (\S+),", one) < 450
    assert number(r"CPUs busy ([\d.]+)", one) < 0.3  # waiting needs no CPU
    assert number(r"GOMAXPROCS\(1\): \S+, CPUs busy ([\d.]+)", out["02-compute"]) <= 1.25  # computing takes turns


@pytest.mark.parametrize("lang", LANGS)
def test_03_waiting_polling_timeout_cancel_and_the_four_squares(kernelspec, lang):
    out = run(lang, "03-blocking-vs-nonblocking")
    assert number(r"waiting ([\d.]+) ms", out["03-blocking"]) >= 190  # main waited for the parcel
    assert number(r"checked the mailbox (\d+) times", out["03-polling"]) >= 2
    t = out["03-timeout"]
    assert "got parcel" in t and "gave up after 100ms" in t and "the late parcel still arrives: parcel" in t
    assert out["03-cancel"].count("context canceled") == 2
    assert "1 sync + blocking: got 49" in out["03-square-1"]
    assert "TryLock while held says false" in out["03-square-2"] and "TryLock when free says true" in out["03-square-2"]
    assert "3 async + blocking: got 64" in out["03-square-3"]
    four = out["03-square-4"]
    assert four.index("caller doing its own work 3") < four.index("callback got 81")
    assert duration(r"callback got 81 after (\S+)", four) >= 90


@pytest.mark.parametrize("lang", LANGS)
def test_04_shared_memory_copies_pids_pipes_and_costs(kernelspec, lang):
    out = run(lang, "04-thread-vs-process")
    assert "main reads: changed by the goroutine" in out["04-share"]
    expected = number(r"expected: (\d+)", out["04-lost"])
    assert number(r"without a lock: (\d+)", out["04-lost"]) < expected
    assert number(r"GOMAXPROCS\(1\): 4 additions, counter: (\d+)", out["04-interleave"]) < 4
    for how in ("with a mutex", "with atomic.Int64", "by communicating"):
        assert number(how + r": (\d+)", out["04-fix"]) == expected
    # The race detector, on countUnsafely of the lost-update cell: its report names that
    # cell's read and write of counter, and the cell ends in the error it is tagged for.
    lost, race = (cell(lang, "04-thread-vs-process", i) for i in ("04-lost", "04-race"))
    report = out["04-race"]
    assert "WARNING: DATA RACE" in report, report
    errs = errors(race)
    assert len(errs) == 1 and errs[0].ename == "DataRace", errs
    assert re.fullmatch(r"the race detector found \d+ data races?", errs[0].evalue), errs[0].evalue
    lines = lost.source.split("\n")
    read_at = next(i for i, l in enumerate(lines, 1) if l.strip() == "v := counter")
    write_at = next(i for i, l in enumerate(lines, 1) if l.strip() == "counter = v + 1")
    accesses = re.findall(r"^(?:Previous )?(?:[Rr]ead|[Ww]rite) at \S+ by goroutine \d+:\n +\S+\n +cell\[(\d+)\]:(\d+) +(.*)$",
                          report, re.M)
    named = {(int(c), int(n), code.strip()) for c, n, code in accesses}
    want = {(lost.execution_count, read_at, "v := counter"), (lost.execution_count, write_at, "counter = v + 1")}
    assert want <= named <= want, (named, want, report)  # the learner's two lines, and only those
    fixed = out["04-race-fixed"]  # the same check on the three fixes: no report
    assert "DATA RACE" not in fixed and not errors(cell(lang, "04-thread-vs-process", "04-race-fixed")), fixed
    for how in ("with a mutex", "with atomic.Int64", "by communicating"):
        assert number(how + r": (\d+)", fixed) == expected
    child = out["04-child"]
    me = number(r"parent: my PID is (\d+)", child)
    assert number(r"child: my PID is (\d+)", child) != me
    assert number(r"my parent's is (\d+)", child) == me
    assert "child: LESSON_NOTE is 'set by the parent'" in child  # a copy of the environment
    assert "child: now LESSON_NOTE is 'changed by the child'" in child
    assert "parent: LESSON_NOTE is still 'set by the parent'" in child  # the copy, not ours
    pipe = re.search(r"child: my standard output is (pipe:\[\d+\])", child)
    assert pipe and f"parent: I read from {pipe.group(1)}" in child, child  # one pipe, two ends
    assert re.search(r"CHILD \d+ HEARD: HELLO FROM PROCESS %d" % me, out["04-pipes"])
    g = out["04-goroutines"]
    before, after = re.search(r"goroutines: (\d+) -> (\d+)", g).groups()
    assert int(after) - int(before) >= 10000
    tb, ta = map(int, re.search(r"OS threads: (-?\d+) -> (-?\d+)", g).groups())
    assert tb == -1 or ta - tb < 20, g  # many goroutines, few threads
    per_goroutine = number(r"memory per parked goroutine: ([\d.]+) KiB", g)
    assert 1 < per_goroutine < 64, g
    lk = out["04-locked"]
    tb, ta = map(int, re.search(r"OS threads: (-?\d+) -> (-?\d+)", lk).groups())
    if tb != -1:  # Linux
        assert ta >= 100 + 2, lk  # a thread each, besides main's and the runtime's monitor
        assert ta - tb >= 80, lk  # (a thread left idle before may be reused)
        assert number(r"after they end, OS threads: (\d+)", lk) <= tb + 10, lk  # their threads went too
        assert number(r"KiB, and ([\d.]+) MiB of address space", lk) >= 1, lk
    assert number(r"memory per locked goroutine: ([\d.]+) KiB", lk) > 2 * per_goroutine, (g, lk)
    assert duration(r"starting one goroutine: (\S+)", out["04-process-cost"]) < \
        duration(r"starting one process: +(\S+)", out["04-process-cost"])


@pytest.mark.parametrize("lang", LANGS)
def test_05_coroutine_takes_turns_goroutine_is_preempted(kernelspec, lang):
    out = run(lang, "05-coroutine")
    lines = [l.strip() for l in out["05-generator"].splitlines()]
    assert lines == ["caller: created the generator",
                     "generator: yield 3", "caller: got 3", "generator: resumed",
                     "generator: yield 2", "caller: got 2", "generator: resumed",
                     "generator: yield 1", "caller: got 1", "generator: resumed",
                     "generator: finished", "caller: done"]
    chan = out["05-channel"]
    assert chan.index("goroutine: finished") < chan.index("caller: got 3")  # it ran ahead
    # Three arrows from the goroutine to the caller: all sent before the first was taken,
    # which was after the caller's 10 ms sleep.
    pic = picture(cell(lang, "05-coroutine", "05-channel"))
    assert ", 3 messages" in pic["text/plain"].split("\n")[0], pic["text/plain"]
    passed = arrows(pic)
    assert [(f, t) for f, t, _, _ in passed] == [("goroutine", "caller")] * 3, passed
    assert max(sent for _, _, sent, _ in passed) < min(got for _, _, _, got in passed), passed
    assert min(got for _, _, _, got in passed) >= 10, passed
    # Ping-pong: the ball goes back and forth, one side running at a time.
    pp = out["05-ping-pong"]
    assert number(r"running at once (\d+)%", pp) == 0, pp
    assert number(r"CPUs busy ([\d.]+)", pp) <= 1.25, pp
    pic = picture(cell(lang, "05-coroutine", "05-ping-pong"))
    assert ", 8 messages" in pic["text/plain"].split("\n")[0], pic["text/plain"]
    assert [(f, t) for f, t, _, _ in arrows(pic)] == [("ping", "pong"), ("pong", "ping")] * 4, arrows(pic)
    co = out["05-coroutine-turns"]
    assert number(r"running at once (\d+)%", co) == 0
    assert number(r"CPUs busy ([\d.]+)", co) <= 1.25
    # The coroutine again and the goroutine, on one time axis.
    gr = out["05-goroutine-turns"]
    assert number(r"(?m)^coroutine, .*running at once (\d+)%", gr) == 0, gr
    goroutine_busy = number(r"(?m)^goroutine, .*CPUs busy ([\d.]+)", gr)
    pic = picture(cell(lang, "05-coroutine", "05-goroutine-turns"))
    text = pic["text/plain"]
    assert text.startswith("2 timelines on one time axis"), text
    assert re.search(r'^timeline "withGoroutine\(\)": .*, 6 messages', text, re.M), text
    assert pic["image/svg+xml"].count('<g class="panel">') == 2 and pic["image/svg+xml"].count('<g class="axis">') == 1
    assert [(f, t) for f, t, _, _ in arrows(pic)] == [("goroutine", "caller")] * 6, arrows(pic)
    if goroutine_busy >= 1.5:
        assert number(r"(?m)^goroutine, .*running at once (\d+)%", gr) >= 30, gr
    if goroutine_busy >= 1.7 * number(r"(?m)^coroutine, .*CPUs busy ([\d.]+)", gr):  # as in lesson 1's pair
        assert number(r"([\d.]+)× the wall time of the first", text) <= 0.8, text
    pre = out["05-preempt"]
    assert number(r"GOMAXPROCS\((\d+)\)", pre) == 1
    assert number(r"main woke (\d+) times", pre) >= 3  # preempted without yielding
    assert duration(r"on average (\S+) after asking for 10ms", pre) >= 14, pre  # a turn is 10 to 20 ms
    assert number(r"CPUs busy ([\d.]+)", pre) <= 1.25
    # The spinner's last act is a send that never waits, made while it holds the one CPU:
    # it has ended before main looks, so the cell leaves no goroutine running.
    assert "goroutine still running" not in pre, pre


@pytest.mark.parametrize("lang", LANGS)
def test_06_pool_concurrency_and_amdahl(kernelspec, lang):
    out = run(lang, "06-how-they-relate")
    row = r"jobs: (\d+), workers: (\d+), GOMAXPROCS\((\d+)\), time: (\S+), parses overlapping: (\d+)%.*CPUs busy ([\d.]+)"
    one, four1 = (re.search(row, out[i]).groups() for i in ("06-one", "06-four-one"))
    # Every job is an arrow from the feeder to a worker, every result one from a worker to main.
    for i, workers in (("06-one", 1), ("06-four-one", 4), ("06-four-all", 4)):
        pic = picture(cell(lang, "06-how-they-relate", i))
        assert ", 16 messages" in pic["text/plain"].split("\n")[0], pic["text/plain"]
        assert re.search(r"^feeder .*sent 8, received 0$", pic["text/plain"], re.M), pic["text/plain"]
        assert re.search(r"^main .*sent 0, received 8$", pic["text/plain"], re.M), pic["text/plain"]
        passed = arrows(pic)
        lanes = {f"worker {w}" for w in range(1, workers + 1)}
        jobs = [t for f, t, _, _ in passed if f == "feeder"]
        results = [f for f, t, _, _ in passed if t == "main"]
        assert len(jobs) == len(results) == 8 and set(jobs) <= lanes and set(results) <= lanes, passed
        assert sorted(jobs) == sorted(results), passed  # each worker sent back as many results as it took jobs
    assert one[0] == four1[0] == "8"
    assert float(four1[5]) <= 1.25  # one CPU: parses take turns
    # But the waiting overlaps: the time spent outside the parses (8 fetches of 30 ms with one
    # worker, two rounds of them with four) shrinks. Each run's parse time is taken out of its
    # own wall time, so a run that other programs slowed down is compared fairly.
    def outside_parses(i):
        text = picture(cell(lang, "06-how-they-relate", i))["text/plain"]
        wall = number(r"^timeline: \d+ lanes over ([\d.]+) ms", text)
        return wall - sum(float(r) for r in re.findall(r"(?m)^worker \d+ +running ([\d.]+) ms", text))
    assert outside_parses("06-four-one") < outside_parses("06-one") - 100, (out["06-one"], out["06-four-one"])
    am = out["06-amdahl"]  # the best of three runs of each, taking turns: the law, then the measure
    assert am.startswith("the best of 3 runs each\n"), am
    s = number(r"serial share s = ([\d.]+)", am)
    predicted = number(r"= ([\d.]+)x", am)
    assert abs(predicted - 1 / (s + (1 - s) / 8)) < 0.15, am
    measured = number(r"8 workers: \S+, speedup ([\d.]+)x", am)
    assert 0.6 * predicted <= measured <= 1.5 * predicted, am  # "within a third or so"
    assert measured < 6, am  # nowhere near 8x: the serial share sets the limit


@pytest.mark.parametrize("lang", LANGS)
def test_06_errgroup_cancels_on_the_first_error_and_semaphore_serves_in_order(kernelspec, lang):
    out = run(lang, "06-how-they-relate")
    eg = out["06-errgroup"]
    runs = re.split(r"(?m)^Wait returned: (.*)\n", eg)  # [run 1 lines, result 1, run 2 lines, result 2, ""]
    assert len(runs) == 5 and runs[4] == "", eg
    lines, results = [re.findall(r"(?m)^job (\d+) (done|cancelled)$", runs[i]) for i in (0, 2)], (runs[1], runs[3])
    # All succeed, four at a time: the first four to finish are jobs 1 to 4.
    assert results[0] == "<nil>" and sorted(int(j) for j, _ in lines[0]) == list(range(1, 9)), eg
    assert {j for j, how in lines[0][:4]} == {"1", "2", "3", "4"} and all(how == "done" for _, how in lines[0]), eg
    # Job 3 fails: Wait returns its error; the jobs beside it were done, the ones after it cancelled.
    assert results[1] == "job 3: the server said 503", eg
    assert sorted(int(j) for j, how in lines[1] if how == "done") == [1, 2, 4], eg
    assert sorted(int(j) for j, how in lines[1] if how == "cancelled") == [5, 6, 7, 8], eg
    sem = out["06-semaphore"]
    events = re.findall(r"(?m)^job (\d) (?:\(weight \d\) )?(starts|ends)$", sem)
    assert len(events) == 8 and sem.startswith("job 1 (weight 2) starts\n"), sem
    at = {e: i for i, e in enumerate(events)}
    # Job 3 weighs 1 and arrived while 2 units were free, but it waits behind job 2 (weight 3):
    # both start only once job 1 has ended; job 4 once one of them has.
    assert at[("1", "ends")] < at[("2", "starts")] and at[("1", "ends")] < at[("3", "starts")], sem
    assert min(at[("2", "ends")], at[("3", "ends")]) < at[("4", "starts")], sem


@pytest.mark.parametrize("lang", LANGS)
def test_07_analogies_act_out_what_they_say(kernelspec, lang):
    out = run(lang, "07-analogies")
    table = out["07-one-table"]
    assert all(f"{n}{p}" in table for n in ("Ana", "Ben", "Cho") for p in range(1, 5))
    assert number(r"tables in use at once: ([\d.]+)", table) <= 1.25
    one, many = re.findall(r"tables: (\d+), time: (\S+), tables in use at once: ([\d.]+)", out["07-tables"])
    if float(many[2]) >= 1.7 * float(one[2]):  # one pair of runs, held to its CPUs busy (as in lesson 1)
        assert ms(many[1]) < 0.8 * ms(one[1]), out["07-tables"]
    assert duration(r"coffee and toast after (\S+)", out["07-counter"]) >= 240
    asking = out["07-asking"]
    assert number(r"asked (\d+) times", asking) >= 3 and duration(r"coffee after (\S+)", asking) >= 140
    assert duration(r"coffee and toast after (\S+)", out["07-buzzer"]) < 230
    served = out["07-table-service"]
    assert served.index("toast is ready") < served.index("coffee is brought") < served.index("done reading")
    assert duration(r"brought to the table at (\S+)", served) >= 140
    k = out["07-kitchens"]
    assert "same kitchen reads: soup of the day: kimchi stew" in k
    assert "other building reads its copy: soup of the day: kimchi stew" in k
    assert "other building writes on its copy: soup of the day: sold out" in k
    assert "our whiteboard still says: soup of the day: kimchi stew" in k
    knife = out["07-knife"]
    assert knife.index("onion in the pot") < knife.index("chops the carrot")
