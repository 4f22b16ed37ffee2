#!/usr/bin/python3
"""Builds the lesson notebooks from their sources:

    notebooks/source/LANG/STEM.md  ->  notebooks/LANG/STEM.ipynb   (LANG: en, ko)

A source is Markdown. Each cell starts with a marker line:

    <!-- cell: 01-intro -->        a Markdown cell, up to the next marker
    ```go cell=01-setup            a code cell, up to the closing ```
    ```go cell=04-race tags=raises-exception
                                   a code cell that ends in an error on purpose: Run All
                                   (JupyterLab, nbclient) goes on past it

The id after the marker is the notebook cell's id. Both languages have the same cells,
in the same order, with the same code. A Markdown cell's image `![text](../../pictures/
LANG/NAME.svg)` becomes a PNG attachment of the cell, rendered with rsvg-convert.

A notebook whose cells change is written without outputs (run.py runs them and saves
them with outputs; `make notebooks` does both); one that doesn't change is left as it is. A notebook whose cells were edited in Jupyter
since it was built is not overwritten: the edits are listed, and --pull carries them
back into the sources, --force throws them away.

    lessons.py [--pull | --force] [STEM ...]
    lessons.py --code-from en [STEM ...]   copy the code cells of one language into the others
"""

import argparse
import base64
import difflib
import hashlib
import json
import pathlib
import re
import subprocess
import sys
from dataclasses import dataclass, field

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE / "source"
MANIFEST = HERE / "generated.json"
LANGS = ("en", "ko")
PNG_ZOOM = "1.5"  # drawn larger than the SVG, and shown at most as wide as the page: sharp on most screens

KERNELSPEC = {"name": "gokernel", "display_name": "Go (yaegi)", "language": "go"}
LANGUAGE_INFO = {
    "name": "go",
    "mimetype": "text/x-go",
    "file_extension": ".go",
    "pygments_lexer": "go",
    "codemirror_mode": "go",
    "nbconvert_exporter": "script",
}

# How long a cell may run when a notebook is executed (run.py, the tests) before it counts as
# hung. A compiled cell's first build, with an empty Go build cache (a fresh machine), compiles
# the standard library and the notebook packages first: for -race, all of it instrumented.
CELL_TIMEOUT = 60
BUILD_TIMEOUT = 300


def cell_timeout(cell):
    """nbclient's timeout_func: seconds the cell may take."""
    return BUILD_TIMEOUT if re.match(r"\s*%%compile\b", cell.source) else CELL_TIMEOUT


MD_MARKER = re.compile(r"^<!-- cell: ([A-Za-z0-9_-]{1,64}) -->$")
CODE_MARKER = re.compile(r"^```go cell=([A-Za-z0-9_-]{1,64})(?: tags=(\S+))?$")
# Cell tags a code cell may carry. raises-exception: the cell fails on purpose, and front ends
# that run every cell (JupyterLab's Run All, nbclient) carry on past its error.
TAGS = ("raises-exception",)
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.svg)\)")


class SourceError(Exception):
    """A lesson source that can't be built, with file:line."""


@dataclass
class Cell:
    id: str
    kind: str  # "markdown" or "code"
    source: str  # as in the notebook (images already as attachment: links)
    line: int  # of the marker, 1-based
    body: tuple  # (first, last) 0-based line indices of the body in the file, last exclusive
    pictures: dict = field(default_factory=dict)  # attachment name -> SVG path
    tags: tuple = ()  # a code cell's tags (TAGS)

    def metadata(self):
        """The notebook cell's metadata: its tags, if any."""
        return {"tags": list(self.tags)} if self.tags else {}


def source_path(lang, stem):
    return SOURCE / lang / f"{stem}.md"


def notebook_path(lang, stem):
    return HERE / lang / f"{stem}.ipynb"


def stems():
    return sorted(p.stem for p in (SOURCE / "en").glob("*.md"))


