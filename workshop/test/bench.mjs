// A benchmark, not a test: a room of learners (30) arriving at once at a workshop started
// with `make workshop` on this machine. Each signs in through the hub's API, starts a
// server and a gokernel and runs the start page's first cell through @jupyterlab/services.
//
// Measured: time from the first sign-in to the last learner's first result (and each step's
// spread); memory per learner (PSS of their server, kernel and interpreter, from
// /proc/<pid>/smaps_rollup); CPU spent starting them; CPU of the hub and proxy, and of
// everything, while the room sits idle with every kernel connected; the time to stop.
//
//   make workshop-bench                 (BENCH_LEARNERS=30)
//   node workshop/test/bench.mjs --learners 30 --idle 60 --out bench/out

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  Workshop, execute, firstCodeCell, isKernel, isServer, isWorker, procPss, procTicks, services,
} from './workshop.mjs';

const { values: opt } = parseArgs({
  options: {
    learners: { type: 'string', default: '30' },
    idle: { type: 'string', default: '60' },
    out: { type: 'string', default: 'bench/out' },
  },
});
const N = Number(opt.learners);
const IDLE = Number(opt.idle);
const TICK = 100; // clock ticks a second

const MiB = 1 << 20;
const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const memAvailable = () => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))[1]) * 1024;
const ticksOf = (ps) => ps.reduce((t, p) => t + procTicks(p.pid), 0);
const hubAndProxy = (ps) => ps.filter((p) => /-m jupyterhub -f|configurable-http-proxy/.test(p.cmd));

