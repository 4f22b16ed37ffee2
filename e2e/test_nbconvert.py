"""nbconvert executes a notebook with rich output and exports it to HTML with
the pictures in it."""

import subprocess

import nbformat
from nbformat.v4 import new_code_cell, new_notebook


def test_nbconvert_html_export_has_the_pictures(prefix, tmp_path):
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "gokernel", "display_name": "Go (yaegi)", "language": "go"}}
    nb.cells = [
        new_code_cell('import ("gokernel/display"; "gokernel/timeline"; "image"; "image/color"; "time")\n'
                      'display.HTML("<b id=\\"from-go\\">bold from Go</b>")'),
        new_code_cell("img := image.NewRGBA(image.Rect(0, 0, 6, 6))\nimg.Set(2, 2, color.RGBA{0, 173, 216, 255})\nimg"),
        new_code_cell('tl := timeline.New()\ntl.Lane("worker").Sleep(5 * time.Millisecond)\ntl'),
    ]
    path = tmp_path / "rich.ipynb"
    nbformat.write(nb, path)
    subprocess.run(["jupyter-nbconvert", "--to", "html", "--execute", str(path)],
                   check=True, capture_output=True, timeout=120)
    html = (tmp_path / "rich.html").read_text()
    assert '<b id="from-go">bold from Go</b>' in html
    assert "data:image/png;base64," in html
    assert "<svg" in html and "GOMAXPROCS" in html
