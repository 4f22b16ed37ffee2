// A real-browser end-to-end test of gokernel: Debian's jupyter-notebook (Notebook 6,
// classic UI) on loopback with the freshly built kernel installed in a temporary prefix,
// and Debian's Chromium, headless, driven by playwright-core. It opens the start page and
// lesson 1, runs every cell of the lesson from the Cell menu, waits for the kernel to be
// idle and checks the outputs in the page. Screenshots go to notebooks/browser/out/.
//
//   node --test notebooks/browser/notebook.test.mjs       (from the repository root)
//
// Needs: .ci/deps browser (jupyter-notebook, chromium), node >= 20, bin/gokernel (make
// build; GOKERNEL_BIN overrides). node_modules is installed with `npm ci` when missing.
// CHROMIUM overrides the browser (default /usr/bin/chromium).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const outDir = join(here, 'out');
const gokernelBin = resolve(process.env.GOKERNEL_BIN || join(repo, 'bin', 'gokernel'));
const chromiumBin = process.env.CHROMIUM || '/usr/bin/chromium';
const notebookBin = process.env.JUPYTER_NOTEBOOK || 'jupyter-notebook';

const START = 'en/00-start.ipynb';
const LESSON = 'en/01-concurrency-vs-parallelism.ipynb';
const KERNEL_DISPLAY_NAME = 'Go (yaegi)';
const RUN_TIMEOUT_MS = 90_000;

// --- node_modules: install the locked playwright-core when it is missing or stale ---------

function lockedVersion() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  return lock.packages['node_modules/playwright-core'].version;
}

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(here, 'node_modules', 'playwright-core', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

if (installedVersion() !== lockedVersion()) {
  // stdout of a test file belongs to the test runner: npm talks on stderr.
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: here, stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0) {
    throw new Error(`npm ci in ${here} failed (exit ${r.status}${r.error ? ', ' + r.error.message : ''})`);
  }
}
const { chromium } = await import('playwright-core');

// --- helpers ------------------------------------------------------------------------------

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The first heading of a notebook's first markdown cell, from the file in the repository.
function notebookTitle(rel) {
  const nb = JSON.parse(readFileSync(join(repo, 'notebooks', rel), 'utf8'));
  const md = nb.cells.find((c) => c.cell_type === 'markdown');
  const src = Array.isArray(md.source) ? md.source.join('') : md.source;
  const line = src.split('\n').find((l) => l.startsWith('# '));
  return line.slice(2).trim();
}

// Kernels are started by the server in their own sessions, so killing the server's process
// group does not reach them. Their command line names their connection file, which lives in
// this run's JUPYTER_RUNTIME_DIR: find them by that, and kill them by pid.
function pidsMentioning(needle) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(needle)) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

function killPid(pid, sig) {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

// --- the server and the browser ------------------------------------------------------------

const S = {
  tmp: null, runtimeDir: null, server: null, serverExited: null, serverLog: '',
  port: 0, token: '', base: '', context: null, console: [],
};

function logTail(n = 80) {
  return S.serverLog.split('\n').slice(-n).join('\n');
}

function saveServerLog() {
  if (S.serverLog) writeFileSync(join(outDir, 'server.log'), S.serverLog);
}

// Adds the server log and the browser console to a failure, and a screenshot of the page.
async function diagnosed(name, page, fn) {
  try {
    return await fn();
  } catch (err) {
    if (page && !page.isClosed()) {
      await page.screenshot({ path: join(outDir, `failure-${name}.png`), fullPage: true }).catch(() => {});
    }
    saveServerLog();
    if (S.console.length) err.message += `\n--- browser console (last 40) ---\n${S.console.slice(-40).join('\n')}`;
    if (S.serverLog) {
      err.message += `\n--- jupyter-notebook log (last 80 lines; all in ${join(outDir, 'server.log')}) ---\n${logTail()}`;
    }
    throw err;
  }
}

function killEverythingSync() {
  if (S.server && S.server.exitCode === null && S.server.signalCode === null) {
    killPid(-S.server.pid, 'SIGKILL');
  }
  if (S.runtimeDir) for (const pid of pidsMentioning(S.runtimeDir)) killPid(pid, 'SIGKILL');
}
process.on('exit', killEverythingSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killEverythingSync(); process.exit(130); });
}

