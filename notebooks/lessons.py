#!/usr/bin/python3
"""The source of the lesson notebooks: one list of code cells per lesson, with
the prose around them in English and Korean. Running this file writes
notebooks/en/*.ipynb and notebooks/ko/*.ipynb without outputs; run.py then
executes them against the kernel and saves them with their outputs
(`make notebooks` does both). Edit the lessons here, not in the .ipynb files:
building both languages from one list of code cells keeps their code equal."""

import pathlib
import re
import sys
import textwrap

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lessons_text import LESSONS  # noqa: E402

KERNELSPEC = {"name": "gokernel", "display_name": "Go (yaegi)", "language": "go"}
LANGUAGE_INFO = {
    "name": "go",
    "mimetype": "text/x-go",
    "file_extension": ".go",
    "pygments_lexer": "go",
    "codemirror_mode": "go",
    "nbconvert_exporter": "script",
}


def go(src):
    """Dedents a Go snippet and indents it with tabs, as gofmt would."""
    lines = textwrap.dedent(src).strip("\n").split("\n")
    out = []
    for line in lines:
        m = re.match(r"^((?:    )*)", line)
        out.append("\t" * (len(m.group(1)) // 4) + line[len(m.group(1)):])
    return "\n".join(out)


def build(lang):
    """Returns {file stem: notebook} for one language."""
    books = {}
    for stem, cells in LESSONS:
        nb = nbformat.v4.new_notebook()
        nb.nbformat, nb.nbformat_minor = 4, 5
        nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
        for i, cell in enumerate(cells):
            cid = f"{stem[:2]}-{i:02d}"
            if cell[0] == "md":
                text = cell[1] if lang == "en" else cell[2]
                nb.cells.append(nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"), id=cid))
            else:
                nb.cells.append(nbformat.v4.new_code_cell(go(cell[1]), id=cid))
        books[stem] = nb
    return books


def main():
    for lang in ("en", "ko"):
        d = HERE / lang
        d.mkdir(exist_ok=True)
        for stem, nb in build(lang).items():
            nbformat.validate(nb)
            nbformat.write(nb, str(d / f"{stem}.ipynb"))


if __name__ == "__main__":
    main()
