// A workshop for 10 learners, started with `make workshop` on loopback: each signs in
// through the hub's HTTP API with the shared password, starts a server and a gokernel, and
// runs a lesson's first cell through @jupyterlab/services (the client JupyterLab uses).
// Then one learner's crashing cells, and their attempts to reach another learner, leave
// that learner's kernel untouched; Ctrl-C stops everything.
//
//   node --test workshop/test/hub.test.mjs      (as root, after `make build lab`; make workshop-test)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

import { repo } from '../../lab/test/harness.mjs';
import {
  Workshop, execute, firstCodeCell, isKernel, isServer, isWorker, services, tearDown,
} from './workshop.mjs';

const N = 10;
const LIMIT = '300MiB';
// Five learners of each language, one of them with a name in Hangul.
const NAMES = Array.from({ length: N }, (_, i) => (i === N - 1 ? '민아' : `learner-${String(i).padStart(2, '0')}`));
const langOf = (i) => (i % 2 === 0 ? 'en' : 'ko');

describe('a workshop of 10 learners through JupyterHub', { timeout: 900_000 }, () => {
  const S = { learners: [], kernels: [], managers: [] };

  before(async () => {
    S.w = await Workshop.start({ learners: N, lessons: 'en,ko', args: ['--memory-limit', LIMIT], name: 'hub' });
  });

  after(() => tearDown(S));

  test('the host is told where, the password, the limit and who learners run as', () => {
    assert.match(S.w.out, new RegExp(`open +http://127\\.0\\.0\\.1:${S.w.port}/`));
    assert.match(S.w.out, new RegExp(`password ${S.w.password}`));
    assert.match(S.w.out, /each kernel's interpreter stops at 300 MiB/);
    assert.ok(S.w.uidMin > 65535, `learners run as uids of their own: ${S.w.out}`);
  });

  test('a wrong password is refused', async () => {
    const res = await S.w.signIn('intruder', 'not-the-password');
    assert.equal(res.status, 200, 'the login page again, not a redirect to a server');
  });

  test('10 learners sign in, start a server each and run a lesson cell in a gokernel', async () => {
    const started = Date.now();
    S.learners = await Promise.all(NAMES.map(async (name, i) => {
      const l = await S.w.signIn(name);
      assert.equal(l.status, 201, `${name} signed in: ${JSON.stringify(l)}`);
      l.lang = langOf(i);
      const server = await S.w.startServer(l, { lang: l.lang });
      assert.ok(server.status < 300, `${name}'s server: ${JSON.stringify(server)}\n${S.w.hubLog().slice(-3000)}`);
      l.settings = S.w.serverSettings(l);
      const manager = new services.KernelManager({ serverSettings: l.settings });
      S.managers.push(manager);
      await manager.ready;
      l.kernel = await manager.startNew({ name: 'gokernel' });
      S.kernels.push(l.kernel);
      // The lesson the learner's own copy holds, in their language.
      l.cell = await firstCodeCell(l.settings, `${l.lang}/00-start.ipynb`);
      l.first = await execute(l.kernel, l.cell);
      return l;
    }));
    const seconds = (Date.now() - started) / 1000;
    for (const l of S.learners) {
      assert.match(l.cell, /Hello from Go/, `${l.name}: the lesson's first cell`);
      assert.equal(l.first.reply.status, 'ok', `${l.name}: ${JSON.stringify(l.first.reply)}`);
      assert.match(l.first.stdout, /^Hello from Go go1\.\d+/, `${l.name}'s output`);
      assert.match(l.first.result ?? '', /^[1-9]\d*$/, `${l.name}'s result: the number of cores`);
    }
    console.log(`# 10 learners: first sign-in to the last first result in ${seconds.toFixed(1)} s`);
  });

  test("each learner's lessons are a private copy in their language", async () => {
    for (const l of S.learners) {
      const contents = new services.ContentsManager({ serverSettings: l.settings });
      const root = await contents.get('', { content: true });
      contents.dispose();
      const dirs = root.content.filter((e) => e.type === 'directory').map((e) => e.name);
      assert.deepEqual(dirs, [l.lang], `${l.name} chose ${l.lang}`);
    }
    const ko = S.learners.find((l) => l.lang === 'ko');
    const contents = new services.ContentsManager({ serverSettings: ko.settings });
    const nb = await contents.get('ko/00-start.ipynb', { content: true });
    contents.dispose();
    assert.match(JSON.stringify(nb.content.cells.filter((c) => c.cell_type === 'markdown')), /[\uac00-\ud7a3]/, 'Korean prose');
  });

  test('every learner runs under a uid of their own, none as root', () => {
    const procs = S.w.processes();
    const uids = new Map();
    for (const l of S.learners) {
      const mine = procs.filter((p) => p.user === l.name);
      const server = mine.filter(isServer);
      const kernel = mine.filter(isKernel);
      const worker = mine.filter(isWorker);
      assert.equal(server.length, 1, `${l.name}: one server: ${JSON.stringify(mine)}`);
      assert.equal(kernel.length, 1, `${l.name}: one kernel: ${JSON.stringify(mine)}`);
      assert.equal(worker.length, 1, `${l.name}: one worker: ${JSON.stringify(mine)}`);
      const own = new Set(mine.map((p) => p.uid));
      assert.equal(own.size, 1, `${l.name}'s processes share one uid: ${JSON.stringify(mine)}`);
      const [uid] = own;
      assert.ok(uid >= S.w.uidMin, `${l.name} runs as uid ${uid}`);
      assert.ok(!uids.has(uid), `${l.name} and ${uids.get(uid)} share uid ${uid}`);
      uids.set(uid, l.name);
      l.workerPid = worker[0].pid;
      // The kernel's sockets are files in the learner's private runtime folder.
      const connFile = /--connection-file (\S+)/.exec(kernel[0].cmd)[1];
      l.runtimeDir = dirname(connFile);
      const conn = JSON.parse(readFileSync(connFile, 'utf8'));
      assert.equal(conn.transport, 'ipc', `${l.name}'s kernel: ${JSON.stringify(conn)}`);
      assert.equal(statSync(l.runtimeDir).mode & 0o777, 0o700);
      assert.equal(statSync(l.runtimeDir).uid, uid);
      assert.match(readFileSync(`/proc/${worker[0].pid}/limits`, 'utf8'), /^Max processes +1024 +1024 /m,
        `${l.name}: at most 1024 processes and threads`);
    }
  });

  test('make workshop-status lists the learners, their servers and their memory', () => {
    const res = spawnSync('make', ['-s', '--no-print-directory', 'workshop-status', `WORKSHOP_DIR=${S.w.dir}`],
      { cwd: repo, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^${N} learners signed in, ${N} servers running \\(room for ${N}\\)`, 'm'), res.stdout);
    for (const l of S.learners) {
      assert.match(res.stdout, new RegExp(`^  ${l.name} +running +3 processes +\\d+ MiB`, 'm'), `${l.name} in:\n${res.stdout}`);
    }
  });

  test('an eleventh learner is told the room is full', async () => {
    const late = await S.w.signIn('latecomer');
    assert.equal(late.status, 201);
    const res = await S.w.startServer(late);
    assert.equal(res.status, 429, JSON.stringify(res));
    assert.match(res.body, /limit/i);
  });

  test("learner A's crashing cells leave learner B's kernel untouched and answering", async () => {
    const [A, B] = S.learners;
    assert.equal((await execute(B.kernel, 'kept := 41')).reply.status, 'ok');
    const bAnswers = async (when) => {
      const r = await execute(B.kernel, 'kept + 1');
      assert.equal(r.result, '42', `B after A's ${when}: ${JSON.stringify(r.reply)} ${r.error}`);
    };

    const exit = await execute(A.kernel, 'import "os"\nos.Exit(3)');
    assert.equal(exit.reply.status, 'error');
    assert.match(exit.error, /exit/i, `A's os.Exit: ${exit.error}`);
    await bAnswers('os.Exit');

    const panic = await execute(A.kernel, 'import "time"\ngo func() { panic("boom in a goroutine") }()\ntime.Sleep(time.Second)');
    assert.equal(panic.reply.status, 'error');
    assert.match(panic.error, /boom in a goroutine/, `A's goroutine panic: ${panic.error}`);
    await bAnswers('goroutine panic');

    // The hog and B's cell at the same time.
    const [hog] = await Promise.all([
      execute(A.kernel, 'import "bytes"\nvar hog [][]byte\nfor {\n\thog = append(hog, bytes.Repeat([]byte{1}, 16<<20))\n}'),
      bAnswers('memory hog, during it'),
    ]);
    assert.equal(hog.reply.status, 'error');
    assert.match(hog.error, /out of memory.*300 MiB/, `A's memory hog: ${hog.error}`);
    await bAnswers('memory hog');

    const again = await execute(A.kernel, '1 + 1');
    assert.equal(again.result, '2', "A's kernel answers again, with a fresh interpreter");
    const bWorker = S.w.processes().filter((p) => p.user === B.name && isWorker(p)).map((p) => p.pid);
    assert.deepEqual(bWorker, [B.workerPid], "B's interpreter is the same process as before");
  });

  test("A's token on B's server is refused; A's cells can't reach B's processes, sockets or files", async () => {
    const [A, B] = S.learners;
    const bUrl = `${S.w.origin}/user/${encodeURIComponent(B.name)}/api/kernels`;
    const asA = await fetch(bUrl, { headers: { Authorization: `token ${A.token}` }, redirect: 'manual' });
    assert.equal(asA.status, 403, "A's token on B's server");
    const asB = await fetch(bUrl, { headers: { Authorization: `token ${B.token}` }, redirect: 'manual' });
    assert.equal(asB.status, 200, "B's own token on B's server");

    // And @jupyterlab/services with A's token on B's server: no kernel for A there.
    const intruder = new services.KernelManager({ serverSettings: S.w.serverSettings(B, A.token) });
    S.managers.push(intruder);
    await assert.rejects(intruder.startNew({ name: 'gokernel' }), /403|Forbidden/);

    const kill = await execute(A.kernel, `import "syscall"\nsyscall.Kill(${B.workerPid}, syscall.SIGKILL)`);
    assert.match(kill.result ?? '', /operation not permitted/, `A kills B's interpreter: ${JSON.stringify(kill.result)} ${kill.error}`);
    const home = `${S.w.dir}/learners/${B.name}`;
    const read = await execute(A.kernel, `import "os"\n_, err := os.ReadDir(${JSON.stringify(home)})\nerr`);
    assert.match(read.result ?? '', /permission denied/, `A lists B's home: ${read.result} ${read.error}`);
    const sockets = await execute(A.kernel, `_, err = os.ReadDir(${JSON.stringify(B.runtimeDir)})\nerr`);
    assert.match(sockets.result ?? '', /permission denied/, `A looks for B's kernel sockets: ${sockets.result} ${sockets.error}`);
    const secret = await execute(A.kernel, `_, err = os.ReadFile(${JSON.stringify(`${S.w.dir}/hub/password`)})\nerr`);
    assert.match(secret.result ?? '', /permission denied/, `A reads the hub's files: ${secret.result} ${secret.error}`);

    const b = await execute(B.kernel, 'kept + 1');
    assert.equal(b.result, '42', 'B still answers, with its names');
  });

  test('Ctrl-C stops the hub, every server, kernel and interpreter, and leaves no process', async () => {
    assert.ok(S.w.processes().length >= 3 * N + 2, 'the workshop is running before');
    for (const k of S.kernels) k.dispose();
    S.kernels.length = 0;
    const { output } = await S.w.interrupt();
    assert.match(output, /stopped; no process of the workshop is left/, output);
    assert.doesNotMatch(output, /ended \d+ process/, 'nothing had to be killed after the hub stopped');
    assert.deepEqual(S.w.processes(), [], 'no process of the workshop in /proc');
  });
});
