"""The community's kernel conformance suite (Debian's python3-jupyter-kernel-test)."""

import os
import subprocess
import tempfile
import unittest

import jupyter_kernel_test

from conftest import _binary


class GoKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "gokernel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import ("fmt"; "os")\nfmt.Fprintln(os.Stderr, "to stderr")'
    completion_samples = [
        {"text": "fmt.Printl", "matches": {"Println"}},
        {"text": "strings.ToUpp", "matches": {"ToUpper", "ToUpperSpecial"}},
    ]
    complete_code_samples = ["x := 1", "func f() int {\n\treturn 1\n}", ""]
    incomplete_code_samples = ["func f() int {", "xs := []int{1,", "s := `raw"]
    invalid_code_samples = ["}", "x := (1]"]
    code_generate_error = "var zero int\n1 / zero"
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"go" + "pher"', "result": '"gopher"'},
    ]
    code_display_data = [
        {"code": 'import "gokernel/display"\ndisplay.HTML("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import "gokernel/display"\ndisplay.SVG("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>")', "mime": "image/svg+xml"},
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "strings.ToUpper"
    code_clear_output = 'import "gokernel/display"\ndisplay.Clear(false)'

    @classmethod
    def setUpClass(cls):
        cls._prefix = tempfile.TemporaryDirectory(prefix="gokernel-conformance-")
        subprocess.run([str(_binary()), "install", "--prefix", cls._prefix.name], check=True, capture_output=True)
        cls._old_path = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.path.join(cls._prefix.name, "share", "jupyter")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        # Put back the kernelspec the other test modules share.
        if cls._old_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = cls._old_path
        cls._prefix.cleanup()


if __name__ == "__main__":
    unittest.main()
