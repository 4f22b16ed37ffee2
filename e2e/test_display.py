"""Rich output: display_data, update_display_data, clear_output and results
that render themselves, through jupyter_client."""

import base64
import xml.dom.minidom

from conftest import run


def of(r, kind):
    return [m for m in r.msgs if m["msg_type"] == kind]


def test_display_update_and_clear(kernel):
    _, kc = kernel
    r = run(kc, 'import "gokernel/display"\n'
                'display.HTML("<b>bold</b>")\n'
                'h := display.NewDisplay()\n'
                'h.Text("first")\n'
                'h.Text("second")\n'
                'display.Clear(true)\n'
                'display.Markdown("# after")')
    assert r.content["status"] == "ok"
    shown = of(r, "display_data")
    assert shown[0]["content"]["data"]["text/html"] == "<b>bold</b>"
    assert shown[0]["content"]["data"]["text/plain"]
    first = shown[1]["content"]
    assert first["data"]["text/plain"] == "first"
    display_id = first["transient"]["display_id"]
    update = of(r, "update_display_data")[0]["content"]
    assert update["data"]["text/plain"] == "second"
    assert update["transient"]["display_id"] == display_id
    clear = of(r, "clear_output")[0]["content"]
    assert clear["wait"] is True
    assert shown[2]["content"]["data"]["text/markdown"] == "# after"
    # Every message belongs to the cell that made it.
    parent = r.msgs[0]["parent_header"]["msg_id"]
    assert all(m["parent_header"]["msg_id"] == parent for m in r.msgs)
    # In the order the cell made them.
    order = [m["msg_type"] for m in r.msgs if m["msg_type"] != "status"]
    assert order == ["execute_input", "display_data", "display_data", "update_display_data",
                     "clear_output", "display_data"]


def test_image_result_is_a_png(kernel):
    _, kc = kernel
    r = run(kc, 'import ("image"; "image/color")\n'
                'img := image.NewRGBA(image.Rect(0, 0, 8, 4))\n'
                'img.Set(1, 1, color.RGBA{255, 0, 0, 255})\n'
                'img')
    data = of(r, "execute_result")[0]["content"]["data"]
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "8x4" in data["text/plain"]


def test_timeline_result_is_an_svg(kernel):
    _, kc = kernel
    r = run(kc, 'import ("gokernel/timeline"; "time"; "sync")\n'
                'tl := timeline.New()\n'
                'var wg sync.WaitGroup\n'
                'for _, name := range []string{"a", "b"} {\n'
                '\twg.Add(1)\n'
                '\tgo func() {\n'
                '\t\tdefer wg.Done()\n'
                '\t\ttl.Lane(name).Sleep(20 * time.Millisecond)\n'
                '\t}()\n'
                '}\n'
                'wg.Wait()\n'
                'tl')
    data = of(r, "execute_result")[0]["content"]["data"]
    svg = xml.dom.minidom.parseString(data["image/svg+xml"])
    text = svg.documentElement.toxml()
    assert ">a<" in text and ">b<" in text and "sleeping" in text
    assert "GOMAXPROCS" in text
    assert "timeline" in data["text/plain"]


def test_cell_type_that_renders_itself(kernel):
    _, kc = kernel
    r = run(kc, 'import "gokernel/display"\n'
                'type badge struct{ label string }\n'
                'func (b badge) MIMEBundle() display.Bundle {\n'
                '\treturn display.Bundle{"text/html": "<span>" + b.label + "</span>"}\n'
                '}\n'
                'badge{"go"}')
    data = of(r, "execute_result")[0]["content"]["data"]
    assert data["text/html"] == "<span>go</span>"
    assert "text/plain" in data


def test_progress_bar_updates_in_place(kernel):
    _, kc = kernel
    r = run(kc, 'import "gokernel/progress"\n'
                'bar := progress.New(100000)\n'
                'for i := 0; i < 100000; i++ {\n'
                '\tbar.Add(1)\n'
                '}\n'
                'bar.Done()')
    shown, updates = of(r, "display_data"), of(r, "update_display_data")
    assert len(shown) == 1
    assert 1 <= len(updates) <= 50, len(updates)
    last = updates[-1]["content"]
    assert last["transient"]["display_id"] == shown[0]["content"]["transient"]["display_id"]
    assert "100000/100000" in last["data"]["text/plain"]
    assert "text/html" in last["data"]
