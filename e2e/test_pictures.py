"""Pictures that survive sharing: every picture the kernel sends carries a form
JupyterLab shows in a notebook it doesn't trust (a PNG beside the SVG, or HTML
its sanitizer keeps) and a text/plain that says what the picture shows. The
timeline draws values passed on channels and compares timelines on one axis.

The PNGs are written to e2e/out/pictures/, to look at."""

import base64
import pathlib
import struct
import time
import xml.dom.minidom
import zlib

from conftest import collect, run

OUT = pathlib.Path(__file__).resolve().parent / "out" / "pictures"

PING_PONG = '''import ("fmt"; "gokernel/timeline"; "time")
tl := timeline.New()
tl.SetTitle("ping-pong")
ping, pong := tl.Lane("ping"), tl.Lane("pong")
toPong, toPing := tl.Chan(0), tl.Chan(0)
done := make(chan bool)
go func() {
	for i := 1; i <= 3; i++ {
		ping.Run(func() { time.Sleep(3 * time.Millisecond) })
		toPong.Send(ping, fmt.Sprint("ball ", i))
		toPing.Recv(ping)
	}
	done <- true
}()
go func() {
	for i := 0; i < 3; i++ {
		ball := toPong.Recv(pong).(string)
		pong.Run(func() { time.Sleep(5 * time.Millisecond) })
		toPing.Send(pong, ball)
	}
}()
<-done
tl'''


def png_info(data):
    """Checks data is a whole PNG (chunks, CRCs, image data that inflates to
    its size) and returns its width, height and pHYs pixels per metre."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.setdefault(kind, body)
        if kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert kind == b"IEND"
    width, height, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    row = (width * depth * channels + 7) // 8
    assert len(zlib.decompress(idat)) == height * (1 + row)
    ppm = None
    if b"pHYs" in chunks:
        x, _, unit = struct.unpack(">IIB", chunks[b"pHYs"])
        ppm = x if unit == 1 else None
    return width, height, ppm


def results(r, kind="execute_result"):
    return [m["content"] for m in r.msgs if m["msg_type"] == kind]


def save(name, b64):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_bytes(base64.b64decode(b64))


def test_timeline_result_is_svg_png_and_text(kernel):
    _, kc = kernel
    r = run(kc, PING_PONG, timeout=60)
    assert r.content["status"] == "ok", r.error()
    [res] = results(r)
    data, md = res["data"], res["metadata"]
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}

    svg = xml.dom.minidom.parseString(data["image/svg+xml"]).documentElement
    svg_w, svg_h = float(svg.getAttribute("width")), float(svg.getAttribute("height"))
    arrows = [g for g in svg.getElementsByTagName("g") if g.getAttribute("class") == "message"]
    assert len(arrows) == 6
    assert {(a.getAttribute("data-from"), a.getAttribute("data-to")) for a in arrows} == {("ping", "pong"), ("pong", "ping")}

    png = base64.b64decode(data["image/png"])
    save("ping-pong.png", data["image/png"])
    w, h, ppm = png_info(png)
    # Twice the SVG's pixels, and shown at the SVG's size.
    assert (w, h) == (2 * svg_w, 2 * round(svg_h))
    assert ppm == 7559
    assert md["image/png"] == {"width": svg_w, "height": round(svg_h)}

    text = data["text/plain"]
    first = text.splitlines()[0]
    assert first.startswith('timeline "ping-pong": 2 lanes over ')
    assert "CPUs, GOMAXPROCS" in first and "overlap" in first and first.endswith("6 messages")
    assert "ping  running" in text and "sent 3, received 3" in text


def test_compare_is_one_picture_on_one_axis(kernel):
    _, kc = kernel
    r = run(kc, 'import ("gokernel/timeline"; "time")\n'
                'slow, fast := timeline.New(), timeline.New()\n'
                'slow.SetTitle("slow")\n'
                'fast.SetTitle("fast")\n'
                'slow.Lane("w").Sleep(40 * time.Millisecond)\n'
                'fast.Lane("w").Sleep(20 * time.Millisecond)\n'
                'timeline.Compare(slow, fast)')
    assert r.content["status"] == "ok", r.error()
    [res] = results(r)
    data = res["data"]
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}
    save("compare.png", data["image/png"])
    svg = xml.dom.minidom.parseString(data["image/svg+xml"]).documentElement
    groups = svg.getElementsByTagName("g")
    assert len([g for g in groups if g.getAttribute("class") == "panel"]) == 2
    assert len([g for g in groups if g.getAttribute("class") == "axis"]) == 1
    text = data["text/plain"]
    assert text.startswith("2 timelines on one time axis")
    assert 'timeline "slow"' in text and 'timeline "fast"' in text and "× the wall time of the first" in text


def test_svg_from_cells_also_comes_as_html(kernel):
    """display.SVG: JupyterLab shows no SVG of an untrusted notebook, but it
    shows sanitized HTML, and its sanitizer keeps an <img> with a data: URL."""
    _, kc = kernel
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><title>dot</title><circle cx="5" cy="5" r="4"/></svg>'
    r = run(kc, 'import "gokernel/display"\ndisplay.SVG(`' + svg + '`)')
    [d] = results(r, "display_data")
    data = d["data"]
    assert data["image/svg+xml"] == svg
    assert data["text/plain"] == "<SVG 20x10: dot>"
    html = data["text/html"]
    prefix = '<img src="data:image/svg+xml;base64,'
    assert html.startswith(prefix)
    assert base64.b64decode(html[len(prefix):html.index('"', len(prefix))]).decode() == svg


def test_progress_bar_has_a_png(kernel):
    _, kc = kernel
    r = run(kc, 'import "gokernel/progress"\nbar := progress.New(10)\nbar.Add(10)\nbar.Done()')
    shown = results(r, "display_data") + results(r, "update_display_data")
    assert shown
    for d in shown:
        data = d["data"]
        assert set(data) == {"text/html", "image/png", "text/plain"}
        w, h, _ = png_info(base64.b64decode(data["image/png"]))
        assert d["metadata"]["image/png"] == {"width": w // 2, "height": h // 2}
    save("progress.png", shown[-1]["data"]["image/png"])
    assert shown[-1]["data"]["text/plain"] == "[####################] 10/10"


def test_interrupt_ends_a_waiting_channel(kernel):
    """A Send or Recv that waits is native code: it ends at the interrupt, and
    the kernel says every goroutine was waiting."""
    km, kc = kernel
    run(kc, 'import "gokernel/timeline"\nkept := 41')
    msg_id = kc.execute('stuck := timeline.New()\nstuck.Chan(0).Recv(stuck.Lane("main"))')
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
            break
    time.sleep(0.2)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["ename"] == "Interrupted"
    assert "deadlock" in reply["content"]["evalue"]
    collect(kc, msg_id)
    assert run(kc, "kept + 1").result() == "42"
    # The timeline shows the wait, which ended at the interrupt.
    r = run(kc, "stuck.String()")
    assert "main  running 0.00 ms  waiting" in r.result()
