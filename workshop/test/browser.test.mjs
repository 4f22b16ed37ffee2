// One learner's session in Debian's Chromium through the hub, as on the day: the hub's
// login page with the workshop's password, the language chosen on the spawn form, the
// lessons open in our JupyterLab, the start page's cells run. Then the tab closes and the
// idle kernel is culled, and `make workshop-stop` leaves no process.
//
//   node --test workshop/test/browser.test.mjs     (as root, after `make build lab`)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { Lab, launchChromium, outDir, outputText } from '../../lab/test/harness.mjs';
import { Workshop, tearDown } from './workshop.mjs';

const NAME = 'ada';
const START = 'ko/00-start.ipynb';

describe('a learner in Chromium through the hub', { timeout: 600_000 }, () => {
  const S = {};

  before(async () => {
    S.w = await Workshop.start({
      learners: 2,
      lessons: 'en,ko',
      // Culling after 5 s idle, so the test sees it; the app object for the harness.
      args: ['--cull-idle', '5s', '--server-arg=--GoLabApp.expose_app_in_browser=True'],
      name: 'browser',
    });
    S.context = await launchChromium(join(S.w.dir, 'chromium-profile'));
  });

  after(async () => {
    await S.context?.close().catch(() => {});
    tearDown(S);
  });

  test('sign in with the password, choose Korean, and the start page opens in JupyterLab', async () => {
    const page = await S.context.newPage();
    // The harness's Lab, on a page that reached JupyterLab through the hub.
    S.lab = new Lab();
    Object.assign(S.lab, {
      page, errors: [], server: { saveLog: () => S.w.saveLog(), logTail: () => S.w.hubLog().slice(-6000) },
    });
    page.on('pageerror', (e) => S.lab.errors.push(`pageerror: ${e.message}`));
    await S.lab.diagnosed('workshop-login', async () => {
      await page.goto(`${S.w.origin}/hub/login`);
      await page.locator('.announcement').filter({ hasText: 'password' }).waitFor();
      await page.fill('#username_input', NAME);
      await page.fill('#password_input', S.w.password);
      await page.click('#login_submit');
      await page.waitForURL(/\/hub\/spawn/, { timeout: 60_000 });
      await page.screenshot({ path: join(outDir, 'workshop-spawn.png') });
      assert.deepEqual(await page.locator('select[name=lang] option').allTextContents(), ['English', '한국어']);
      await page.selectOption('select[name=lang]', 'ko');
      await page.click('input[type=submit][value=Start]');
      await page.waitForURL(new RegExp(`/user/${NAME}/lab/tree/${START}`), { timeout: 240_000 });
      await page.waitForFunction(() => window.jupyterapp, null, { timeout: 120_000, polling: 100 });
      await page.evaluate(() => window.jupyterapp.restored);
      await S.lab.waitForNotebook(START, 180_000);
    });
    assert.deepEqual(await S.lab.kernelState(), {
      path: START, kernel: 'gokernel', status: 'idle', connection: 'connected',
    });
  });

  test("the start page's cells run", async () => {
    await S.lab.diagnosed('workshop-run', async () => {
      await S.lab.runAll(180_000);
      const cells = (await S.lab.cells()).filter((c) => c.type === 'code');
      assert.ok(cells.length >= 1);
      for (const c of cells) {
        assert.equal(typeof c.executionCount, 'number', `ran: ${c.source.slice(0, 60)}`);
        assert.deepEqual(c.outputs.filter((o) => o.output_type === 'error').map(outputText), [], 'no errors');
      }
      const first = cells[0].outputs.map(outputText).join('');
      assert.match(first, /Hello from Go go1\.\d+/);
      await S.lab.page.screenshot({ path: join(outDir, 'workshop-lab.png') });
    });
  });

  test('with the tab closed, the idle kernel is shut down', async () => {
    await S.lab.page.close();
    const me = await S.w.signIn(NAME);
    assert.equal(me.status, 201);
    const url = `${S.w.origin}/user/${NAME}/api/kernels`;
    const deadline = Date.now() + 180_000;
    let kernels;
    for (;;) {
      kernels = await (await fetch(url, { headers: { Authorization: `token ${me.token}` } })).json();
      if (kernels.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(kernels, [], 'culled');
    assert.match(S.w.hubLog(), /Culling kernel/i);
  });

  test('make workshop-stop leaves no process', async () => {
    const { output, stopOutput } = await S.w.stop();
    assert.match(stopOutput, /stopped the workshop/);
    assert.match(output, /stopped; no process of the workshop is left/, output);
    assert.deepEqual(S.w.processes(), []);
  });
});
