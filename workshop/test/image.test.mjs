// The image below the container layer: the Dockerfile's RUN steps run on this machine into
// a temporary prefix in place of /opt/gokernel, then its ENTRYPOINT runs Binder's launch
// command (`jupyter-notebook --ip ... --NotebookApp.token ...`) with the Dockerfile's ENV,
// as uid 1000 with a fresh $HOME, as the container would. @jupyterlab/services then runs a
// lesson cell there, and SIGTERM stops the server with its kernel.
//
// What this can't check: the base images, apt inside them, and the container engine.
//
//   node --test workshop/test/image.test.mjs     (as root, after `make build lab`)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, repo } from '../../lab/test/harness.mjs';
import { execute, firstCodeCell, serverSettings, services, workshopProcesses } from './workshop.mjs';

const IMAGE_PREFIX = '/opt/gokernel';
const UID = 1000;

// The Dockerfile's instructions, stage by stage, continuation lines joined.
function parseDockerfile(text) {
  const stages = [];
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of joined) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line);
    if (op === 'FROM') stages.push({ from: rest, steps: [] });
    else if (stages.length) stages.at(-1).steps.push({ op, rest });
  }
  return stages;
}

// ENV a=b c=d (the form the Dockerfile uses) into pairs.
function envPairs(rest) {
  return [...rest.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]);
}

