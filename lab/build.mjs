// Builds the gokernel JupyterLab from the npm packages in node_modules into build/:
//
//   build/static/   bundle.js, bundle.css and their fonts and pictures (the server's static_dir)
//   build/schemas/  the settings schemas of the plugins the app registers (schemas_dir)
//   build/themes/   the light and dark themes' CSS (themes_dir)
//   build/build.json  what was built, from which versions, and how big it is
//   build/modules.txt the source files in the bundle, with their sizes in it
//
//   node build.mjs [--out DIR]      (run `npm ci` first; needs Node.js 18.19 or newer)
//
// The bundler is esbuild: one dependency with no plugins to keep in step, fast enough on two
// cores to build at first start, and it runs on the Node.js 18 that Debian 12 ships.
// The output appears whole or not at all: it is written next to DIR and renamed into place.

import * as esbuild from 'esbuild';
import {
  cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 18 || (major === 18 && minor < 19)) {
  console.error(`build.mjs: Node.js ${process.versions.node} is too old; 18.19 or newer is needed`);
  process.exit(1);
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fallback;
}
const out = option('--out', join(here, 'build'));
const tmp = `${out}.tmp-${process.pid}`;

const app = JSON.parse(readFileSync(join(here, 'plugins.json'), 'utf8'));
const leftOut = new Set(Object.keys(app.leftOut));

function packageJSON(name) {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'));
}
function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

// The module that lists the plugin packages: generated from plugins.json, so that the list
// lives in one place. Each package's style comes with it, in the order of the list.
function pluginsModule() {
  const lines = [];
  const names = (list, prefix) => list.map((name, i) => {
    const pkg = packageJSON(name);
    const style = pkg.styleModule || pkg.style;
    if (style) lines.push(`import ${JSON.stringify(`${name}/${style}`)};`);
    lines.push(`import ${prefix}${i} from ${JSON.stringify(name)};`);
    return `${prefix}${i}`;
  });
  const ext = names(app.extensions, 'e');
  const mime = names(app.mimeExtensions, 'm');
  lines.push(`export const extensions = [${ext.join(', ')}];`);
  lines.push(`export const mimeExtensions = [${mime.join(', ')}];`);
  lines.push(`export const leftOut = new Set(${JSON.stringify([...leftOut])});`);
  return lines.join('\n');
}