async function startServer() {
  if (!existsSync(gokernelBin)) {
    throw new Error(`kernel binary ${gokernelBin} not found: run \`make build\` or set GOKERNEL_BIN`);
  }
  if (spawnSync(notebookBin, ['--version']).status !== 0) {
    throw new Error(`${notebookBin} not found: run \`.ci/deps browser\``);
  }
  S.tmp = mkdtempSync(join(tmpdir(), 'gokernel-browser-'));
  const prefix = join(S.tmp, 'prefix');
  const inst = spawnSync(gokernelBin, ['install', '--prefix', prefix], { encoding: 'utf8' });
  if (inst.status !== 0) {
    throw new Error(`${gokernelBin} install --prefix ${prefix} failed:\n${inst.stdout}${inst.stderr}`);
  }
  const nbDir = join(S.tmp, 'notebooks');
  cpSync(join(repo, 'notebooks'), nbDir, {
    recursive: true,
    filter: (src) => !/[/\\](browser|node_modules|__pycache__|\.ipynb_checkpoints)$/.test(src),
  });
  S.runtimeDir = join(S.tmp, 'runtime');
  for (const d of ['config', 'runtime', 'data', 'ipython']) mkdirSync(join(S.tmp, d));

  S.port = await freePort();
  S.token = randomBytes(24).toString('hex');
  S.base = `http://127.0.0.1:${S.port}`;
  const env = {
    ...process.env,
    JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: join(S.tmp, 'config'),
    JUPYTER_RUNTIME_DIR: S.runtimeDir,
    JUPYTER_DATA_DIR: join(S.tmp, 'data'),
    IPYTHONDIR: join(S.tmp, 'ipython'),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const args = [
    '--no-browser', `--port=${S.port}`, '--port-retries=0', '--ip=127.0.0.1',
    `--NotebookApp.token=${S.token}`, '--allow-root', `--notebook-dir=${nbDir}`,
  ];
  // detached: its own process group, so one kill takes the server and its helpers.
  S.server = spawn(notebookBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  S.serverExited = new Promise((r) => S.server.on('exit', (code, sig) => r({ code, sig })));
  S.server.on('error', (e) => { S.serverLog += `spawn error: ${e.message}\n`; });
  const collect = (chunk) => { S.serverLog += chunk.toString(); };
  S.server.stdout.on('data', collect);
  S.server.stderr.on('data', collect);

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (S.server.exitCode !== null || S.server.signalCode !== null) {
      throw new Error(`jupyter-notebook exited early (${S.server.exitCode ?? S.server.signalCode}):\n${logTail()}`);
    }
    try {
      const res = await fetch(`${S.base}/api?token=${S.token}`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        const { version } = await res.json();
        return version;
      }
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`jupyter-notebook did not answer on ${S.base}/api in 30 s:\n${logTail()}`);
    await sleep(200);
  }
}

async function stopServer() {
  if (!S.server) return;
  // Ask the server to shut its kernels down, then stop it; then make sure.
  try {
    const res = await fetch(`${S.base}/api/kernels?token=${S.token}`, { signal: AbortSignal.timeout(2000) });
    const kernels = res.ok ? await res.json() : [];
    await Promise.all(kernels.map((k) => fetch(`${S.base}/api/kernels/${k.id}?token=${S.token}`, {
      method: 'DELETE', signal: AbortSignal.timeout(5000),
    }).catch(() => {})));
  } catch { /* server already gone */ }
  if (S.server.exitCode === null && S.server.signalCode === null) {
    killPid(-S.server.pid, 'SIGTERM');
    const exited = await Promise.race([S.serverExited, sleep(5000).then(() => null)]);
    if (!exited) killPid(-S.server.pid, 'SIGKILL');
    await Promise.race([S.serverExited, sleep(2000)]);
  }
  for (const pid of pidsMentioning(S.runtimeDir)) killPid(pid, 'SIGKILL');
}

async function openNotebook(rel) {
  const page = await S.context.newPage();
  page.on('console', (m) => S.console.push(`[${rel}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => S.console.push(`[${rel}] pageerror: ${e.message}`));
  await page.goto(`${S.base}/notebooks/${rel}?token=${S.token}`, { waitUntil: 'load' });
  // Notebook loaded and its kernel started, connected and idle.
  await page.waitForFunction(() => {
    const nb = window.Jupyter && window.Jupyter.notebook;
    return !!(nb && nb._fully_loaded && nb.kernel && nb.kernel.is_connected() &&
      document.querySelector('#kernel_indicator_icon.kernel_idle_icon'));
  }, null, { timeout: 30_000, polling: 100 });
  return page;
}

// The classic notebook scrolls inside #site, not the document: let it grow for a full-page shot.
async function fullScreenshot(page, file) {
  // Let MathJax finish, so its "Loading…" box is not in the picture (no failure if it lingers).
  await page.waitForFunction(() => {
    const m = document.querySelector('#MathJax_Message');
    return !m || getComputedStyle(m).display === 'none' || m.textContent.trim() === '';
  }, null, { timeout: 10_000, polling: 100 }).catch(() => {});
  await page.addStyleTag({
    content: 'html, body { height: auto !important; overflow: visible !important; }' +
      ' #site { height: auto !important; overflow: visible !important; }',
  });
  await page.screenshot({ path: join(outDir, file), fullPage: true });
}

// --- the tests -----------------------------------------------------------------------------

// Setup runs once, from the first test that needs it. (Not a before() hook: node 20 counts
// the tests of a suite whose hook failed as "cancelled", not as "fail".) When it fails, every
// test fails with its error.
let setupOnce = null;
function setup() {
  setupOnce ??= (async () => {
    mkdirSync(outDir, { recursive: true });
    for (const f of readdirSync(outDir)) rmSync(join(outDir, f), { force: true });
    const version = await diagnosed('server', null, startServer);
    S.context = await chromium.launchPersistentContext(join(S.tmp, 'chromium-profile'), {
      executablePath: chromiumBin,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    }).catch((e) => {
      throw new Error(`could not start ${chromiumBin} (run \`.ci/deps browser\`): ${e.message}`);
    });
    process.stderr.write(`notebook server ${version} on ${S.base}, browser ${S.context.browser()?.version() ?? ''}\n`);
  })();
  return setupOnce;
}

