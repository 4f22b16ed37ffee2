"""The README's examples run as they are written."""

import pathlib
import re

from conftest import run

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def go_blocks():
    return re.findall(r"```go\n(.*?)```", README.read_text(), re.S)


def test_readme_examples_run(kernel):
    _, kc = kernel
    blocks = go_blocks()
    assert len(blocks) >= 5
    for code in blocks:
        r = run(kc, code, timeout=300 if code.startswith("%%compile") else 60)
        if code.startswith("%%compile -race"):
            # The example of the race detector: its cell ends with the race it found.
            assert r.error()["ename"] == "DataRace", (code, r.error())
            assert "WARNING: DATA RACE" in r.stderr()
            continue
        assert r.content["status"] == "ok", (code, r.error())