describe('the image, below the container layer', { timeout: 600_000 }, () => {
  const S = {};

  before(() => {
    S.tmp = mkdtempSync(join(tmpdir(), 'gokernel-image-'));
    chmodSync(S.tmp, 0o755); // uid 1000 must reach the prefix, as in the image
    S.prefix = join(S.tmp, 'opt-gokernel');
    S.home = join(S.tmp, 'home-jovyan');
    mkdirSync(S.home);
    chownSync(S.home, UID, UID);
    S.stages = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  });

  after(async () => {
    if (S.server && S.server.exitCode === null) S.server.kill('SIGKILL');
    for (const p of workshopProcesses('none', UID).filter((q) => q.cmd.includes(S.tmp))) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(S.tmp, { recursive: true, force: true });
  });

  test('two stages: the build on golang (Debian 12), the image on Debian 12', () => {
    assert.equal(S.stages.length, 2);
    assert.match(S.stages[0].from, /^golang:\$\{GO_VERSION\}-bookworm AS build$/);
    assert.equal(S.stages[1].from, 'debian:bookworm-slim');
    const goMod = readFileSync(join(repo, 'go.mod'), 'utf8');
    const want = /^go (\d+\.\d+)/m.exec(goMod)[1];
    assert.match(readFileSync(join(repo, 'Dockerfile'), 'utf8'), new RegExp(`ARG GO_VERSION=${want.replace('.', '\\.')}\\n`),
      `the build's Go is go.mod's (${want})`);
  });

  test("the build stage's RUN steps install the application into a prefix", () => {
    const runs = S.stages[0].steps.filter((s) => s.op === 'RUN');
    assert.equal(runs.length, 1);
    const cmd = runs[0].rest.replaceAll(IMAGE_PREFIX, S.prefix);
    assert.match(cmd, /^\.ci\/deps \w[\w-]* && make workshop-install DEST=/, 'only project scripts');
    const res = spawnSync('bash', ['-euo', 'pipefail', '-c', cmd], { cwd: repo, encoding: 'utf8' });
    assert.equal(res.status, 0, `${cmd}\n${res.stdout}\n${res.stderr}`);
    for (const f of ['bin/gokernel', 'bin/gokernel-entrypoint', 'share/jupyter/kernels/gokernel/kernel.json',
      'share/gokernel/lab/static/bundle.js', 'share/gokernel/lessons/en/00-start.ipynb',
      'share/gokernel/lessons/ko/00-start.ipynb', 'lib/gokernel/python/gokernel_lab/__init__.py',
      'etc/jupyter/jupyter_server_config.d/gokernel.json']) {
      assert.ok(existsSync(join(S.prefix, f)), `${f} installed`);
    }
    const spec = JSON.parse(readFileSync(join(S.prefix, 'share/jupyter/kernels/gokernel/kernel.json'), 'utf8'));
    assert.equal(spec.argv[0], join(S.prefix, 'bin/gokernel'), 'the kernelspec runs the installed binary');
  });

  test("the image stage's RUN steps are project scripts too", () => {
    const runs = S.stages[1].steps.filter((s) => s.op === 'RUN').map((s) => s.rest);
    const deps = runs.find((r) => r.includes('/tmp/deps'));
    const set = /\/tmp\/deps (\S+)/.exec(deps)[1];
    const res = spawnSync(join(repo, '.ci/deps'), [set], { encoding: 'utf8' });
    assert.equal(res.status, 0, `.ci/deps ${set}: ${res.stderr}`);
    assert.ok(runs.some((r) => /^useradd .*--uid \$\{NB_UID\}/.test(r)), 'a user of uid NB_UID (Binder)');
    const copies = S.stages[1].steps.filter((s) => s.op === 'COPY').map((s) => s.rest);
    assert.ok(copies.includes(`--from=build ${IMAGE_PREFIX} ${IMAGE_PREFIX}`));
  });

  test("the Dockerfile's ENV is what the launcher gives a learner's server", () => {
    const env = Object.fromEntries(S.stages[1].steps.filter((s) => s.op === 'ENV').flatMap((s) => envPairs(s.rest)));
    const res = spawnSync('/usr/bin/python3', ['-c',
      `import json; from gokernel_workshop import layout; print(json.dumps(layout.env(${JSON.stringify(IMAGE_PREFIX)})))`],
    { env: { ...process.env, PYTHONPATH: join(repo, 'workshop') }, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const want = JSON.parse(res.stdout);
    for (const [k, v] of Object.entries(want)) assert.equal(env[k], v, `ENV ${k}`);
    assert.match(env.PATH, new RegExp(`^${IMAGE_PREFIX}/bin:`), 'the prefix first on PATH');
    S.env = env;
  });

  test("Binder's launch command through the ENTRYPOINT: our JupyterLab, the lessons in $HOME, a cell runs", async () => {
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const base = '/user/binder-abc/';
    const sub = (v) => v.replaceAll(IMAGE_PREFIX, S.prefix).replace('$PATH', '/usr/local/bin:/usr/bin:/bin');
    const env = {
      ...Object.fromEntries(Object.entries(S.env).map(([k, v]) => [k, sub(v)])),
      HOME: S.home, USER: 'jovyan', LANG: 'C.UTF-8',
    };
    const entry = JSON.parse(S.stages[1].steps.find((s) => s.op === 'ENTRYPOINT').rest).map(sub);
    const cmd = [...entry, 'jupyter-notebook', '--ip=127.0.0.1', `--port=${port}`,
      `--NotebookApp.base_url=${base}`, `--NotebookApp.token=${token}`, '--NotebookApp.trust_xheaders=True'];
    let log = '';
    S.server = spawn(cmd[0], cmd.slice(1), { cwd: S.home, env, uid: UID, gid: UID, stdio: ['ignore', 'pipe', 'pipe'] });
    S.server.stdout.on('data', (c) => { log += c; });
    S.server.stderr.on('data', (c) => { log += c; });
    const exited = new Promise((r) => S.server.on('exit', (code, sig) => r({ code, sig })));

    const origin = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      assert.equal(S.server.exitCode, null, `the server exited:\n${log}`);
      const ok = await fetch(`${origin}${base}api`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) break;
      assert.ok(Date.now() < deadline, `no answer in 120 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(readdirSync(S.home).filter((d) => !d.startsWith('.')).sort(), ['en', 'ko'], 'both languages copied');
    const landing = await fetch(`${origin}${base}?token=${token}`, { redirect: 'manual' });
    assert.match(landing.headers.get('location') ?? '', /\/lab\/tree\/en\/00-start\.ipynb(\?|$)/, 'the start page first');
    const page = await fetch(`${origin}${base}lab/tree/en/00-start.ipynb?token=${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /jupyter-config-data/, 'our JupyterLab page');

    const settings = serverSettings(`${origin}${base}`, token);
    const manager = new services.KernelManager({ serverSettings: settings });
    await manager.ready;
    const kernel = await manager.startNew({ name: 'gokernel' });
    const r = await execute(kernel, await firstCodeCell(settings, 'en/00-start.ipynb'));
    assert.equal(r.reply.status, 'ok', log);
    assert.match(r.stdout, /^Hello from Go go1\.\d+/);
    const kernels = workshopProcesses('none', UID).filter((p) => p.cmd.includes(`${S.prefix}/bin/gokernel`));
    assert.ok(kernels.length >= 2, `the kernel and its interpreter run as uid ${UID}: ${JSON.stringify(kernels)}`);
    kernel.dispose();
    manager.dispose();

    S.server.kill('SIGTERM');
    const end = await exited;
    assert.equal(end.code, 0, `SIGTERM stops the server cleanly:\n${log.slice(-2000)}`);
    const left = workshopProcesses('none', UID).filter((p) => p.cmd.includes(S.prefix));
    assert.deepEqual(left, [], 'no kernel outlives the server');
  });
});
