// What the workshop's tests and benchmark share: a workshop started with the documented
// command (`make workshop`) in a temporary folder on loopback, learners who sign in
// through the hub's HTTP API with the shared password, their servers started through it,
// @jupyterlab/services connected through the hub's proxy, and the workshop's processes as
// /proc shows them.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, labDir, outDir, repo } from '../../lab/test/harness.mjs';

// The app's own copy of the client, the one the JupyterLab bundle is built from.
const require = createRequire(`${labDir}/package.json`);
export const services = require('@jupyterlab/services');
const WebSocket = require('ws');

// @jupyterlab/services settings for the Jupyter server at baseUrl, with a token.
export function serverSettings(baseUrl, token) {
  return services.ServerConnection.makeSettings({
    baseUrl, wsUrl: baseUrl.replace(/^http/, 'ws'), token, appendToken: true, WebSocket,
  });
}

// --- /proc ---------------------------------------------------------------------------------

function read(path, enc) {
  try { return readFileSync(path, enc); } catch { return null; }
}

export function procEnv(pid) {
  const raw = read(`/proc/${pid}/environ`, 'utf8');
  if (raw === null) return null;
  const env = {};
  for (const kv of raw.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

export function procStatus(pid) {
  const raw = read(`/proc/${pid}/status`, 'utf8');
  if (raw === null) return null;
  const st = {};
  for (const line of raw.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) st[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return { name: st.Name, state: st.State ?? '', uid: Number(st.Uid?.split(/\s+/)[0]), ppid: Number(st.PPid) };
}

export function procCmdline(pid) {
  return (read(`/proc/${pid}/cmdline`, 'utf8') ?? '').split('\0').filter(Boolean);
}

// PSS in bytes, from /proc/pid/smaps_rollup.
export function procPss(pid) {
  const m = /^Pss:\s+(\d+) kB/m.exec(read(`/proc/${pid}/smaps_rollup`, 'utf8') ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

// utime + stime in clock ticks (100 a second on Linux).
export function procTicks(pid) {
  const raw = read(`/proc/${pid}/stat`, 'utf8');
  if (!raw) return 0;
  const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

// Every live process whose environment names the workshop in dir, or that runs under one
// of the learners' uids (uidMin and up), with what it is.
export function workshopProcesses(dir, uidMin = null) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const pid = Number(name);
    const st = procStatus(pid);
    if (!st || st.state.startsWith('Z')) continue;
    const env = procEnv(pid) ?? {};
    if (env.GOKERNEL_WORKSHOP === dir || (uidMin !== null && st.uid >= uidMin && st.uid < uidMin + 1e6)) {
      out.push({ pid, uid: st.uid, user: env.JUPYTERHUB_USER ?? null, cmd: procCmdline(pid).join(' ').slice(0, 200) });
    }
  }
  return out;
}

export const isKernel = (p) => / run --connection-file /.test(p.cmd);
export const isWorker = (p) => /\/gokernel worker$/.test(p.cmd);
export const isServer = (p) => /jupyterhub-singleuser/.test(p.cmd);

// --- the workshop ----------------------------------------------------------------------------

// Bounds on waits for events (a child's exit, a line of output); unref'd, so a bound that
// never fires doesn't keep the test process alive.
const delay = (ms) => new Promise((r) => setTimeout(r, ms).unref());

// A test that fails or is interrupted leaves nothing running.
const running = new Set();
process.on('exit', () => {
  for (const w of running) w.killAll();
});

export class Workshop {
  // Starts `make workshop` in a fresh folder; resolves once it printed that it is ready.
  // runAs: start the launcher itself as that ordinary user instead (setpriv), from an
  // application installed beforehand as `make workshop-install` does.
  static async start({ learners = 10, lessons = 'en', args = [], name = 'workshop', runAs = null } = {}) {
    const w = new Workshop();
    w.name = name;
    w.dir = mkdtempSync(join(tmpdir(), 'gokernel-workshop-'));
    w.port = await freePort();
    w.password = `pw-${randomBytes(4).toString('hex')}`;
    w.origin = `http://127.0.0.1:${w.port}`;
    w.out = '';
    const common = ['--port', String(w.port), '--password', w.password, ...args];
    if (runAs) {
      const top = w.dir;
      chmodSync(top, 0o755);
      w.dir = join(top, 'w');
      const app = join(w.dir, 'app');
      const inst = spawnSync('/usr/bin/python3', ['-m', 'gokernel_workshop', 'install', '--dest', app, '--from', repo], {
        env: { ...process.env, PYTHONPATH: join(repo, 'workshop') }, encoding: 'utf8',
      });
      if (inst.status !== 0) throw new Error(`install: ${inst.stdout}${inst.stderr}`);
      spawnSync('chown', [`${runAs}:`, w.dir]);
      w.proc = spawn('setpriv', [`--reuid=${runAs}`, `--regid=${runAs === 'nobody' ? 'nogroup' : runAs}`, '--clear-groups',
        'env', '-i', 'PATH=/usr/bin:/bin', `HOME=${top}`, `USER=${runAs}`, `PYTHONPATH=${join(app, 'lib/gokernel/python')}`,
        '/usr/bin/python3', '-m', 'gokernel_workshop', 'start', '--dir', w.dir, '--learners', String(learners),
        '--lessons', lessons, ...common], { cwd: top, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      w.top = top;
    } else {
      // A process group of its own: Ctrl-C in a terminal signals the whole foreground
      // group, make and the launcher; interrupt() does the same to this group.
      w.proc = spawn('make', ['-s', '--no-print-directory', 'workshop', `WORKSHOP_DIR=${w.dir}`,
        `LEARNERS=${learners}`, `LESSONS=${lessons}`, `WORKSHOP_ARGS=${common.join(' ')}`], {
        cwd: repo, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
    w.exited = new Promise((r) => w.proc.on('exit', (code, sig) => r({ code, sig })));
    running.add(w);
    w.ready = new Promise((ok, fail) => {
      const collect = (chunk) => {
        w.out += chunk.toString();
        if (/Stop with Ctrl-C/.test(w.out)) ok();
      };
      w.proc.stdout.on('data', collect);
      w.proc.stderr.on('data', collect);
      w.exited.then(({ code, sig }) => fail(new Error(`make workshop exited (${code ?? sig}) before it was ready:\n${w.out}\n${w.hubLog()}`)));
    });
    const timeout = delay(300_000).then(() => { throw new Error(`make workshop not ready in 300 s:\n${w.out}`); });
    await Promise.race([w.ready, timeout]);
    const uid = /run as uids from (\d+)/.exec(w.out);
    w.uidMin = uid ? Number(uid[1]) : null;
    return w;
  }

  hubLog() {
    return read(join(this.dir, 'hub', 'hub.log'), 'utf8') ?? '';
  }

  saveLog() {
    writeFileSync(join(outDir, `${this.name}-hub.log`), `${this.out}\n--- hub.log ---\n${this.hubLog()}`);
  }

  processes() {
    return workshopProcesses(this.dir, this.uidMin);
  }

  // Ctrl-C: SIGINT to make and the launcher. Resolves with make's exit and its output.
  async interrupt(timeout = 240_000) {
    process.kill(-this.proc.pid, 'SIGINT');
    return this.waitExit(timeout);
  }

  // `make workshop-stop` from another terminal.
  async stop(timeout = 240_000) {
    const stopper = spawn('make', ['-s', '--no-print-directory', 'workshop-stop', `WORKSHOP_DIR=${this.dir}`], {
      cwd: repo, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    stopper.stdout.on('data', (c) => { out += c; });
    stopper.stderr.on('data', (c) => { out += c; });
    const code = await new Promise((r) => stopper.on('exit', r));
    const result = await this.waitExit(timeout);
    return { ...result, stopOutput: out, stopCode: code };
  }

  async waitExit(timeout) {
    const res = await Promise.race([this.exited, delay(timeout).then(() => null)]);
    if (!res) throw new Error(`the workshop did not stop in ${timeout / 1000} s:\n${this.out}`);
    return { ...res, output: this.out };
  }

  // After a failed test: nothing of it may outlive the test run.
  killAll() {
    try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
    for (const p of this.processes()) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }

  remove() {
    running.delete(this);
    rmSync(this.top ?? this.dir, { recursive: true, force: true });
  }

  // --- the hub's HTTP API, as a learner ---------------------------------------------------------

  // Signs in on the hub's login form with the shared password (the hub creates the learner),
  // then asks the API for a token with the same name and password.
  async signIn(name, password = this.password) {
    const login = await fetch(`${this.origin}/hub/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: name, password }),
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
    if (login.status !== 302) return { status: login.status };
    const res = await fetch(`${this.origin}/hub/api/users/${encodeURIComponent(name)}/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { username: name, password }, note: 'workshop test' }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 201) return { status: res.status, body: await res.text() };
    const body = await res.json();
    return { status: 201, name: body.user, token: body.token };
  }

  api(path, token, init = {}) {
    return fetch(`${this.origin}/hub/api${path}`, {
      ...init,
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      signal: init.signal ?? AbortSignal.timeout(60_000),
    });
  }

  // Starts the learner's server and waits for the hub's progress stream to say it is ready.
  async startServer(learner, options = {}, timeout = 300_000) {
    const res = await this.api(`/users/${encodeURIComponent(learner.name)}/server`, learner.token, {
      method: 'POST', body: JSON.stringify(options),
    });
    if (![201, 202].includes(res.status)) return { status: res.status, body: await res.text() };
    const progress = await this.api(`/users/${encodeURIComponent(learner.name)}/server/progress`, learner.token, {
      headers: { Accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeout),
    });
    const events = [];
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of progress.body) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('');
        if (!data) continue;
        const ev = JSON.parse(data);
        events.push(ev);
        if (ev.ready) return { status: res.status, url: ev.url, events };
        if (ev.failed) return { status: 500, events, body: ev.message };
      }
    }
    return { status: 500, events, body: 'the progress stream ended before the server was ready' };
  }

  // @jupyterlab/services settings for the learner's server, through the proxy.
  serverSettings(learner, token = learner.token) {
    return serverSettings(`${this.origin}/user/${encodeURIComponent(learner.name)}/`, token);
  }
}

// What a test's after() does: the clients' sockets closed, the hub's log kept in
// lab/test-output/, nothing of the workshop left running, its folder gone.
export function tearDown(S) {
  for (const k of S.kernels ?? []) k.dispose();
  for (const m of S.managers ?? []) m.dispose();
  if (S.w) {
    S.w.saveLog();
    S.w.killAll();
    S.w.remove();
  }
}

// Runs code in a kernel and collects what it published and its reply.
export async function execute(kernel, code) {
  const iopub = [];
  const future = kernel.requestExecute({ code, stop_on_error: false });
  future.onIOPub = (msg) => {
    if (!['status', 'execute_input'].includes(msg.header.msg_type)) iopub.push(msg);
  };
  const reply = (await future.done).content;
  const text = (v) => (Array.isArray(v) ? v.join('') : v ?? '');
  const stdout = iopub.filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout').map((m) => m.content.text).join('');
  const result = iopub.find((m) => m.header.msg_type === 'execute_result');
  const error = iopub.find((m) => m.header.msg_type === 'error');
  return {
    reply, iopub, stdout,
    result: result ? text(result.content.data['text/plain']) : null,
    error: error ? `${error.content.ename}: ${error.content.evalue}` : null,
  };
}

// The source of a lesson's first code cell, read through the learner's server.
export async function firstCodeCell(settings, path) {
  const contents = new services.ContentsManager({ serverSettings: settings });
  const model = await contents.get(path, { content: true });
  contents.dispose();
  const cell = model.content.cells.find((c) => c.cell_type === 'code');
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}
