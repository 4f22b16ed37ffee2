"""A sample of the cell compiler's golden files (eval/testdata), run end to
end through jupyter_client: the same cells give the same output and results
through the real kernel as through the interpreter layer."""

import pathlib
import re

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import Run, collect, run

TESTDATA = pathlib.Path(__file__).resolve().parents[1] / "eval" / "testdata"


def cells(name):
    """The cells of a golden file with their expected stdout and result."""
    text = (TESTDATA / name).read_text()
    parts = re.split(r"^-- (\w+) --\n", text, flags=re.M)[1:]
    out = []
    for kind, body in zip(parts[0::2], parts[1::2]):
        if kind == "cell":
            out.append({"code": body, "stdout": "", "stderr": None, "result": None, "error": False})
        elif kind in ("stdout", "stderr"):
            out[-1][kind] = body
        elif kind == "result":
            out[-1]["result"] = body.rstrip("\n")
        elif kind == "error":
            out[-1]["error"] = True
    return out


@pytest.mark.parametrize("name", ["concurrency.txtar", "go122.txtar", "programs.txtar", "results.txtar", "select.txtar",
                                  "iterators.txtar", "rangefunc.txtar", "errorsmodern.txtar"])
def test_golden_file_through_the_kernel(prefix, name):
    km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=30)
    try:
        for i, cell in enumerate(cells(name)):
            if "os.Stdin" in cell["code"]:
                # The golden run feeds "gopher 42" to stdin; here the front end does.
                msg_id = kc.execute(cell["code"], allow_stdin=True)
                assert kc.get_stdin_msg(timeout=10)["msg_type"] == "input_request"
                kc.input("gopher 42")
                reply = kc.get_shell_msg(timeout=10)
                r = Run(reply, collect(kc, msg_id))
            else:
                r = run(kc, cell["code"], timeout=60)
            where = f"{name} cell {i + 1}:\n{cell['code']}"
            if cell["error"]:
                assert r.content["status"] == "error", where
                continue
            assert r.content["status"] == "ok", (where, r.error())
            assert r.stdout() == cell["stdout"], where
            assert r.result() == cell["result"], where
            if cell["stderr"] is not None:
                assert r.stderr() == cell["stderr"], where
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