def parse(path):
    """Returns the cells of a lesson source."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rel = path.relative_to(HERE)
    cells = []
    i = 0

    def fail(n, msg):
        raise SourceError(f"{rel}:{n + 1}: {msg}")

    while i < len(lines):
        line = lines[i]
        md, code = MD_MARKER.match(line), CODE_MARKER.match(line)
        if code:
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            if j == len(lines):
                fail(i, f"code cell {code.group(1)} has no closing ```")
            src = "\n".join(lines[i + 1:j])
            if not src.strip():
                fail(i, f"code cell {code.group(1)} is empty")
            tags = tuple(code.group(2).split(",")) if code.group(2) else ()
            for t in tags:
                if t not in TAGS:
                    fail(i, f"code cell {code.group(1)}: unknown tag {t!r} (known: {', '.join(TAGS)})")
            cells.append(Cell(code.group(1), "code", src, i + 1, (i + 1, j), tags=tags))
            i = j + 1
        elif md:
            j = i + 1
            while j < len(lines) and not (MD_MARKER.match(lines[j]) or CODE_MARKER.match(lines[j])):
                j += 1
            first, last = i + 1, j
            while first < last and not lines[first].strip():
                first += 1
            while last > first and not lines[last - 1].strip():
                last -= 1
            text = "\n".join(lines[first:last])
            if not text:
                fail(i, f"Markdown cell {md.group(1)} is empty")
            cell = Cell(md.group(1), "markdown", text, i + 1, (first, last))
            cell.source = IMAGE.sub(lambda m: attach(cell, path, m), text)
            cells.append(cell)
            i = j
        elif line.strip():
            fail(i, "text outside a cell: start a cell with <!-- cell: ID --> or ```go cell=ID")
        else:
            i += 1
    seen = set()
    for c in cells:
        if c.id in seen:
            fail(c.line - 1, f"cell id {c.id} used twice")
        seen.add(c.id)
    if not cells:
        raise SourceError(f"{rel}: no cells")
    return cells


def attach(cell, path, m):
    svg = (path.parent / m.group(2)).resolve()
    if not svg.is_file():
        raise SourceError(f"{path.relative_to(HERE)}:{cell.line}: picture {m.group(2)} not found")
    name = svg.with_suffix(".png").name
    cell.pictures[name] = m.group(2)
    return f"![{m.group(1)}](attachment:{name})"


def render_png(svg):
    """The PNG of an SVG file, drawn by rsvg-convert (Debian's librsvg2-bin)."""
    try:
        out = subprocess.run(["rsvg-convert", "-z", PNG_ZOOM, "-f", "png", str(svg)],
                             check=True, capture_output=True)
    except FileNotFoundError:
        sys.exit("lessons: rsvg-convert not found: run `.ci/deps test` (it installs librsvg2-bin)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"lessons: rsvg-convert {svg}: {e.stderr.decode().strip()}")
    return out.stdout


def check_languages(stem, by_lang):
    """Both languages have the same cells in the same order, and the same code."""
    en, ko = by_lang["en"], by_lang["ko"]
    problems = []
    shape = lambda cells: [(c.id, c.kind, c.tags) for c in cells]
    if shape(en) != shape(ko):
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=shape(en), b=shape(ko)).get_opcodes():
            if op != "equal":
                problems.append(f"  en {[s for s in shape(en)[a1:a2]]} vs ko {[s for s in shape(ko)[b1:b2]]}")
        return [f"{stem}: the English and Korean sources have different cells:"] + problems
    for a, b in zip(en, ko):
        if a.kind == "code" and a.source != b.source:
            diff = difflib.unified_diff(a.source.split("\n"), b.source.split("\n"),
                                        f"en {a.id}", f"ko {b.id}", lineterm="", n=1)
            problems.append(f"{stem}: code cell {a.id} differs between en (line {a.line}) and ko (line {b.line}):\n"
                            + "\n".join("    " + d for d in diff))
    return problems


def notebook(cells, path, render=True):
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for c in cells:
        if c.kind == "code":
            nb.cells.append(nbformat.v4.new_code_cell(c.source, id=c.id, metadata=c.metadata()))
            continue
        cell = nbformat.v4.new_markdown_cell(c.source, id=c.id)
        if c.pictures:
            cell.attachments = {}
            for name, rel in c.pictures.items():
                png = render_png((path.parent / rel).resolve()) if render else b""
                cell.attachments[name] = {"image/png": base64.b64encode(png).decode("ascii")}
        nb.cells.append(cell)
    return nb


def build(stem_list=None, render=True):
    """Returns {(lang, stem): (cells, notebook)}, or raises SourceError with every problem."""
    out, problems = {}, []
    for stem in stem_list or stems():
        by_lang = {}
        for lang in LANGS:
            path = source_path(lang, stem)
            if not path.is_file():
                problems.append(f"{path.relative_to(HERE)}: missing (each lesson has a source in every language)")
                continue
            try:
                by_lang[lang] = parse(path)
            except SourceError as e:
                problems.append(str(e))
        if len(by_lang) == len(LANGS):
            problems += check_languages(stem, by_lang)
            for lang, cells in by_lang.items():
                out[(lang, stem)] = (cells, notebook(cells, source_path(lang, stem), render))
    if problems:
        raise SourceError("\n".join(problems))
    return out


# ------------------------------------------------------------ edits made in Jupyter

def digest(kind, source):
    return hashlib.sha256(json.dumps([kind, source]).encode()).hexdigest()[:16]


def fingerprint(nb):
    """What the manifest records of a notebook: its cells, in order, as [id, digest]."""
    return [[c.get("id", ""), digest(c.cell_type, c.source)] for c in nb.cells]


def load_manifest():
    return json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}


