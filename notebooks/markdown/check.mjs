// Renders every Markdown cell of the given notebooks with marked (the Markdown renderer of
// JupyterLab 4, pinned in package.json), and reports emphasis markers that the renderer
// left as literal text: a `**` or `__` in the rendered text, outside code. CommonMark
// closes `**` only at a right-flanking delimiter run, so `**동시성(concurrency)**은` shows
// its asterisks (a closing `**` after punctuation must be followed by a space or
// punctuation), while `**동시성**(concurrency)은` is bold.
//
//   node notebooks/markdown/check.mjs notebooks/en/*.ipynb notebooks/ko/*.ipynb
//
// Prints one line per problem (notebook, cell id, the text around it) and exits 1 when
// there is any. node_modules is installed with `npm ci` when missing.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(here, 'node_modules', 'marked', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

const locked = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8')).packages['node_modules/marked'].version;
if (installedVersion() !== locked) {
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error(`npm ci in ${here} failed (exit ${r.status}${r.error ? ', ' + r.error.message : ''})`);
    process.exit(2);
  }
}
const { Marked } = await import('marked');
const marked = new Marked({ gfm: true }); // as JupyterLab's markedparser-extension sets it

const entities = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

// The text a reader sees, without code (where ** is meant literally).
function renderedText(markdown) {
  return marked.parse(markdown)
    .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => entities[e]);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.mjs notebook.ipynb ...');
  process.exit(2);
}
let problems = 0;
let cells = 0;
for (const file of files) {
  const nb = JSON.parse(readFileSync(file, 'utf8'));
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'markdown') continue;
    cells++;
    const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const text = renderedText(src);
    for (const m of text.matchAll(/\*\*|__/g)) {
      const around = text.slice(Math.max(0, m.index - 30), m.index + 30).replace(/\s+/g, ' ');
      console.log(`${file}: cell ${cell.id}: literal ${m[0]} in the rendered text: …${around}…`);
      problems++;
    }
  }
}
console.error(`${cells} Markdown cells rendered with marked ${locked}, ${problems} problems`);
process.exit(problems ? 1 : 0);
