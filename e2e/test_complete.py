"""Tab and Shift-Tab through jupyter_client."""

import time

from conftest import run


def complete(kc, code, cursor=None):
    kc.complete(code, len(code) if cursor is None else cursor)
    return kc.get_shell_msg(timeout=10)["content"]


def test_complete_package_members(kernel):
    _, kc = kernel
    c = complete(kc, "fmt.Pr")
    assert c["status"] == "ok"
    assert {"Print", "Printf", "Println"} <= set(c["matches"])
    assert "Sprintf" not in c["matches"]
    assert (c["cursor_start"], c["cursor_end"]) == (4, 6)
    types = {t["text"]: t["type"] for t in c["metadata"]["_jupyter_types_experimental"]}
    assert types["Println"] == "function"
    assert "Second" in complete(kc, "time.Sec")["matches"]
    assert {"Mutex", "WaitGroup", "Once"} <= set(complete(kc, "sync.")["matches"])


def test_complete_import_path(kernel):
    _, kc = kernel
    c = complete(kc, 'import "con')
    assert "context" in c["matches"]
    assert "container/list" in c["matches"]


def test_complete_session_variable_members(kernel):
    _, kc = kernel
    run(kc, 'import "sync"\nvar wg sync.WaitGroup')
    c = complete(kc, "wg.")
    assert {"Add", "Done", "Wait"} <= set(c["matches"])
    run(kc, "type point struct{ X, Y int }\nfunc (p point) Norm() int { return p.X*p.X + p.Y*p.Y }\npt := point{3, 4}")
    # A variable of a type the cells declared offers its fields and its methods.
    assert set(complete(kc, "pt.")["matches"]) == {"X", "Y", "Norm"}
    assert complete(kc, "pt.N")["matches"] == ["Norm"]


def test_complete_in_the_middle_with_wide_characters(kernel):
    _, kc = kernel
    code = 's := "가😀"; fmt.Pr + 1'
    cursor = code.index("Pr") + 2  # code points, as Jupyter counts
    c = complete(kc, code, cursor)
    assert "Println" in c["matches"]
    assert c["cursor_start"] == code.index("Pr")


def test_inspect_shows_doc(kernel):
    _, kc = kernel
    code = "time.Sleep"
    kc.inspect(code, len(code))
    c = kc.get_shell_msg(timeout=10)["content"]
    assert c["status"] == "ok" and c["found"]
    text = c["data"]["text/plain"]
    assert "func Sleep(d Duration)" in text
    assert "pauses the current goroutine" in text


def test_completion_answers_while_a_cell_runs(kernel):
    _, kc = kernel
    msg_id = kc.execute('import "time"\ntime.Sleep(3 * time.Second)')
    start = time.monotonic()
    c = complete(kc, "fmt.Pr")
    assert "Println" in c["matches"]
    assert time.monotonic() - start < 1.5  # the cell still sleeps
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id


def test_failed_cell_aborts_the_queued_ones(kernel):
    _, kc = kernel
    # The first cell fails after the second one is surely queued.
    first = kc.execute('import "time"\ntime.Sleep(300 * time.Millisecond)\npanic("stop here")')
    second = kc.execute("1 + 1")
    replies = {}
    for _ in range(2):
        r = kc.get_shell_msg(timeout=10)
        replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
    assert replies == {first: "error", second: "aborted"}
    assert run(kc, "2 + 2").result() == "4"


def test_inspect_variable_shows_type_and_value(kernel):
    _, kc = kernel
    run(kc, "inspected := []int{4, 5, 6}\nhuge := make([]byte, 1<<20)")
    kc.inspect("inspected", 3)
    text = kc.get_shell_msg(timeout=10)["content"]["data"]["text/plain"]
    assert "[]int" in text and "value: [4 5 6]" in text, text
    kc.inspect("huge", 2)
    text = kc.get_shell_msg(timeout=10)["content"]["data"]["text/plain"]
    assert "value: []uint8 of length 1048576" in text, text