const kernels = [];
const managers = [];
let w;
try {
  const memBefore = memAvailable();
  const load = loadavg();
  w = await Workshop.start({ learners: N, lessons: 'en', name: 'bench' });
  const limit = /stops at ([\d.]+ [MG]iB)/.exec(w.out)?.[1];
  const startTicks = ticksOf(w.processes());

  const t0 = Date.now();
  const rows = await Promise.all(Array.from({ length: N }, async (_, i) => {
    const name = `bench-${String(i).padStart(2, '0')}`;
    const r = { name };
    const l = await w.signIn(name);
    if (l.status !== 201) throw new Error(`${name} could not sign in: ${JSON.stringify(l)}`);
    r.signedIn = Date.now() - t0;
    const s = await w.startServer(l);
    if (s.status >= 300) throw new Error(`${name}'s server: ${JSON.stringify(s)}`);
    r.serverReady = Date.now() - t0;
    const settings = w.serverSettings(l);
    const manager = new services.KernelManager({ serverSettings: settings });
    managers.push(manager);
    await manager.ready;
    const kernel = await manager.startNew({ name: 'gokernel' });
    kernels.push(kernel);
    await kernel.info;
    r.kernelReady = Date.now() - t0;
    const res = await execute(kernel, await firstCodeCell(settings, 'en/00-start.ipynb'));
    if (res.reply.status !== 'ok' || !/Hello from Go/.test(res.stdout)) {
      throw new Error(`${name}'s first cell: ${JSON.stringify(res.reply)} ${res.stdout}`);
    }
    r.firstResult = Date.now() - t0;
    return r;
  }));
  const allAnswered = Date.now() - t0;
  const afterStart = w.processes();
  const startCpu = (ticksOf(afterStart) - startTicks) / TICK;

  // Memory once the room settled (the first result of each is in).
  const per = rows.map((r) => {
    const mine = afterStart.filter((p) => p.user === r.name);
    const pss = (f) => mine.filter(f).reduce((t, p) => t + procPss(p.pid), 0);
    return { name: r.name, server: pss(isServer), kernel: pss(isKernel), worker: pss(isWorker), n: mine.length };
  });
  for (const p of per) p.total = p.server + p.kernel + p.worker;
  const hubPss = hubAndProxy(afterStart).reduce((t, p) => t + procPss(p.pid), 0);
  const memAfter = memAvailable();

  // The room idle: every kernel connected (as open tabs would be), nobody running cells.
  const idleFrom = w.processes();
  const kinds = { servers: isServer, kernels: isKernel, interpreters: isWorker };
  const idle0 = Object.fromEntries(Object.entries(kinds).map(([k, f]) => [k, ticksOf(idleFrom.filter(f))]));
  const hub0 = ticksOf(hubAndProxy(idleFrom));
  const all0 = ticksOf(idleFrom);
  const idleStart = Date.now();
  await new Promise((r) => setTimeout(r, IDLE * 1000));
  const idleSeconds = (Date.now() - idleStart) / 1000;
  const idleNow = w.processes();
  const hubIdle = (ticksOf(hubAndProxy(idleNow)) - hub0) / TICK / idleSeconds;
  const allIdle = (ticksOf(idleNow) - all0) / TICK / idleSeconds;
  const idleBy = Object.fromEntries(Object.entries(kinds).map(([k, f]) => [k, (ticksOf(idleNow.filter(f)) - idle0[k]) / TICK / idleSeconds]));

  for (const k of kernels) k.dispose();
  for (const m of managers) m.dispose();
  const stopStart = Date.now();
  const stopped = await w.interrupt();
  const stopMs = Date.now() - stopStart;
  const left = w.processes();

  const col = (k) => rows.map((r) => r[k]);
  const table = [
    ['learners arriving at once', `${N}`],
    ['first sign-in → last learner\'s first result', sec(allAnswered)],
    ['  signed in (median / last)', `${sec(quantile(col('signedIn'), 0.5))} / ${sec(Math.max(...col('signedIn')))}`],
    ['  server ready (median / last)', `${sec(quantile(col('serverReady'), 0.5))} / ${sec(Math.max(...col('serverReady')))}`],
    ['  kernel ready (median / last)', `${sec(quantile(col('kernelReady'), 0.5))} / ${sec(Math.max(...col('kernelReady')))}`],
    ['  first result (median / last)', `${sec(quantile(col('firstResult'), 0.5))} / ${sec(Math.max(...col('firstResult')))}`],
    ['PSS per learner: server + kernel + interpreter (median)',
      `${mib(quantile(per.map((p) => p.total), 0.5))} = ${mib(quantile(per.map((p) => p.server), 0.5))} + ` +
      `${mib(quantile(per.map((p) => p.kernel), 0.5))} + ${mib(quantile(per.map((p) => p.worker), 0.5))}`],
    ['PSS per learner (largest)', mib(Math.max(...per.map((p) => p.total)))],
    [`PSS of all ${N} learners`, mib(per.reduce((t, p) => t + p.total, 0))],
    ['PSS of the hub and the proxy', mib(hubPss)],
    ['MemAvailable before → with the room in', `${mib(memBefore)} → ${mib(memAfter)} (−${mib(memBefore - memAfter)})`],
    ['CPU to start the room (all processes)', `${startCpu.toFixed(1)} s, ${(startCpu / N).toFixed(2)} s a learner`],
    [`hub + proxy CPU, room idle ${IDLE} s`, `${(hubIdle * 100).toFixed(2)} % of a core`],
    [`all processes' CPU, room idle ${IDLE} s`, `${(allIdle * 100).toFixed(2)} % of a core (${(allIdle * 100 / N).toFixed(3)} % a learner)`],
    [`  of which: ${N} servers / kernels / interpreters`, Object.values(idleBy).map((x) => `${(x * 100).toFixed(2)} %`).join(' / ')],
    ['interpreter memory limit (sized by make workshop)', limit ?? '?'],
    ['Ctrl-C → everything stopped', `${sec(stopMs)}${left.length ? `, ${left.length} processes left` : ', no process left'}`],
  ];
  const machine = `${cpus().length} × ${cpus()[0].model}, ${mib(totalmem())} RAM, load ${load.map((x) => x.toFixed(1)).join(' ')} at start`;
  console.log(`workshop benchmark, ${new Date().toISOString()}\n${machine}\n`);
  for (const [k, v] of table) console.log(`| ${k} | ${v} |`);
  if (!/no process of the workshop is left/.test(stopped.output)) console.log(`\nstop: ${stopped.output.split('\n').slice(-6).join('\n')}`);
  mkdirSync(opt.out, { recursive: true });
  const file = join(opt.out, `workshop-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}.json`);
  writeFileSync(file, JSON.stringify({ machine, load, learners: N, allAnswered, rows, per, hubPss, memBefore, memAfter, startCpu, hubIdle, allIdle, idleBy, idleSeconds, stopMs, left, table }, null, 2));
  console.log(`\n${file}`);
  w.remove();
} catch (e) {
  console.error(e);
  if (w) {
    w.saveLog();
    w.killAll();
    w.remove();
  }
  process.exitCode = 1;
}
