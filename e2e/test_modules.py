"""Cells import packages beyond the standard library: golang.org/x/sync from the
machine's configured Go module proxy, fetched into a module cache of the test's."""

import json
import os
import subprocess
import tempfile
import urllib.request

import pytest

from conftest import kernel_with, run


def _proxy():
    """The first network proxy of `go env GOPROXY`, or None when it names none."""
    out = subprocess.run(["go", "env", "GOPROXY"], capture_output=True, text=True, check=True).stdout.strip()
    for entry in out.replace("|", ",").split(","):
        if entry.startswith(("http://", "https://")):
            return entry.rstrip("/")
    return None


def _reachable(proxy):
    try:
        with urllib.request.urlopen(proxy + "/golang.org/x/sync/@v/list", timeout=20) as r:
            return r.status == 200, None
    except OSError as e:
        return False, str(e)


@pytest.fixture(scope="module")
def modules_kernel(prefix):
    proxy = _proxy()
    if proxy is None:
        pytest.skip("the machine's GOPROXY names no module proxy to fetch golang.org/x/sync from")
    ok, why = _reachable(proxy)
    if not ok:
        pytest.skip(f"the module proxy {proxy} is unreachable: {why}")
    with tempfile.TemporaryDirectory(prefix="gokernel-modules-") as d:
        # A module cache of the test's: the first import really downloads. -modcacherw lets the
        # folder be removed afterwards.
        with kernel_with(GOKERNEL_CACHE_DIR=os.path.join(d, "cache"), GOMODCACHE=os.path.join(d, "modcache"),
                         GOFLAGS="-modcacherw") as (km, kc):
            yield kc, d


def test_errgroup_cancels_the_group(modules_kernel):
    kc, _ = modules_kernel
    r = run(kc, 'import (\n\t"context"\n\t"errors"\n\t"fmt"\n\t"golang.org/x/sync/errgroup"\n)', timeout=180)
    assert r.content["status"] == "ok", r.error()
    # The first import showed its fetch, and ended with the module it fetched.
    shown = [m for m in r.msgs if m["msg_type"] in ("display_data", "update_display_data")]
    texts = [m["content"]["data"]["text/plain"] for m in shown]
    assert texts and texts[0].startswith("fetching golang.org/x/sync/errgroup"), texts
    assert texts[-1].startswith("fetched golang.org/x/sync/errgroup in ") and "golang.org/x/sync v0." in texts[-1], texts

    r = run(kc, '''g, gctx := errgroup.WithContext(context.Background())
g.Go(func() error { return errors.New("worker 2 failed") })
g.Go(func() error {
	<-gctx.Done() // the group cancels the others when one fails
	return gctx.Err()
})
err := g.Wait()
fmt.Println(err, "|", gctx.Err())''')
    assert r.content["status"] == "ok", r.error()
    assert r.stdout() == "worker 2 failed | context canceled\n"


def test_semaphore_bounds_concurrency(modules_kernel):
    kc, _ = modules_kernel
    r = run(kc, 'import (\n\t"context"\n\t"sync"\n\t"sync/atomic"\n\t"time"\n\t"golang.org/x/sync/semaphore"\n)', timeout=180)
    assert r.content["status"] == "ok", r.error()
    r = run(kc, '''sem := semaphore.NewWeighted(2)
var running, most atomic.Int64
var wg sync.WaitGroup
for i := 0; i < 8; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		sem.Acquire(context.Background(), 1)
		defer sem.Release(1)
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
	}()
}
wg.Wait()
most.Load()''')
    assert r.content["status"] == "ok", r.error()
    assert r.result() in ("1", "2"), r.result()


def test_go_list_and_a_refused_move(modules_kernel):
    kc, d = modules_kernel
    r = run(kc, '%go list')
    assert r.content["status"] == "ok", r.error()
    line = [l for l in r.stdout().splitlines() if l.startswith("golang.org/x/sync ")]
    assert line and "golang.org/x/sync/errgroup" in line[0] and "golang.org/x/sync/semaphore" in line[0], r.stdout()
    # The interpreter has x/sync loaded: another version is refused, with what to do.
    r = run(kc, '%go get golang.org/x/sync@v0.21.0', timeout=120)
    assert r.content["status"] == "error"
    assert "can't unload" in r.error()["evalue"] and "%reset" in r.error()["evalue"], r.error()
    # Nothing was written beside the notebook: the session's module is in the cache folder.
    mods = [p for p in os.listdir(os.path.join(d, "cache", "modules")) if p.startswith("session-")]
    assert len(mods) == 1, mods


def test_an_unknown_module_names_the_line(modules_kernel):
    kc, _ = modules_kernel
    r = run(kc, 'x := 1\nimport "golang.org/x/nosuchmodule42"', timeout=120)
    assert r.content["status"] == "error"
    e = r.error()
    assert e["ename"] == "ImportError"
    # A proxy answers an unknown module with 404 (proxy.golang.org) or refuses it with 403 (a
    # restricting mirror): either way the message names the import's line and the module.
    assert e["evalue"].startswith("cell[") and ":2:8: " in e["evalue"], e["evalue"]
    assert ("no module provides golang.org/x/nosuchmodule42" in e["evalue"]
            or "the module proxy refused golang.org/x/nosuchmodule42" in e["evalue"]), e["evalue"]
    assert "spelling" in e["evalue"], e["evalue"]


def test_a_compiled_cell_uses_the_sessions_modules(modules_kernel):
    kc, _ = modules_kernel
    r = run(kc, '%%compile -race\nvar g errgroup.Group\ng.SetLimit(2)\nfor i := 1; i <= 3; i++ {\n\tg.Go(func() error { return nil })\n}\nfmt.Println("compiled:", g.Wait())', timeout=300)
    assert r.content["status"] == "ok", r.error()
    assert r.stdout() == "compiled: <nil>\n", r.stdout()


def test_a_package_that_crashes_the_interpreter_is_named(modules_kernel):
    # Last in this file: the crash restarts the kernel's interpreter. golang.org/x/text's
    # unicode/norm makes yaegi overflow its stack building a type; Go can't recover that.
    kc, _ = modules_kernel
    assert run(kc, "%go get golang.org/x/text@v0.44.0", timeout=120).content["status"] == "ok"
    r = run(kc, 'import "golang.org/x/text/cases"', timeout=180)
    assert r.content["status"] == "error"
    e = r.error()
    assert ("the interpreter crashed (stack overflow) while it read the source of package "
            "golang.org/x/text/unicode/norm (golang.org/x/text@v0.44.0)") in e["evalue"], e["evalue"]
    assert any("names defined in earlier cells are gone" in line for line in e["traceback"]), e["traceback"]
    assert run(kc, "1 + 1").result() == "2"