// What webpack's asset rules do in JupyterLab's own build: an SVG imported from JavaScript is
// its text (the icon registry parses it), one named in CSS is a data: URL; *.raw.css is
// imported as text; `~package/file` in CSS names a file in a package, as css-loader reads it.
const assets = {
  name: 'jupyterlab-assets',
  setup(build) {
    build.onResolve({ filter: /^~/ }, (args) => build.resolve(args.path.slice(1), {
      kind: args.kind, resolveDir: args.resolveDir, importer: args.importer,
    }));
    build.onResolve({ filter: /^gokernel-lab:plugins$/ }, (args) => ({ path: args.path, namespace: 'gokernel-lab' }));
    build.onLoad({ filter: /.*/, namespace: 'gokernel-lab' }, () => ({
      contents: pluginsModule(), resolveDir: here, loader: 'js',
    }));
    // (Font Awesome's SVG fonts, megabytes that only old browsers ask for, stay files.)
    build.onResolve({ filter: /\.svg([?#].*)?$/ }, (args) => {
      if (args.kind !== 'url-token') return undefined;
      const path = resolve(args.resolveDir, args.path.replace(/[?#].*$/, ''));
      return { path, namespace: statSync(path).size > 32_000 ? 'svg-file' : 'svg-url' };
    });
    build.onLoad({ filter: /.*/, namespace: 'svg-url' }, (args) => ({
      contents: readFileSync(args.path), loader: 'dataurl',
    }));
    build.onLoad({ filter: /.*/, namespace: 'svg-file' }, (args) => ({
      contents: readFileSync(args.path), loader: 'file',
    }));
    build.onLoad({ filter: /\.raw\.css$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8'), loader: 'text',
    }));
  },
};

const common = {
  bundle: true,
  minify: !process.env.NOMINIFY,
  logLevel: 'warning',
  target: 'es2022',
  legalComments: 'linked',
  loader: {
    '.svg': 'text',
    '.md': 'text',
    '.png': 'file',
    '.gif': 'file',
    '.jpg': 'file',
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
  },
};

async function bundleApp(dir) {
  return esbuild.build({
    ...common,
    entryPoints: { bundle: join(here, 'src', 'index.js') },
    outdir: dir,
    format: 'iife',
    platform: 'browser',
    assetNames: 'assets/[name]-[hash]',
    inject: [join(here, 'src', 'process.js')],
    // As webpack 5 does for the web: speech-rule-engine (MathJax's) asks for __dirname.
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis', __dirname: '"/"', __filename: '"/index.js"' },
    plugins: [assets],
    metafile: true,
  });
}

// A theme is one CSS file that JupyterLab's theme manager loads from
// <themes_url>/<package>/index.css; its pictures are inlined so that the file stands alone.
async function bundleThemes(dir) {
  const themes = [];
  for (const name of app.extensions) {
    const themePath = packageJSON(name).jupyterlab?.themePath;
    if (!themePath) continue;
    await esbuild.build({
      ...common,
      entryPoints: [join(packageDir(name), themePath)],
      outfile: join(dir, name, 'index.css'),
      loader: Object.fromEntries(Object.keys(common.loader).map((ext) => [ext, 'dataurl'])),
      plugins: [assets],
    });
    themes.push(name);
  }
  return themes;
}

// jupyterlab_server serves <schemas_dir>/<package>/<plugin>.json and reads the package's
// version from package.json.orig beside them. Only the plugins this app runs get a schema:
// a left-out plugin's menus and shortcuts would otherwise show up.
function copySchemas(dir) {
  let count = 0;
  for (const name of [...app.extensions, ...app.mimeExtensions]) {
    const pkg = packageJSON(name);
    const schemaDir = pkg.jupyterlab?.schemaDir;
    if (!schemaDir) continue;
    const from = join(packageDir(name), schemaDir);
    const to = join(dir, name);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from).filter((f) => f.endsWith('.json'))) {
      if (leftOut.has(`${name}:${file.slice(0, -'.json'.length)}`)) continue;
      cpSync(join(from, file), join(to, file));
      count++;
    }
    writeFileSync(join(to, 'package.json.orig'), JSON.stringify(pkg, null, 2));
  }
  return count;
}

function sizeOf(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

const started = Date.now();
rmSync(tmp, { recursive: true, force: true });
try {
  const result = await bundleApp(join(tmp, 'static'));
  const themes = await bundleThemes(join(tmp, 'themes'));
  const schemas = copySchemas(join(tmp, 'schemas'));
  const versions = {};
  for (const name of [...app.extensions, ...app.mimeExtensions, '@jupyterlab/application', '@jupyterlab/services', 'esbuild']) {
    versions[name] = packageJSON(name).version;
  }
  const info = {
    node: process.versions.node,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    bytes: {
      'bundle.js': sizeOf(join(tmp, 'static', 'bundle.js')),
      'bundle.css': sizeOf(join(tmp, 'static', 'bundle.css')),
      static: sizeOf(join(tmp, 'static')),
      themes: sizeOf(join(tmp, 'themes')),
    },
    inputs: Object.keys(result.metafile.inputs).length,
    schemas,
    themes,
    versions,
  };
  writeFileSync(join(tmp, 'build.json'), JSON.stringify(info, null, 2) + '\n');
  const output = result.metafile.outputs[relative(process.cwd(), join(tmp, 'static', 'bundle.js'))] ??
    Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  writeFileSync(join(tmp, 'modules.txt'), Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]) => `${path}\t${bytesInOutput}\n`).sort().join(''));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.error(`built ${relative(process.cwd(), out) || '.'} in ${info.seconds} s with Node.js ${info.node}: ` +
    `bundle.js ${mb(info.bytes['bundle.js'])}, bundle.css ${mb(info.bytes['bundle.css'])}, ` +
    `${info.inputs} modules, ${schemas} settings schemas, themes ${themes.join(', ')}`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  // esbuild has printed its errors already.
  if (!err.errors) console.error(err);
  process.exit(1);
}
if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
