// gokernel in our JupyterLab, in Debian's Chromium: every lesson run from the Run menu
// (past the cell that fails on purpose), every saved lesson's timelines shown before it
// runs (untrusted), Go highlighting, the launcher's logo, Tab and Shift-Tab, the progress bar, the stop
// button, a crashing cell, Restart Kernel, and the light and dark themes.
//
// The server is our gokernel_lab on Debian's jupyter_server 1.23, on loopback, under a
// base URL like a JupyterHub single-user server's, with the kernel installed in a
// temporary prefix. Screenshots go to lab/test-output/.
//
//   node --test lab/test/lab.test.mjs     (after `make lab build`)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import {
  JupyterServer, KERNEL, KERNEL_DISPLAY_NAME, Lab, copyLessons, launchChromium, outputText,
  readNotebook, removeWorkspace, workspace,
} from './harness.mjs';

const S = { ws: null, server: null, context: null, lab: null, lessons: [] };

// One server and one page for the whole file. (A failed before() hook cancels the tests
// and node reports them as such, with the hook's error.)
before(async () => {
  S.ws = workspace('lab');
  S.lessons = copyLessons(S.ws.root);
  S.server = await JupyterServer.start('lab', S.ws, { baseUrl: '/user/learner/' });
  S.context = await launchChromium(join(S.ws.tmp, 'chromium-profile'));
  S.lab = await Lab.open(S.context, S.server);
  process.stderr.write(`JupyterLab on jupyter_server ${S.server.version} at ${S.server.url('lab', false)}, ` +
    `Chromium ${S.context.browser()?.version() ?? ''}, ${S.lessons.length} lessons\n`);
});

after(async () => {
  S.server?.saveLog('lab');
  await S.context?.close().catch(() => {});
  await S.server?.stop();
  removeWorkspace(S.ws);
});

const svgCount = (outputs) => outputs.filter((o) => o.data?.['image/svg+xml']).length;
const usesProgress = (source) => /"gokernel\/progress"/.test(source);
const failsOnPurpose = (cell) => (cell.tags ?? cell.metadata?.tags ?? []).includes('raises-exception');

// Cells whose saved outputs are shown in docs/ (copied from lab/test-output): a timeline
// with arrows, timelines on one time axis, the race detector's report.
const SHOWN = {
  'en/01-concurrency-vs-parallelism.ipynb': '01-all',
  'en/05-coroutine.ipynb': '05-ping-pong',
  'ko/05-coroutine.ipynb': '05-ping-pong',
  'en/06-how-they-relate.ipynb': '06-four-one',
  'ko/06-how-they-relate.ipynb': '06-four-one',
};
const shotName = (rel) => rel.replace(/\.ipynb$/, '').replace(/^(\w+)\/(\d+)-.*/, '$2-$1');

// Every picture of a Markdown cell of the current notebook (the lessons' pictures are
// attachments), scrolled into view: its size on the screen and whether it decoded.
async function markdownPictures(lab) {
  const images = lab.page.locator('.jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown img');
  const pictures = [];
  for (const img of await images.all()) {
    await img.scrollIntoViewIfNeeded();
    await lab.page.waitForFunction((el) => el.complete && !el.src.startsWith('attachment:'), await img.elementHandle(), { timeout: 10_000 });
    pictures.push(await img.evaluate((el) => ({
      width: el.getBoundingClientRect().width, naturalWidth: el.naturalWidth, src: el.src.slice(0, 30), alt: el.alt.slice(0, 40),
    })));
  }
  return pictures;
}

// Every rendered output of the current notebook shown as mime (image/png, image/svg+xml),
// scrolled into view: its size on the screen and whether the picture decoded.
async function outputPictures(lab, mime) {
  const outputs = lab.page.locator(`.jp-Notebook .jp-OutputArea-output[data-mime-type="${mime}"]`);
  const pictures = [];
  for (const output of await outputs.all()) {
    await output.scrollIntoViewIfNeeded();
    const img = output.locator('img');
    await img.waitFor({ state: 'visible', timeout: 10_000 });
    await lab.page.waitForFunction((el) => el.complete, await img.elementHandle(), { timeout: 10_000 });
    pictures.push(await img.evaluate((el) => ({
      width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height,
      naturalWidth: el.naturalWidth, src: el.src.slice(0, 40),
    })));
  }
  return pictures;
}