describe('gokernel in Jupyter Notebook in Chromium', { timeout: 150_000 }, () => {
  after(async () => {
    await S.context?.close().catch(() => {});
    await stopServer();
    saveServerLog();
    if (S.tmp) rmSync(S.tmp, { recursive: true, force: true });
  });

  test('start page shows the Go (yaegi) kernel and its title', async () => {
    await setup();
    const page = await diagnosed('start', null, () => openNotebook(START));
    await diagnosed('start', page, async () => {
      const kernelName = (await page.locator('#kernel_indicator .kernel_indicator_name').innerText()).trim();
      assert.equal(kernelName, KERNEL_DISPLAY_NAME, 'kernel indicator');
      const info = await page.evaluate(() => ({
        spec: Jupyter.notebook.kernel.name,
        name: document.querySelector('#notebook_name').textContent.trim(),
      }));
      assert.equal(info.spec, 'gokernel', 'kernelspec the notebook runs on');
      assert.equal(info.name, '00-start', 'notebook name in the header');
      assert.match(await page.title(), /^00-start\b/, 'page title');
      const title = notebookTitle(START);
      const h1 = page.locator('#notebook .text_cell_render h1').first();
      assert.equal((await h1.innerText()).replace(/¶$/, '').trim(), title, 'start page heading');
      await fullScreenshot(page, '00-start.png');
    });
    await page.close();
  });

  test('lesson 1 runs all cells from the Cell menu', async (t) => {
    await setup();
    const page = await diagnosed('lesson', null, () => openNotebook(LESSON));
    await diagnosed('lesson', page, async () => {
      // The lessons are saved with outputs: clear them so that what is checked below is new.
      const left = await page.evaluate(() => {
        Jupyter.notebook.clear_all_output();
        return Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code')
          .reduce((n, c) => n + c.output_area.outputs.length, 0);
      });
      assert.equal(left, 0, 'outputs left after Cell → All Output → Clear');
      assert.equal(await page.locator('#notebook .output_area').count(), 0, 'output areas left in the page');

      const started = Date.now();
      await page.click('#celllink');
      await page.click('#run_all_cells > a');
      const done = await page.waitForFunction(() => {
        const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code');
        const idle = !!document.querySelector('#kernel_indicator_icon.kernel_idle_icon');
        const ok = idle && cells.every((c) => typeof c.input_prompt_number === 'number');
        return ok && cells.map((c) => c.input_prompt_number);
      }, null, { timeout: RUN_TIMEOUT_MS, polling: 250 }).catch(async (e) => {
        const state = await page.evaluate(() => ({
          prompts: Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code').map((c) => c.input_prompt_number ?? null),
          icon: document.querySelector('#kernel_indicator_icon')?.className,
        })).catch(() => ({}));
        throw new Error(`cells did not all finish within ${RUN_TIMEOUT_MS / 1000} s: ` +
          `execution counts ${JSON.stringify(state.prompts)}, kernel icon ${state.icon} (${e.message})`);
      });
      const counts = await done.jsonValue();
      t.diagnostic(`${counts.length} code cells ran in ${((Date.now() - started) / 1000).toFixed(1)} s, execution counts ${counts.join(',')}`);
      for (let i = 1; i < counts.length; i++) {
        assert.ok(counts[i] > counts[i - 1], `execution counts should increase down the page: ${counts}`);
      }

      const outputs = await page.evaluate(() => Jupyter.notebook.get_cells()
        .filter((c) => c.cell_type === 'code')
        .map((c) => c.output_area.outputs.map((o) => ({
          type: o.output_type,
          text: Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''),
          mime: Object.keys(o.data ?? {}),
          error: o.output_type === 'error' ? `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}` : '',
        }))));
      const errors = outputs.flat().filter((o) => o.type === 'error').map((o) => o.error);
      assert.deepEqual(errors, [], 'no cell should end in an error');
      assert.equal(await page.locator('#notebook .output_error').count(), 0, '.output_error elements in the page');

      // The CPU cores line, as a stream output and on the page.
      assert.ok(outputs.flat().some((o) => o.type === 'stream' && o.text.includes('CPU cores')),
        'a stream output with "CPU cores"');
      const cores = page.locator('#notebook .output_area .output_stream', { hasText: 'CPU cores' });
      assert.equal(await cores.count(), 1, 'stream output "CPU cores" rendered');
      t.diagnostic((await cores.innerText()).trim().replace(/\n/g, ' | '));

      // The two timelines: image/svg+xml results, rendered as <svg> elements with a size.
      const svgOutputs = outputs.flat().filter((o) => o.mime.includes('image/svg+xml')).length;
      assert.ok(svgOutputs >= 2, `two image/svg+xml timelines expected, got ${svgOutputs}`);
      const svgs = page.locator('#notebook .output_area svg');
      assert.ok(await svgs.count() >= 2, `<svg> timelines in the page: ${await svgs.count()}`);
      for (const box of await Promise.all((await svgs.all()).map((s) => s.boundingBox()))) {
        assert.ok(box && box.width > 50 && box.height > 20, `an <svg> timeline is too small to see: ${JSON.stringify(box)}`);
      }

      await fullScreenshot(page, '01-concurrency-vs-parallelism.png');
    });
    await page.close();
  });
});
