// What the JupyterLab tests share: a Jupyter server of Debian's on loopback with the
// freshly built kernel installed in a temporary prefix, Debian's Chromium driven by
// playwright-core, and helpers that act in our JupyterLab as a learner would (file
// browser, menus, toolbar, keys) and read back what the notebook model holds.
//
// Environment: GOKERNEL_BIN (default ../../bin/gokernel), GOKERNEL_LAB_BUILD (default
// ../build), CHROMIUM (default /usr/bin/chromium), JUPYTER_NOTEBOOK (default
// jupyter-notebook). Pictures and logs go to lab/test-output/.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const labDir = resolve(here, '..');
export const repo = resolve(labDir, '..');
export const outDir = join(labDir, 'test-output');
export const gokernelBin = resolve(process.env.GOKERNEL_BIN || join(repo, 'bin', 'gokernel'));
export const buildDir = resolve(process.env.GOKERNEL_LAB_BUILD || join(labDir, 'build'));
const chromiumBin = process.env.CHROMIUM || '/usr/bin/chromium';
const notebookBin = process.env.JUPYTER_NOTEBOOK || 'jupyter-notebook';
const python = '/usr/bin/python3';

export const KERNEL = 'gokernel';
export const KERNEL_DISPLAY_NAME = 'Go (yaegi)';

mkdirSync(outDir, { recursive: true });

export function freePort() {
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

// For bounded waits on process exit only; tests wait on events.
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// --- a temporary Jupyter home with the kernel installed -------------------------------------

// A folder with the kernelspec in prefix/, and Jupyter's config, data and runtime folders of
// its own, so nothing in ~/.jupyter or ~/.local is read or written.
export function workspace(name) {
  if (!existsSync(gokernelBin)) {
    throw new Error(`kernel binary ${gokernelBin} not found: run \`make build\` or set GOKERNEL_BIN`);
  }
  const tmp = mkdtempSync(join(tmpdir(), `gokernel-${name}-`));
  const prefix = join(tmp, 'prefix');
  const inst = spawnSync(gokernelBin, ['install', '--prefix', prefix], { encoding: 'utf8' });
  if (inst.status !== 0) {
    throw new Error(`${gokernelBin} install --prefix ${prefix} failed:\n${inst.stdout}${inst.stderr}`);
  }
  for (const d of ['config', 'runtime', 'data', 'ipython', 'root']) mkdirSync(join(tmp, d));
  const env = {
    ...process.env,
    JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: join(tmp, 'config'),
    JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
    JUPYTER_DATA_DIR: join(tmp, 'data'),
    IPYTHONDIR: join(tmp, 'ipython'),
    PYTHONDONTWRITEBYTECODE: '1',
    GOKERNEL_LAB_BUILD: buildDir,
  };
  return { tmp, prefix, root: join(tmp, 'root'), runtimeDir: join(tmp, 'runtime'), env };
}

// Copies the lessons (whatever notebooks/en and notebooks/ko hold) into root and returns
// their paths relative to it, English first.
export function copyLessons(root) {
  const lessons = [];
  for (const lang of ['en', 'ko']) {
    const from = join(repo, 'notebooks', lang);
    cpSync(from, join(root, lang), {
      recursive: true, filter: (src) => !/[/\\]\.ipynb_checkpoints$/.test(src),
    });
    for (const f of readdirSync(from).filter((f) => f.endsWith('.ipynb')).sort()) lessons.push(`${lang}/${f}`);
  }
  return lessons;
}

export function readNotebook(root, rel) {
  return JSON.parse(readFileSync(join(root, rel), 'utf8'));
}

// --- the server ----------------------------------------------------------------------------

// Kernels run in sessions of their own, out of reach of a kill of the server's process
// group. Their command line names their connection file, in this workspace's runtime
// folder: found by that, they are killed by pid.
function pidsMentioning(needle) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

function kill(pid, sig) {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

const running = new Set();
function killAllSync() {
  for (const s of running) s.killSync();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killAllSync(); process.exit(130); });
}

