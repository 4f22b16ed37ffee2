"""The kernel speaks Jupyter's protocol to a real client."""

import time

import pytest

from conftest import read_spec, run, spec_dir, collect


def test_kernelspec_installed(prefix):
    spec = read_spec(prefix)
    assert spec["display_name"] == "Go (yaegi)"
    assert spec["language"] == "go"
    assert spec["interrupt_mode"] == "message"
    assert spec["argv"][1:] == ["run", "--connection-file", "{connection_file}"]
    for size in (32, 64):
        png = (spec_dir(prefix) / f"logo-{size}x{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (size, size)


def test_kernel_info(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    c = reply["content"]
    assert c["status"] == "ok"
    assert c["protocol_version"] == "5.3"
    li = c["language_info"]
    assert li["name"] == "go"
    assert li["file_extension"] == ".go"
    assert li["mimetype"] == "text/x-go"
    assert li["pygments_lexer"] == "go"
    assert li["codemirror_mode"] == "go"
    assert li["version"][0].isdigit()
    assert "gokernel" in c["banner"]
    assert c["help_links"]
    # Every request is wrapped in busy/idle on iopub.
    states = [m["content"]["execution_state"] for m in collect(kc, msg_id) if m["msg_type"] == "status"]
    assert states == ["busy", "idle"]


def test_execute_message_order(kernel):
    _, kc = kernel
    r = run(kc, 'import "fmt"\nfmt.Println("hello")\n6 * 7')
    assert r.content["status"] == "ok"
    assert r.types() == ["status", "execute_input", "stream", "execute_result", "status"]
    assert r.stdout() == "hello\n"
    assert r.result() == "42"
    ein = r.msgs[1]["content"]
    assert ein["execution_count"] == r.content["execution_count"]


def test_names_persist_and_mixed_cells(kernel):
    _, kc = kernel
    r = run(kc, 'import "sync"\nvar wg sync.WaitGroup\nch := make(chan int, 1)\nfunc double(n int) int { return 2 * n }\nch <- double(21)')
    assert r.content["status"] == "ok", r.error()
    assert r.result() is None  # statements and declarations have no result
    r = run(kc, "<-ch")
    assert r.result() == "42"


def test_no_result_for_println_and_declarations(kernel):
    _, kc = kernel
    r = run(kc, 'import "fmt"\nfmt.Println("x")')
    assert r.result() is None
    assert r.stdout() == "x\n"
    r = run(kc, "type point struct{ X, Y int }")
    assert r.result() is None and r.content["status"] == "ok"


def test_execution_count(kernel):
    _, kc = kernel
    a = run(kc, "1").content["execution_count"]
    b = run(kc, "2").content["execution_count"]
    assert b == a + 1
    s = run(kc, "3", silent=True)
    assert s.types() == ["status", "status"]  # silent: no execute_input, no result
    c = run(kc, "4", store_history=False).content["execution_count"]
    assert c == b
    d = run(kc, "5").content["execution_count"]
    assert d == b + 1


def test_compile_error_has_cell_position(kernel):
    _, kc = kernel
    r = run(kc, "x := 1\ny := undefinedThing + 1")
    assert r.content["status"] == "error"
    err = r.error()
    assert err["ename"] == "CompileError"
    assert ":2:" in err["evalue"], err["evalue"]
    assert "undefinedThing" in err["evalue"]
    assert "_.go" not in "\n".join(err["traceback"])
    assert r.content["ename"] == "CompileError"


def test_runtime_panic(kernel):
    _, kc = kernel
    r = run(kc, "var m map[string]int\nzero := 0\n10 / zero")
    assert r.content["status"] == "error"
    err = r.error()
    assert "divide by zero" in err["evalue"]
    assert run(kc, "1 + 1").result() == "2"


def test_is_complete(kernel):
    _, kc = kernel
    for code, status in [("func f() {", "incomplete"), ("x := 1", "complete"), ("}", "invalid")]:
        kc.is_complete(code)
        reply = kc.get_shell_msg(timeout=10)
        assert reply["content"]["status"] == status, code
    kc.is_complete("func f() {")
    assert kc.get_shell_msg(timeout=10)["content"]["indent"] == "    "


def test_comm_info_and_history(kernel):
    _, kc = kernel
    kc.comm_info()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"] == {"status": "ok", "comms": {}}
    run(kc, "historyMarker := 7")
    kc.history(hist_access_type="tail", n=1, output=False, raw=True)
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["history"][-1][2] == "historyMarker := 7"


def test_unknown_message_type_is_ignored(kernel):
    _, kc = kernel
    msg = kc.session.msg("no_such_request", {})
    kc.shell_channel.send(msg)
    assert run(kc, "2 + 3").result() == "5"


def test_stdin_input_request(kernel):
    _, kc = kernel
    msg_id = kc.execute('import "fmt"\nvar name string\nfmt.Scanln(&name)\n"hello " + name', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=10)
    assert req["msg_type"] == "input_request"
    assert req["parent_header"]["msg_id"] == msg_id
    kc.input("gopher")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"
    msgs = collect(kc, msg_id)
    results = [m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"]
    assert results == ['"hello gopher"']


def test_stdin_not_allowed_is_an_error_not_a_hang(kernel):
    _, kc = kernel
    r = run(kc, 'import ("bufio"; "os")\n_, err := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\nerr', allow_stdin=False, timeout=15)
    assert "allow_stdin" in (r.result() or ""), r.msgs
