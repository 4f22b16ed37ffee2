"""The README's examples run as they are written, and show what the README says they show."""

import pathlib
import re

from conftest import run

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def go_blocks():
    return re.findall(r"```go\n(.*?)```", README.read_text(), re.S)


def outputs(r, msg_type):
    return [m["content"] for m in r.msgs if m["msg_type"] == msg_type]


def result_data(r):
    results = outputs(r, "execute_result")
    assert len(results) == 1, r.types()
    return results[0]["data"]


def point_and_result(r):
    # "fmt.Println("hello from", p)" with p's String method; "p.X * p.Y // ... result: 12"
    assert r.stdout() == "hello from (3, 4)\n"
    assert result_data(r)["text/plain"] == "12"


def display_in_place(r):
    shown = outputs(r, "display_data")
    assert shown[0]["data"]["text/markdown"] == "**Step 1** of 3"
    # status := display.NewDisplay(): one output, shown, then updated in place.
    status = [d for d in shown if d.get("transient", {}).get("display_id")]
    assert len(status) == 1 and status[0]["data"]["text/plain"] == "working…", shown
    display_id = status[0]["transient"]["display_id"]
    updates = outputs(r, "update_display_data")
    assert [u["transient"]["display_id"] for u in updates] == [display_id]
    assert updates[0]["data"]["text/html"] == "<b>done</b>"
    assert [c["wait"] for c in outputs(r, "clear_output")] == [True]


def badge(r):
    data = result_data(r)
    assert data["text/html"] == "<span style='color:teal'>concurrency</span>"
    assert "text/plain" in data


def progress_bar(r):
    shown = outputs(r, "display_data")
    assert len(shown) == 1 and "gokernel-progress" in shown[0]["data"]["text/html"]
    display_id = shown[0]["transient"]["display_id"]
    updates = outputs(r, "update_display_data")
    assert all(u["transient"]["display_id"] == display_id for u in updates)
    assert updates[-1]["data"]["text/plain"].endswith("] 200/200")
    # "at most about ten times a second", however long the 200 steps took.
    sent = [m["header"]["date"] for m in r.msgs if m["msg_type"] in ("display_data", "update_display_data")]
    seconds = (sent[-1] - sent[0]).total_seconds()
    assert len(updates) <= 10 * seconds + 2, (len(updates), seconds)


def results_metadata(r):
    return outputs(r, "execute_result")[0]["metadata"]


def picture(r):
    """A timeline's result: "sent as SVG, as a PNG of the same picture (twice the pixels),
    and as text that says what it shows"."""
    data = result_data(r)
    assert data["image/png"], "no PNG beside the SVG"
    width = results_metadata(r)["image/png"]["width"]
    assert width > 0
    return data["image/svg+xml"], data["text/plain"]


def timeline(r):
    # "an SVG with one lane per worker, time across, a legend, and the CPU count and
    # GOMAXPROCS in the caption"; the text: "timeline: 3 lanes over 30.4 ms, 2 CPUs, ..."
    svg, text = picture(r)
    for lane in ("worker 1", "worker 2", "worker 3"):
        assert f"<title>{lane}</title>" in svg
    assert 'class="legend"' in svg and 'class="caption"' in svg and "GOMAXPROCS" in svg
    assert re.match(r"timeline: 3 lanes over [\d.]+ ms, \d+ CPUs, GOMAXPROCS \d+, overlap \d+ %\n", text), text


def ping_pong(r):
    # "Values passed on a channel are drawn as arrows between lanes", labelled with the values.
    svg, text = picture(r)
    assert "<title>ping</title>" in svg and "<title>pong</title>" in svg
    assert svg.count('class="message"') == 8, "one arrow for each of the 8 values sent"
    for i in range(1, 5):
        assert f"ball {i}" in svg
    assert text.startswith('timeline "ping-pong on unbuffered channels": 2 lanes over ')
    assert "8 messages" in text.split("\n")[0]


def compare(r):
    # "draws timelines as panels of one picture on one time axis"
    svg, text = picture(r)
    assert svg.count("<svg") == 1 and svg.count('class="panel"') == 2
    assert text.startswith("2 timelines on one time axis")
    assert 'timeline "GOMAXPROCS 1"' in text and 'timeline "GOMAXPROCS 2"' in text


def coroutine(r):
    # "first, _ := gen.Next() // 1: the generator ran up to its first yield"
    assert result_data(r)["text/plain"] == "1"


# What each block of the README says it shows, by a line of the block.
def race_found(r):
    # The example of the race detector: its cell ends with the race it found, at its lines.
    assert r.error()["ename"] == "DataRace", r.error()
    assert "WARNING: DATA RACE" in r.stderr()
    assert "counter++ // two goroutines, no lock: a data race" in r.stderr()


# Blocks whose cell fails on purpose.
RACES = {"counter++ // two goroutines, no lock: a data race"}

CLAIMS = {
    "counter++ // two goroutines, no lock: a data race": race_found,
    'fmt.Println("hello from", p)': point_and_result,
    'status := display.NewDisplay()': display_in_place,
    'badge{"concurrency"}': badge,
    'bar := progress.New(200)': progress_bar,
    'range []string{"worker 1", "worker 2", "worker 3"}': timeline,
    'tl.SetTitle("ping-pong on unbuffered channels")': ping_pong,
    'timeline.Compare(workers(1), workers(2))': compare,
    'gen := coro.New(': coroutine,
}


def test_readme_examples_show_what_the_readme_says(kernel):
    _, kc = kernel
    blocks = go_blocks()
    checked = set()
    for code in blocks:
        claims = [line for line in CLAIMS if line in code]
        assert len(claims) == 1, f"no claim (or several) to check for the README block:\n{code}"
        r = run(kc, code, timeout=300 if code.startswith("%%compile") else 60)
        if claims[0] in RACES:
            CLAIMS[claims[0]](r)
            checked.add(claims[0])
            continue
        assert r.content["status"] == "ok", (code, r.error())
        CLAIMS[claims[0]](r)
        checked.add(claims[0])
    assert checked == set(CLAIMS), f"blocks gone from the README: {set(CLAIMS) - checked}"