export class JupyterServer {
  // kind: 'lab' (our JupyterLab on jupyter_server 1.23) or 'notebook' (Notebook 6.4).
  static async start(kind, ws, { baseUrl = '/' } = {}) {
    const s = new JupyterServer();
    s.kind = kind;
    s.ws = ws;
    s.log = '';
    s.port = await freePort();
    s.token = randomBytes(24).toString('hex');
    s.baseUrl = baseUrl;
    s.origin = `http://127.0.0.1:${s.port}`;
    const common = ['--no-browser', `--port=${s.port}`, '--port-retries=0', '--ip=127.0.0.1', '--allow-root'];
    let cmd; let args; let env = ws.env;
    if (kind === 'lab') {
      if (!existsSync(join(buildDir, 'static', 'bundle.js'))) {
        throw new Error(`${buildDir}/static/bundle.js is missing: run \`make lab\``);
      }
      cmd = python;
      args = ['-m', 'gokernel_lab', ...common, `--ServerApp.token=${s.token}`, `--ServerApp.base_url=${baseUrl}`,
        `--ServerApp.root_dir=${ws.root}`, '--GoLabApp.expose_app_in_browser=True'];
      env = { ...env, PYTHONPATH: [labDir, env.PYTHONPATH].filter(Boolean).join(':') };
    } else if (kind === 'notebook') {
      cmd = notebookBin;
      args = [...common, `--NotebookApp.token=${s.token}`, `--NotebookApp.base_url=${baseUrl}`,
        `--notebook-dir=${ws.root}`];
    } else {
      throw new Error(`unknown server kind ${kind}`);
    }
    // detached: a process group of its own, so one signal reaches the server's helpers too.
    s.proc = spawn(cmd, args, { cwd: ws.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    s.exited = new Promise((r) => s.proc.on('exit', (code, sig) => r({ code, sig })));
    s.proc.on('error', (e) => { s.log += `spawn ${cmd}: ${e.message}\n`; });
    const collect = (chunk) => { s.log += chunk.toString(); };
    s.proc.stdout.on('data', collect);
    s.proc.stderr.on('data', collect);
    running.add(s);

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) {
        throw new Error(`${kind} server exited early (${s.proc.exitCode ?? s.proc.signalCode}):\n${s.logTail()}`);
      }
      try {
        const res = await fetch(s.url('api'), { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          s.version = (await res.json()).version;
          return s;
        }
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`${kind} server did not answer on ${s.url('api')} in 60 s:\n${s.logTail()}`);
      await delay(200);
    }
  }

  // An address on the server, with the token.
  url(path = '', withToken = true) {
    const u = new URL(`${this.baseUrl.replace(/\/?$/, '/')}${path}`, this.origin);
    if (withToken) u.searchParams.set('token', this.token);
    return u.href;
  }

  logTail(n = 80) {
    return this.log.split('\n').slice(-n).join('\n');
  }

  saveLog(name) {
    writeFileSync(join(outDir, `${name}-server.log`), this.log);
  }

  killSync() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) kill(-this.proc.pid, 'SIGKILL');
    for (const pid of pidsMentioning(this.ws.runtimeDir)) kill(pid, 'SIGKILL');
  }

  async stop() {
    try {
      const res = await fetch(this.url('api/kernels'), { signal: AbortSignal.timeout(3000) });
      const kernels = res.ok ? await res.json() : [];
      await Promise.all(kernels.map((k) => fetch(this.url(`api/kernels/${k.id}`), {
        method: 'DELETE', signal: AbortSignal.timeout(10_000),
      }).catch(() => {})));
    } catch { /* already gone */ }
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      kill(-this.proc.pid, 'SIGTERM');
      if (!(await Promise.race([this.exited, delay(5000).then(() => null)]))) kill(-this.proc.pid, 'SIGKILL');
      await Promise.race([this.exited, delay(2000)]);
    }
    for (const pid of pidsMentioning(this.ws.runtimeDir)) kill(pid, 'SIGKILL');
    running.delete(this);
  }
}

// --- the browser ---------------------------------------------------------------------------

export async function launchChromium(profileDir) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumBin,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  }).catch((e) => {
    throw new Error(`could not start ${chromiumBin} (run \`.ci/deps lab-test\`): ${e.message}`);
  });
}

