"""nbclient runs a notebook top to bottom, as nbconvert --execute does."""

import pathlib

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).parent


def test_smoke_notebook_runs(prefix):
    nb = nbformat.read(HERE / "testdata" / "smoke.ipynb", as_version=4)
    NotebookClient(nb, kernel_name="gokernel", timeout=60).execute()
    outs = [c.outputs for c in nb.cells if c.cell_type == "code"]
    assert outs[0] == []
    assert outs[1][0]["text"] == "sum 55\n"
    assert outs[2][0]["data"]["text/plain"] == "55"