def save_manifest(manifest):
    # One line per notebook: lessons edited on different branches merge without conflicts.
    lines = [f"  {json.dumps(k)}: {json.dumps(manifest[k])}" for k in sorted(manifest)]
    MANIFEST.write_text("{\n" + ",\n".join(lines) + "\n}\n")


@dataclass
class Edit:
    id: str
    what: str  # "edited", "added", "deleted", "moved"
    saved: str = ""  # the cell's source in the notebook


def hand_edits(path, recorded, new):
    """The cells of the notebook at path that were changed since it was built (per the
    manifest's record of what was written), unless they already say what the new build says."""
    if not path.is_file():
        return []
    nb = nbformat.read(str(path), as_version=4)
    now = fingerprint(nb)
    if now == fingerprint(new):
        return []
    if recorded is None:
        return [Edit("*", "unknown")]
    if now == recorded:
        return []
    was = dict(map(tuple, recorded))
    edits = []
    for c, (cid, d) in zip(nb.cells, now):
        if cid not in was:
            edits.append(Edit(cid or "(no id)", "added", c.source))
        elif was[cid] != d:
            edits.append(Edit(cid, "edited", c.source))
    ids = [cid for cid, _ in now]
    edits += [Edit(cid, "deleted") for cid, _ in recorded if cid not in ids]
    if not edits:
        edits.append(Edit("*", "moved"))
    return edits


def unpicture(cell, text):
    """A Markdown cell's notebook text with its attachment links back as picture paths."""
    for name, rel in cell.pictures.items():
        text = text.replace(f"(attachment:{name})", f"({rel})")
    return text


def pull(stem, lang, edits, built):
    """Writes the notebook's edited cells into the sources (a code cell into every language).
    Returns the edits it could not carry back."""
    left = []
    writes = {}  # (lang, id) -> new text
    for e in edits:
        if e.what != "edited":
            left.append(e)
            continue
        cells = {c.id: c for c in built[(lang, stem)][0]}
        cell = cells[e.id]
        targets = LANGS if cell.kind == "code" else (lang,)
        for t in targets:
            writes[(t, e.id)] = e.saved if cell.kind == "code" else unpicture(cell, e.saved)
    for t in LANGS:
        mine = {cid: text for (l, cid), text in writes.items() if l == t}
        if not mine:
            continue
        path = source_path(t, stem)
        lines = path.read_text(encoding="utf-8").split("\n")
        # From the bottom up, so earlier line numbers stay right.
        for cell in sorted(built[(t, stem)][0], key=lambda c: -c.body[0]):
            if cell.id in mine:
                first, last = cell.body
                lines[first:last] = mine[cell.id].split("\n")
        path.write_text("\n".join(lines), encoding="utf-8")
        print(f"lessons: carried {', '.join(sorted(mine))} back into {path.relative_to(HERE)}")
    return left