// The colour a Go keyword has in the first code cell that contains `func`, next to the
// colour the theme gives keywords: the language mode marked it, the theme coloured it.
async function keywordColour(lab) {
  const cell = lab.page.locator('.jp-Notebook .jp-CodeCell').filter({ hasText: /\bfunc\b/ }).first();
  await cell.scrollIntoViewIfNeeded();
  const span = cell.locator('.cm-content span').filter({ hasText: /^func$/ }).first();
  await span.waitFor({ timeout: 10_000 });
  return span.evaluate((el) => {
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.body).getPropertyValue('--jp-mirror-editor-keyword-color');
    document.body.appendChild(probe);
    const want = getComputedStyle(probe).color;
    probe.remove();
    const plain = getComputedStyle(el.closest('.cm-line')).color;
    return { keyword: getComputedStyle(el).color, theme: want, plain };
  });
}

describe('gokernel in JupyterLab in Chromium', { timeout: 1_500_000 }, () => {
  test('the launcher offers the Go (yaegi) kernel with its logo', async () => {
    const { lab } = S;
    await lab.diagnosed('launcher', async () => {
      const card = lab.page.locator('.jp-Launcher-section').filter({ hasText: 'Notebook' })
        .locator('.jp-LauncherCard').filter({ hasText: KERNEL_DISPLAY_NAME });
      await card.waitFor({ timeout: 30_000 });
      const logo = card.locator('img');
      await lab.page.waitForFunction((el) => el.complete, await logo.elementHandle(), { timeout: 10_000 });
      const info = await logo.evaluate((el) => ({ src: el.getAttribute('src'), naturalWidth: el.naturalWidth }));
      assert.match(info.src, new RegExp(`/user/learner/kernelspecs/${KERNEL}/logo-svg\\.svg`), 'the card shows our SVG logo');
      assert.ok(info.naturalWidth > 0, `the logo did not load: ${JSON.stringify(info)}`);
      assert.deepEqual(lab.takeErrors(), [], 'browser errors');
    });
  });

  // Before any lesson runs here: a notebook saved by this server would be trusted.
  test('every saved lesson shows its pictures before it runs (untrusted: timelines as PNGs)', async (t) => {
    const { lab } = S;
    const withTimelines = S.lessons.filter((rel) => svgCount(readNotebook(S.ws.root, rel).cells.flatMap((c) => c.outputs ?? [])) > 0);
    for (const lang of ['en', 'ko']) {
      assert.ok(withTimelines.filter((rel) => rel.startsWith(`${lang}/`)).length >= 5, `lessons with timelines in ${lang}: ${withTimelines}`);
    }
    for (const rel of S.lessons) {
      await t.test(rel, async (tt) => {
        await lab.diagnosed(`untrusted-${rel.replace(/[/.]/g, '_')}`, async () => {
          const saved = readNotebook(S.ws.root, rel);
          const want = saved.cells.reduce((n, c) => n + svgCount(c.outputs ?? []), 0);
          const wantDrawn = saved.cells.reduce((n, c) => n + Object.keys(c.attachments ?? {}).length, 0);
          await lab.openFromFileBrowser(rel);
          const cells = (await lab.cells()).filter((c) => c.type === 'code');
          assert.ok(cells.every((c) => !c.trusted), 'a lesson opened from a file is untrusted');
          assert.ok(cells.some((c) => c.outputs.length > 0), 'and shows its saved outputs');
          // JupyterLab renders a long notebook's cells when the browser is idle, after the first
          // screen: wait until the saved pictures are in the page (or the time is up: the
          // counts below then say what was missing).
          await lab.page.waitForFunction(([png, md]) =>
            document.querySelectorAll('.jp-Notebook .jp-OutputArea-output[data-mime-type="image/png"]').length >= png &&
            document.querySelectorAll('.jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown img').length >= md,
          [want, wantDrawn], { timeout: 30_000, polling: 100 }).catch(() => {});
          // Untrusted, JupyterLab renders no SVG: each timeline shows as the PNG beside it.
          const rendered = await lab.renderedOutputs();
          assert.deepEqual(rendered.filter((o) => o.mime === 'image/svg+xml'), [], 'no SVG rendered untrusted');
          const pictures = await outputPictures(lab, 'image/png');
          assert.equal(pictures.length, want, `the ${want} saved timelines show as pictures: ${JSON.stringify(rendered.map((o) => o.mime))}`);
          for (const p of pictures) {
            assert.ok(p.src.startsWith('data:image/png'), `a PNG: ${JSON.stringify(p)}`);
            assert.ok(p.naturalWidth > 0 && p.width > 100 && p.height > 40, `a timeline too small to read: ${JSON.stringify(p)}`);
          }
          // The Markdown cells' pictures (attachments) show too.
          const drawn = await markdownPictures(lab);
          assert.equal(drawn.length, wantDrawn, `the ${wantDrawn} pictures of the Markdown cells show`);
          for (const p of drawn) {
            assert.ok(p.src.startsWith('data:image/png') && p.naturalWidth > 0 && p.width > 100, `a picture that didn't show: ${JSON.stringify(p)}`);
          }
          if (SHOWN[rel]) {
            await lab.showCell(SHOWN[rel]);
            await lab.screenshot(`lab-untrusted-${shotName(rel)}`);
          }
          tt.diagnostic(`${pictures.length} timelines and ${drawn.length} pictures shown untrusted`);
          await lab.closeAndShutdown();
          assert.deepEqual(lab.takeErrors(), [], 'browser errors');
        });
      });
    }
  });

  test('every lesson, English and Korean, runs from Run > Run All Cells', async (t) => {
    const { lab } = S;
    assert.ok(S.lessons.some((l) => l.startsWith('en/')) && S.lessons.some((l) => l.startsWith('ko/')),
      `lessons in both languages expected, found ${S.lessons.join(', ')}`);
    let timelines = 0;
    for (const rel of S.lessons) {
      await t.test(rel, async (tt) => {
        await lab.diagnosed(rel.replace(/[/.]/g, '_'), async () => {
          const saved = readNotebook(S.ws.root, rel);
          const savedSVG = saved.cells.reduce((n, c) => n + svgCount(c.outputs ?? []), 0);
          await lab.openFromFileBrowser(rel);

          // The notebook's metadata makes its code cells Go, highlighted as Go.
          const before = await lab.cells();
          const code = before.filter((c) => c.type === 'code');
          assert.ok(code.length > 0, 'a lesson has code cells');
          assert.deepEqual([...new Set(code.map((c) => c.mimeType))], ['text/x-go'], 'editor language of the code cells');
          if (code.some((c) => /\bfunc\b/.test(c.source))) {
            const colour = await keywordColour(lab);
            assert.equal(colour.keyword, colour.theme, `"func" in the keyword colour of the theme: ${JSON.stringify(colour)}`);
            assert.notEqual(colour.keyword, colour.plain, 'a keyword stands out from plain code');
          }

          await lab.clearAllOutputs();
          const seconds = await lab.runAll();
          const cells = (await lab.cells()).filter((c) => c.type === 'code');
          const counts = cells.map((c) => c.executionCount);
          for (let i = 1; i < counts.length; i++) {
            assert.ok(counts[i] > counts[i - 1], `execution counts increase down the page: ${counts}`);
          }
          // The counts above went on past a cell that fails on purpose: Run All didn't stop there.
          const errors = cells.filter((c) => !failsOnPurpose(c))
            .flatMap((c) => c.outputs.filter((o) => o.output_type === 'error').map(outputText));
          assert.deepEqual(errors, [], 'no cell ends in an error, but those tagged raises-exception');
          for (const c of cells.filter(failsOnPurpose)) {
            const err = c.outputs.filter((o) => o.output_type === 'error');
            assert.equal(err.length, 1, `the cell tagged raises-exception ends in its error: ${JSON.stringify(c.outputs).slice(0, 300)}`);
            if (/%%compile -race/.test(c.source)) {
              assert.match(outputText(err[0]), /^DataRace: the race detector found/, 'the race detector says what it found');
              assert.match(c.outputs.map(outputText).join(''), /WARNING: DATA RACE\n/, 'and shows its report');
              if (rel.startsWith('en/')) {
                await lab.showCell(c.id);
                await lab.screenshot(`lab-race-report-${shotName(rel)}`);
              }
            }
          }

          // Outputs made in this session are trusted: the timelines show as pictures.
          assert.ok(cells.every((c) => c.trusted), 'cells are trusted after running');
          const runSVG = cells.reduce((n, c) => n + svgCount(c.outputs), 0);
          if (savedSVG > 0) assert.ok(runSVG > 0, `the saved lesson has ${savedSVG} SVG outputs, the run none`);
          const pictures = await outputPictures(lab, 'image/svg+xml');
          assert.equal(pictures.length, runSVG, 'each SVG output is rendered as SVG');
          for (const p of pictures) {
            assert.ok(p.naturalWidth > 0 && p.width > 100 && p.height > 40, `a timeline too small to read: ${JSON.stringify(p)}`);
          }
          timelines += pictures.length;

          // A progress bar is one output, updated in place.
          for (const c of cells.filter((c) => usesProgress(c.source))) {
            const bars = c.outputs.filter((o) => /<progress/.test([].concat(o.data?.['text/html'] ?? []).join('')));
            assert.equal(bars.length, 1, `one progress bar output in cell ${c.executionCount}, got ${bars.length}`);
          }
          tt.diagnostic(`${counts.length} code cells in ${seconds.toFixed(1)} s, ${pictures.length} timelines`);
          await lab.closeAndShutdown();
          assert.deepEqual(lab.takeErrors(), [], 'browser errors');
        });
      });
    }
    assert.ok(timelines > 0, 'the lessons showed no timeline at all');
  });

  test('light and dark theme: lesson 1 with its timeline', async () => {
    const { lab } = S;
    const rel = S.lessons.find((l) => l.startsWith('en/') && svgCount(readNotebook(S.ws.root, l).cells.flatMap((c) => c.outputs ?? [])) > 0);
    assert.ok(rel, 'an English lesson with a timeline');
    await lab.diagnosed('themes', async () => {
      await lab.openFromFileBrowser(rel);
      await lab.runAll();
      const timeline = lab.page.locator('.jp-Notebook .jp-OutputArea-output[data-mime-type="image/svg+xml"]').first();
      await timeline.waitFor({ timeout: 30_000 });
      // The timeline with its cell above it, in the middle of the window.
      await timeline.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await lab.screenshot('lab-light');
      await lab.setTheme('JupyterLab Dark');
      assert.equal(await lab.page.evaluate(() => document.body.dataset.jpThemeLight), 'false', 'dark theme applied');
      await timeline.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await lab.screenshot('lab-dark');
      await lab.setTheme('JupyterLab Light');
      assert.equal(await lab.page.evaluate(() => document.body.dataset.jpThemeLight), 'true', 'light theme back');
      await lab.closeAndShutdown();
      assert.deepEqual(lab.takeErrors(), [], 'browser errors');
    });
  });

  describe('a new Go notebook from the launcher', () => {
    before(async () => {
      const { lab } = S;
      await lab.diagnosed('new-notebook', async () => {
        await lab.page.locator('#filebrowser .jp-BreadCrumbs-home').click();
        if (!(await lab.page.locator('.jp-Launcher').isVisible())) await lab.menu('File', 'New Launcher');
        await lab.page.locator('.jp-Launcher-section').filter({ hasText: 'Notebook' })
          .locator('.jp-LauncherCard').filter({ hasText: KERNEL_DISPLAY_NAME }).click();
        await lab.waitForNotebook('Untitled.ipynb');
        // The kernel's language_info lands in the notebook's metadata, as in the lessons.
        await lab.page.waitForFunction(() => {
          const li = window.jupyterapp.shell.currentWidget.model.getMetadata('language_info');
          return li && li.codemirror_mode === 'go' && li.name === 'go';
        }, null, { timeout: 30_000 });
      });
    });

    test('Tab after fmt.Pr shows the completer with type icons, Enter inserts', async () => {
      const { lab } = S;
      await lab.diagnosed('completer', async () => {
        const index = await lab.runNewCell('import "fmt"');
        const cell = await lab.appendCell('fmt.Pr');
        await lab.page.keyboard.press('Tab');
        const completer = lab.page.locator('.jp-Completer');
        await completer.waitFor({ state: 'visible', timeout: 30_000 });
        const items = await completer.locator('.jp-Completer-item').evaluateAll((els) => els.map((el) => ({
          label: el.querySelector('.jp-Completer-match')?.textContent,
          icon: el.querySelector('.jp-Completer-type')?.textContent.trim() ?? '',
          colour: el.querySelector('.jp-Completer-type')?.getAttribute('data-color-index') ?? null,
          type: el.querySelector('.jp-Completer-typeExtended')?.textContent ?? '',
          active: el.classList.contains('jp-mod-active'),
        })));
        const labels = items.map((i) => i.label);
        for (const want of ['Print', 'Printf', 'Println']) assert.ok(labels.includes(want), `${want} offered: ${labels}`);
        for (const i of items) assert.ok(i.icon && i.colour !== null && i.type, `a type icon for ${i.label}: ${JSON.stringify(i)}`);
        const println = items.find((i) => i.label === 'Println');
        assert.deepEqual([println.icon, println.type], ['f', 'function'], 'Println is marked a function');
        await lab.screenshot('lab-completer');
        const active = items.find((i) => i.active);
        assert.ok(active, 'an item is selected');
        await lab.page.keyboard.press('Enter');
        await completer.waitFor({ state: 'hidden', timeout: 10_000 });
        const src = (await lab.cells())[cell].source;
        assert.equal(src, `fmt.${active.label}`, 'Enter inserted the selected completion');
        assert.ok(index < cell);
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });

    test('Shift-Tab on time.Sleep shows the tooltip with its signature', async () => {
      const { lab } = S;
      await lab.diagnosed('tooltip', async () => {
        await lab.runNewCell('import "time"');
        await lab.appendCell('time.Sleep');
        await lab.page.keyboard.press('Shift+Tab');
        const tooltip = lab.page.locator('.jp-Tooltip');
        await tooltip.waitFor({ state: 'visible', timeout: 30_000 });
        const text = await tooltip.innerText();
        assert.match(text, /func Sleep\(d Duration\)/, 'the signature');
        await lab.page.keyboard.press('Escape');
        await tooltip.waitFor({ state: 'hidden', timeout: 10_000 });
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });

    test('a progress bar is one output, updated in place', async () => {
      const { lab } = S;
      await lab.diagnosed('progress', async () => {
        const steps = 40;
        const index = await lab.appendCell([
          'import ("gokernel/progress"; "time")',
          `bar := progress.New(${steps})`,
          `for i := 0; i < ${steps}; i++ {`,
          '\ttime.Sleep(25 * time.Millisecond)',
          '\tbar.Add(1)',
          '}',
          'bar.Done()',
        ].join('\n'));
        // Watch the cell's output area: how many outputs it holds, and the bar's value, at
        // every change the page sees.
        await lab.page.evaluate((i) => {
          const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
          const seen = (window.__progressSeen = []);
          new MutationObserver(() => {
            const bars = node.querySelectorAll('.jp-OutputArea-output progress');
            seen.push({ outputs: node.querySelectorAll('.jp-OutputArea-output').length, value: bars[0]?.value ?? null });
          }).observe(node, { subtree: true, childList: true, attributes: true, characterData: true });
        }, index);
        await lab.page.keyboard.press('Control+Enter');
        await lab.waitForCell(index);
        const seen = await lab.page.evaluate(() => window.__progressSeen);
        const values = [...new Set(seen.map((s) => s.value).filter((v) => v !== null))];
        assert.ok(seen.every((s) => s.outputs <= 1), `at most one output at any time: ${JSON.stringify(seen.map((s) => s.outputs))}`);
        assert.ok(values.length >= 3, `the bar moved in place (values seen ${values})`);
        assert.equal(values[values.length - 1], steps, 'the bar ends full');
        const outputs = (await lab.cells())[index].outputs;
        assert.equal(outputs.length, 1, `one output in the model: ${JSON.stringify(outputs).slice(0, 300)}`);
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });

    test('the stop button interrupts for {}; the next cell sees earlier names', async () => {
      const { lab } = S;
      await lab.diagnosed('interrupt', async () => {
        await lab.runNewCell('answer := 41');
        const loop = await lab.appendCell('for {\n}');
        await lab.page.keyboard.press('Control+Enter');
        await lab.waitForKernelStatus('busy');
        await lab.page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').click();
        await lab.waitForCell(loop, 30_000);
        const outputs = (await lab.cells())[loop].outputs;
        const err = outputs.find((o) => o.output_type === 'error');
        assert.ok(err, `the interrupted cell shows an error: ${JSON.stringify(outputs)}`);
        assert.match(outputText(err), /interrupt/i, 'it says it was interrupted');
        assert.equal(await lab.resultOf(await lab.runNewCell('answer + 1')), '42', 'the next cell sees answer');
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });

    test('a crashing cell shows its error and the kernel returns to idle', async () => {
      const { lab } = S;
      await lab.diagnosed('crash', async () => {
        const crashes = [
          { source: 'import "time"\ngo func() { panic("boom") }()\ntime.Sleep(time.Second)', want: /boom/ },
          { source: 'import "os"\nos.Exit(3)', want: /exited with status 3/ },
        ];
        for (const { source, want } of crashes) {
          const index = await lab.runNewCell(source);
          const outputs = (await lab.cells())[index].outputs;
          const text = outputs.map(outputText).join('\n');
          assert.ok(outputs.some((o) => o.output_type === 'error'), `an error output for ${JSON.stringify(source)}: ${text}`);
          assert.match(text, want, `the error says what happened for ${JSON.stringify(source)}`);
          assert.equal((await lab.kernelState()).status, 'idle', 'kernel idle again');
          assert.equal(await lab.resultOf(await lab.runNewCell('6 * 7')), '42', 'the kernel runs the next cell');
        }
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });

    test('Kernel > Restart Kernel gives a fresh interpreter', async () => {
      const { lab } = S;
      await lab.diagnosed('restart', async () => {
        await lab.runNewCell('kept := 1');
        await lab.page.evaluate(() => {
          const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
          window.__statuses = [];
          ctx.statusChanged.connect((_, s) => window.__statuses.push(s));
        });
        await lab.menu('Kernel', 'Restart Kernel…');
        await lab.page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
        await lab.page.waitForFunction(() => window.__statuses.includes('restarting') && window.__statuses.at(-1) === 'idle',
          null, { timeout: 60_000, polling: 50 });
        const gone = await lab.runNewCell('kept');
        const text = (await lab.cells())[gone].outputs.map(outputText).join('\n');
        assert.match(text, /undefined: kept/, 'names from before the restart are gone');
        assert.equal(await lab.resultOf(await lab.runNewCell('2 * 21')), '42', 'the restarted kernel runs cells');
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    });
  });

  test('an address /lab/tree/<path> opens that notebook (what `make notebook` opens)', async () => {
    const rel = S.lessons.find((l) => l.startsWith('en/'));
    const lab = await Lab.open(S.context, S.server, `lab/tree/${rel}`);
    try {
      await lab.diagnosed('tree', async () => {
        await lab.waitForNotebook(rel);
        const url = new URL(lab.page.url());
        assert.equal(url.searchParams.get('token'), null, 'the token is gone from the address bar');
        assert.deepEqual(lab.takeErrors(), [], 'browser errors');
      });
    } finally {
      await lab.page.close();
    }
  });
});
