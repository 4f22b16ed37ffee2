// A workshop started by an ordinary user (no root, so no uid per learner): the host is
// told that learners share the user, each learner still gets a server of their own, a
// lesson cell runs, and Ctrl-C leaves no process.
//
//   node --test workshop/test/user.test.mjs     (as root: it starts the launcher as nobody)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  Workshop, execute, firstCodeCell, isKernel, isServer, isWorker, services, tearDown,
} from './workshop.mjs';

describe('a workshop started by an ordinary user', { timeout: 600_000 }, () => {
  const S = { managers: [], kernels: [] };

  before(async () => {
    S.w = await Workshop.start({ learners: 2, runAs: 'nobody', name: 'user' });
  });

  after(() => tearDown(S));

  test('the host is told that every learner runs as that user', () => {
    assert.match(S.w.out, /learners +all run as nobody: they can reach each other's files and processes/);
  });

  test('two learners, a server and a kernel each, as nobody; a lesson cell runs', async () => {
    for (const name of ['ann', 'ben']) {
      const l = await S.w.signIn(name);
      assert.equal(l.status, 201);
      const s = await S.w.startServer(l);
      assert.ok(s.status < 300, JSON.stringify(s));
      const settings = S.w.serverSettings(l);
      const manager = new services.KernelManager({ serverSettings: settings });
      S.managers.push(manager);
      await manager.ready;
      const kernel = await manager.startNew({ name: 'gokernel' });
      S.kernels.push(kernel);
      const r = await execute(kernel, await firstCodeCell(settings, 'en/00-start.ipynb'));
      assert.match(r.stdout, /^Hello from Go/);
    }
    const procs = S.w.processes();
    for (const name of ['ann', 'ben']) {
      const mine = procs.filter((p) => p.user === name);
      assert.deepEqual([mine.filter(isServer).length, mine.filter(isKernel).length, mine.filter(isWorker).length], [1, 1, 1],
        JSON.stringify(mine));
    }
    assert.deepEqual([...new Set(procs.map((p) => p.uid))], [65534], 'the hub, the proxy and every learner: nobody');
  });

  test('Ctrl-C leaves no process', async () => {
    for (const k of S.kernels) k.dispose();
    S.kernels.length = 0;
    const { output } = await S.w.interrupt();
    assert.match(output, /stopped; no process of the workshop is left/, output);
    assert.deepEqual(S.w.processes(), []);
  });
});