def explain(lang, stem, edits, built):
    path = notebook_path(lang, stem).relative_to(HERE)
    src = source_path(lang, stem).relative_to(HERE)
    if edits[0].what == "unknown":
        return (f"{path}: not built by lessons.py (no record in {MANIFEST.name}); it may hold edits "
                f"made by hand. Compare it with {src}, then run lessons.py --force to overwrite it.")
    if edits[0].what == "moved":
        return f"{path}: cells were moved in Jupyter since it was built; move them in {src} the same way, then --force."
    cells = {c.id: c for c in built[(lang, stem)][0]}
    out = [f"{path}: edited in Jupyter since it was built; not overwritten. Cells:"]
    for e in edits:
        if e.what == "edited" and e.id in cells:
            c = cells[e.id]
            new = e.saved if c.kind == "code" else unpicture(c, e.saved)
            old = c.source if c.kind == "code" else unpicture(c, c.source)
            diff = difflib.unified_diff(old.split("\n"), new.split("\n"), f"{src} (cell {e.id}, line {c.line})",
                                        f"{path} (cell {e.id})", lineterm="", n=1)
            out.append(f"  {e.id} ({c.kind}) edited:")
            out += ["      " + d for d in diff]
        elif e.what == "edited":
            out.append(f"  {e.id}: edited, and no longer in {src}")
        else:
            out.append(f"  {e.id}: {e.what} in the notebook")
    out.append(f"  Carry the edits back into {src} (lessons.py --pull does it for edited cells; a code "
               f"edit goes into every language), or throw them away with lessons.py --force.")
    return "\n".join(out)


def copy_code(origin, stem_list):
    """Writes the code cells of origin's sources into the other languages' sources, by cell id."""
    for stem in stem_list or stems():
        code = {c.id: c.source for c in parse(source_path(origin, stem)) if c.kind == "code"}
        for lang in LANGS:
            if lang == origin:
                continue
            path = source_path(lang, stem)
            lines = path.read_text(encoding="utf-8").split("\n")
            cells = [c for c in parse(path) if c.kind == "code" and c.id in code and c.source != code[c.id]]
            for cell in sorted(cells, key=lambda c: -c.body[0]):
                first, last = cell.body
                lines[first:last] = code[cell.id].split("\n")
            if cells:
                path.write_text("\n".join(lines), encoding="utf-8")
                print(f"lessons: copied {', '.join(c.id for c in cells)} into {path.relative_to(HERE)}")


def main(argv):
    ap = argparse.ArgumentParser(description="Build the lesson notebooks from notebooks/source.")
    ap.add_argument("stems", nargs="*", help="lessons to build (default: all), e.g. 03-blocking-vs-nonblocking")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--force", action="store_true", help="overwrite notebooks edited in Jupyter")
    g.add_argument("--pull", action="store_true", help="carry cells edited in Jupyter back into the sources")
    g.add_argument("--code-from", choices=LANGS, metavar="LANG",
                   help="copy the code cells of LANG's sources into the other languages' sources, then build")
    args = ap.parse_args(argv)
    try:
        if args.code_from:
            copy_code(args.code_from, args.stems)
        built = build(args.stems or None)
    except SourceError as e:
        sys.exit(f"lessons: {e}")
    manifest = load_manifest()
    refused = []
    pulled = False
    for (lang, stem) in built:
        key = f"{lang}/{stem}.ipynb"
        edits = [] if args.force else hand_edits(notebook_path(lang, stem), manifest.get(key), built[(lang, stem)][1])
        if edits and args.pull and edits[0].what not in ("unknown", "moved"):
            left = pull(stem, lang, edits, built)
            pulled = True
            if left:
                refused.append(explain(lang, stem, left, built))
        elif edits:
            refused.append(explain(lang, stem, edits, built))
    if refused:
        sys.exit("lessons: " + "\n".join(refused))
    if pulled:
        return main([a for a in argv if a != "--pull"])
    written = 0
    for (lang, stem), (_, nb) in built.items():
        nbformat.validate(nb)
        path = notebook_path(lang, stem)
        manifest[f"{lang}/{stem}.ipynb"] = fingerprint(nb)
        if unchanged(path, nb):
            continue  # keeps its outputs
        path.parent.mkdir(exist_ok=True)
        nbformat.write(nb, str(path))
        written += 1
    save_manifest(manifest)
    print(f"lessons: wrote {written} notebooks ({len(built) - written} unchanged, outputs kept)")


def unchanged(path, nb):
    """Whether the notebook at path has nb's cells, pictures, tags and metadata already."""
    if not path.is_file():
        return False
    old = nbformat.read(str(path), as_version=4)
    cells = lambda n: [(c.get("id"), c.cell_type, c.source, c.get("attachments"), c.metadata) for c in n.cells]
    return cells(old) == cells(nb) and old.metadata == nb.metadata


if __name__ == "__main__":
    main(sys.argv[1:])
