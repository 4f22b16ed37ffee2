"""nbconvert executes a notebook with rich output, saves it, and exports the
saved notebook to HTML with the pictures in it."""

import base64
import re
import struct
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
        new_code_cell('msgs := timeline.New()\nc := msgs.Chan(1)\nc.Send(msgs.Lane("sender"), 7)\n'
                      'c.Recv(msgs.Lane("receiver"))\ntimeline.Compare(tl, msgs)'),
        new_code_cell('display.SVG(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><title>from a cell</title></svg>`)'),
    ]
    path = tmp_path / "rich.ipynb"
    nbformat.write(nb, path)
    # Executed and saved, as a lesson is shared; then exported without running it again.
    subprocess.run(["jupyter-nbconvert", "--to", "notebook", "--execute", "--output", "saved.ipynb", str(path)],
                   check=True, capture_output=True, timeout=120)
    saved = tmp_path / "saved.ipynb"
    subprocess.run(["jupyter-nbconvert", "--to", "html", str(saved)], check=True, capture_output=True, timeout=120)
    html = (tmp_path / "saved.html").read_text()
    assert '<b id="from-go">bold from Go</b>' in html
    assert "data:image/png;base64," in html
    # The cell's own SVG comes as the <img> that JupyterLab shows untrusted.
    assert '<img src="data:image/svg+xml;base64,' in html and 'alt="&lt;SVG 8x8: from a cell&gt;"' in html
    # nbconvert prefers a timeline's SVG, but Debian 12's nbconvert (6.5) strips every element
    # inside an SVG (jupyter/nbconvert#1849), leaving its text: the title is there, the bars not.
    assert "<svg" in html and "one time axis" in html

    # Preferring PNG, the export shows every timeline as its PNG, at the SVG's size.
    subprocess.run(["jupyter-nbconvert", "--to", "html", "--output", "png.html", str(saved),
                    '--NbConvertBase.display_data_priority=["text/html", "image/png", "image/svg+xml", "text/plain"]'],
                   check=True, capture_output=True, timeout=120)
    html = (tmp_path / "png.html").read_text()
    timelines = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"\s+width=(\d+)', html)
    assert len(timelines) == 2, len(timelines)
    for data, width in timelines:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and width == "720"
        assert struct.unpack(">I", png[16:20])[0] == 1440  # twice as many pixels, for sharp screens

    # In the saved notebook, every SVG comes with what JupyterLab shows of a notebook it
    # doesn't trust: a PNG (the timelines), or HTML (the cell's own SVG); and with a text.
    outputs = [o for c in nbformat.read(saved, as_version=4).cells for o in c.outputs if "data" in o]
    pictures = [o for o in outputs if "image/svg+xml" in o["data"]]
    assert len(pictures) == 3
    for o in pictures:
        assert "image/png" in o["data"] or "text/html" in o["data"], sorted(o["data"])
        assert o["data"]["text/plain"]
    timelines = [o for o in pictures if "image/png" in o["data"]]
    assert len(timelines) == 2
    assert timelines[0]["metadata"]["image/png"]["width"] == 720