// What jupyter_server 1.23 doesn't serve, and JupyterLab asks for anyway: it logs these and
// goes on (an anonymous user; no server events).
const KNOWN_CONSOLE_ERRORS = [
  /\/api\/me\b/,
  /\/api\/events\/subscribe\b/,
  // A Markdown cell's picture is an attachment (attachment:NAME.png): JupyterLab puts the
  // rendered HTML in the page before it swaps that address for the picture's data, and the
  // browser logs its try at the first one. (lab.test.mjs checks that the pictures show.)
  /net::ERR_UNKNOWN_URL_SCHEME attachment:/,
  // JupyterLab's outputs turn path-like words into links to files the server has (the
  // race detector's hint "use sync/atomic"): it asks the server, and the browser logs
  // each 404 answer for a word that is no file.
  /\/api\/resolvePath\?path=/,
  /\/api\/contents\/[^?]*\?content=0&hash=0&/,
];

// A page of our JupyterLab; console errors and page errors are kept for the test to check.
export class Lab {
  static async open(context, server, path = 'lab') {
    const lab = new Lab();
    lab.server = server;
    lab.errors = [];
    lab.page = await context.newPage();
    lab.page.on('pageerror', (e) => lab.errors.push(`pageerror: ${e.stack || e.message}`));
    lab.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location()?.url || '';
      const text = `${m.text()} ${where}`;
      if (!KNOWN_CONSOLE_ERRORS.some((re) => re.test(text))) lab.errors.push(`console: ${text}`);
    });
    lab.page.on('response', (r) => {
      if (r.status() >= 400 && !KNOWN_CONSOLE_ERRORS.some((re) => re.test(r.url()))) {
        lab.errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
      }
    });
    await lab.page.goto(server.url(path), { waitUntil: 'load' });
    await lab.page.waitForFunction(() => window.jupyterapp, null, { timeout: 60_000, polling: 100 })
      .catch((e) => { throw new Error(`JupyterLab did not start (${e.message})`); });
    await lab.page.evaluate(() => window.jupyterapp.restored);
    await lab.page.locator('.jp-DirListing-content').waitFor({ timeout: 30_000 });
    return lab;
  }

  // Unexpected browser errors since the page opened (or since the last call).
  takeErrors() {
    const e = this.errors;
    this.errors = [];
    return e;
  }

  async screenshot(name) {
    const file = join(outDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // Runs fn; a failure gets a screenshot and the server log's tail.
  async diagnosed(name, fn) {
    try {
      return await fn();
    } catch (err) {
      if (!this.page.isClosed()) await this.screenshot(`failure-${name}`).catch(() => {});
      // A failure leaves its documents open, where the next test would find their cells:
      // close them, so that one failure stays one.
      if (!this.page.isClosed()) {
        await this.page.evaluate(async () => {
          for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
            if (w.sessionContext) await w.sessionContext.shutdown().catch(() => {});
            w.dispose();
          }
        }).catch(() => {});
      }
      this.server.saveLog(`failure-${name}`);
      err.message += `\n--- browser errors ---\n${this.errors.slice(-20).join('\n')}` +
        `\n--- server log (tail) ---\n${this.server.logTail(40)}`;
      throw err;
    }
  }

  // --- acting -----------------------------------------------------------------------------

  // A main-menu item: menu('Run', 'Run All Cells'), menu('Settings', 'Theme', 'JupyterLab Dark').
  async menu(...labels) {
    const [top, ...items] = labels;
    await this.page.locator('#jp-MainMenu .lm-MenuBar-item').filter({ hasText: new RegExp(`^${top}$`) }).click();
    for (const label of items) {
      const item = this.page.locator('.lm-Menu:visible .lm-Menu-item')
        .filter({ has: this.page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
      await item.first().click();
    }
  }

  // Opens a file by double-clicks in the file browser, from its root down.
  async openFromFileBrowser(rel) {
    const page = this.page;
    await page.locator('#filebrowser .jp-BreadCrumbs-home').click();
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const item = page.locator('#filebrowser .jp-DirListing-item')
        .filter({ has: page.locator('.jp-DirListing-itemText', { hasText: new RegExp(`^${escapeRegExp(parts[i])}$`) }) });
      await item.dblclick({ timeout: 30_000 });
      if (i < parts.length - 1) {
        await page.locator('#filebrowser .jp-BreadCrumbs').filter({ hasText: parts.slice(0, i + 1).join('/') })
          .waitFor({ timeout: 30_000 });
      }
    }
    await this.waitForNotebook(rel);
  }

  // Waits until rel is the current notebook, its kernel connected and idle.
  async waitForNotebook(rel, timeout = 90_000) {
    await this.page.waitForFunction((path) => {
      const w = window.jupyterapp.shell.currentWidget;
      return !!(w && w.context && w.context.path === path && w.content && w.content.widgets &&
        w.context.isReady && w.sessionContext.session?.kernel?.status === 'idle' &&
        w.sessionContext.session.kernel.connectionStatus === 'connected');
    }, rel, { timeout, polling: 100 }).catch(async (e) => {
      throw new Error(`notebook ${rel} did not open with an idle kernel: ${JSON.stringify(await this.kernelState())} (${e.message})`);
    });
  }

  async kernelState() {
    return this.page.evaluate(() => {
      const w = window.jupyterapp.shell.currentWidget;
      const k = w?.sessionContext?.session?.kernel;
      return { path: w?.context?.path, kernel: k?.name, status: k?.status, connection: k?.connectionStatus };
    }).catch((e) => ({ error: e.message }));
  }

  async waitForKernelStatus(status, timeout = 60_000) {
    await this.page.waitForFunction((want) => {
      const k = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
      return k?.status === want;
    }, status, { timeout, polling: 50 });
  }

  // The "Clear Outputs of All Cells" command of the Edit menu.
  async clearAllOutputs() {
    await this.menu('Edit', 'Clear Outputs of All Cells');
    await this.page.waitForFunction(() => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      return nb.widgets.every((c) => c.model.type !== 'code' || (c.model.outputs.length === 0 && c.model.executionCount === null));
    }, null, { timeout: 10_000, polling: 50 });
  }

  // Run > Run All Cells, then waits until every code cell has its execution count and the
  // kernel is idle. Returns the number of seconds it took.
  async runAll(timeout = 240_000) {
    const started = Date.now();
    await this.menu('Run', 'Run All Cells');
    await this.page.waitForFunction(() => {
      const w = window.jupyterapp.shell.currentWidget;
      const cells = w.content.widgets.filter((c) => c.model.type === 'code');
      return w.sessionContext.session?.kernel?.status === 'idle' &&
        cells.every((c) => typeof c.model.executionCount === 'number' && c.model.executionState !== 'running');
    }, null, { timeout, polling: 250 }).catch(async (e) => {
      const state = await this.cells().catch(() => []);
      throw new Error(`Run All did not finish in ${timeout / 1000} s: execution counts ` +
        `${JSON.stringify(state.filter((c) => c.type === 'code').map((c) => c.executionCount))}, ` +
        `kernel ${JSON.stringify(await this.kernelState())} (${e.message})`);
    });
    return (Date.now() - started) / 1000;
  }

  // The current notebook's cells as the model holds them.
  async cells() {
    return this.page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.map((c) => ({
      id: c.model.id,
      type: c.model.type,
      tags: c.model.getMetadata('tags') ?? [],
      source: c.model.sharedModel.getSource(),
      executionCount: c.model.type === 'code' ? c.model.executionCount : null,
      trusted: c.model.trusted,
      mimeType: c.model.mimeType,
      outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [],
    })));
  }

  // A new cell at the end of the current notebook with source, run with Ctrl-Enter;
  // returns once its reply is in (execution count set) and the kernel is idle.
  async runNewCell(source, timeout = 60_000) {
    const index = await this.appendCell(source);
    await this.page.keyboard.press('Control+Enter');
    await this.waitForCell(index, timeout);
    return index;
  }

  // Puts source in a new code cell at the end (or in the last cell, when it is an empty
  // code cell that never ran) and leaves the cursor at its end; returns the cell's index.
  async appendCell(source) {
    const index = await this.page.evaluate(async (src) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = nb.widgets.length - 1;
      const last = nb.activeCell.model;
      if (!(last.type === 'code' && last.sharedModel.getSource() === '' && last.executionCount === null)) {
        await window.jupyterapp.commands.execute('notebook:insert-cell-below');
      }
      nb.activeCell.model.sharedModel.setSource(src);
      return nb.activeCellIndex;
    }, source);
    await this.focusCellEnd(index);
    return index;
  }

  // Clicks into cell index's editor and puts the cursor at the end of its text.
  async focusCellEnd(index) {
    const editor = this.page.locator('.jp-Notebook .jp-Cell').nth(index).locator('.cm-content');
    await editor.scrollIntoViewIfNeeded();
    await editor.click();
    await this.page.keyboard.press('Control+End');
  }

  // The text/plain of cell index's execute_result, or null when it has none.
  async resultOf(index) {
    const result = (await this.cells())[index].outputs.find((o) => o.output_type === 'execute_result');
    return result ? outputText(result) : null;
  }

  async waitForCell(index, timeout = 60_000) {
    await this.page.waitForFunction((i) => {
      const w = window.jupyterapp.shell.currentWidget;
      const c = w.content.widgets[i];
      return typeof c.model.executionCount === 'number' && c.model.executionState !== 'running' &&
        w.sessionContext.session?.kernel?.status === 'idle';
    }, index, { timeout, polling: 50 }).catch(async (e) => {
      const cells = await this.cells().catch(() => []);
      throw new Error(`cell ${index} did not finish in ${timeout / 1000} s: ${JSON.stringify(cells[index])}, ` +
        `kernel ${JSON.stringify(await this.kernelState())} (${e.message})`);
    });
  }

  // Closes the current notebook unsaved and shuts its kernel down, freeing the CPU for the
  // next one.
  async closeAndShutdown() {
    await this.page.evaluate(async () => {
      const w = window.jupyterapp.shell.currentWidget;
      await w.sessionContext.shutdown();
      w.dispose();
    });
  }

  // Settings > Theme > name; returns once the theme's CSS is in and the splash screen that
  // covers the page meanwhile is gone.
  async setTheme(name) {
    await this.menu('Settings', 'Theme', name);
    await this.page.waitForFunction((n) => document.body.dataset.jpThemeName === n &&
      !document.querySelector('#jupyterlab-splash'), name, { timeout: 30_000, polling: 50 });
  }

  // Scrolls the cell with the given id into the middle of the window (its output, if it has
  // one) and returns its index.
  async showCell(id) {
    const index = (await this.cells()).findIndex((c) => c.id === id);
    if (index < 0) throw new Error(`no cell ${id} in ${JSON.stringify((await this.kernelState()).path)}`);
    const cell = this.page.locator('.jp-Notebook .jp-Cell').nth(index);
    await cell.scrollIntoViewIfNeeded();
    await cell.evaluate((el) => (el.querySelector('.jp-OutputArea-output') ?? el).scrollIntoView({ block: 'center' }));
    return index;
  }

  // Rendered outputs of the current notebook, as a learner sees them: for each output of
  // each code cell, the MIME type JupyterLab chose and what is on the screen.
  async renderedOutputs() {
    return this.page.evaluate(() => {
      const out = [];
      window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, index) => {
        if (cell.model.type !== 'code') return;
        cell.node.querySelectorAll('.jp-OutputArea-output').forEach((node) => {
          out.push({
            cell: index,
            mime: node.dataset.mimeType || '',
            img: !!node.querySelector('img'),
            svg: !!node.querySelector('svg'),
            progress: !!node.querySelector('progress'),
            text: node.textContent.slice(0, 200),
          });
        });
      });
      return out;
    });
  }
}

export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The text of an output as JupyterLab's model stores it.
export function outputText(o) {
  const join = (v) => (Array.isArray(v) ? v.join('') : v ?? '');
  if (o.output_type === 'stream') return join(o.text);
  if (o.output_type === 'error') return `${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`;
  return join(o.data?.['text/plain']);
}

export function removeWorkspace(ws) {
  if (ws?.tmp) rmSync(ws.tmp, { recursive: true, force: true });
}
