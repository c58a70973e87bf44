// Builds the front-end that shopd embeds: `node web/build.mjs OUTDIR`.
//
// OUTDIR/admin/  index.html, app.js (esbuild bundle of admin/src/main.js, Chart.js included),
//                app.css, favicon.svg
// OUTDIR/docs/   index.html, docs.js (Swagger UI initialiser), docs.css, favicon.svg,
//                swagger-ui-bundle.js and swagger-ui.css (from swagger-ui-dist)
//
// Offline and deterministic: the same sources give byte-identical files (no timestamps, no
// source maps, sorted inputs). OUTDIR/admin and OUTDIR/docs are replaced as a whole, so a file
// removed from the sources never lingers in the binary.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const nodeModules = join(webDir, 'node_modules');

// What the browsers that open /admin and /docs understand (Debian's Chromium, current Firefox).
const kTarget = ['es2020', 'chrome100', 'firefox100', 'safari15'];

function usage() {
  process.stderr.write('usage: node web/build.mjs OUTDIR\n');
  process.exit(2);
}

// Drops a trailing `sourceMappingURL` comment: OUTDIR carries no maps for it to point to.
function withoutSourceMapComment(text) {
  return text.replace(/\n?\/[*/][#@] sourceMappingURL=[^\n]*\s*$/, '\n');
}

async function bundle(entry, options) {
  const result = await build({
    entryPoints: [join(webDir, entry)],
    bundle: true,
    minify: true,
    write: false,
    sourcemap: false,
    legalComments: 'eof',
    charset: 'utf8',
    target: kTarget,
    logLevel: 'silent',
    absWorkingDir: webDir,
    ...options,
  });
  for (const warning of result.warnings) {
    process.stderr.write(`warning: ${warning.text} (${warning.location?.file ?? entry})\n`);
  }
  if (result.outputFiles.length !== 1) throw new Error(`${entry}: expected one output file`);
  return result.outputFiles[0].contents;
}

async function main() {
  const [outArg] = process.argv.slice(2);
  if (!outArg || process.argv.length > 3) usage();
  const outDir = resolve(outArg);
  const files = new Map(); // path under OUTDIR → contents

  // The dashboard: one ESM bundle, Chart.js tree-shaken in (main.js registers only what it uses).
  files.set('admin/app.js', await bundle('admin/src/main.js', {
    format: 'esm',
    platform: 'browser',
    // Chart.js checks process.env.NODE_ENV in places; a browser has no `process`.
    define: { 'process.env.NODE_ENV': '"production"' },
    outfile: join(outDir, 'admin', 'app.js'),
  }));
  files.set('admin/app.css', await bundle('admin/app.css', {
    loader: { '.css': 'css' },
    external: ['/admin/*'], // served next to it, not inlined
    outfile: join(outDir, 'admin', 'app.css'),
  }));
  files.set('admin/index.html', await readFile(join(webDir, 'admin', 'index.html')));
  files.set('admin/favicon.svg', await readFile(join(webDir, 'admin', 'favicon.svg')));

  // The API docs page: Swagger UI as distributed, plus our initialiser and a few styles.
  files.set('docs/index.html', await readFile(join(webDir, 'docs', 'index.html')));
  files.set('docs/favicon.svg', await readFile(join(webDir, 'admin', 'favicon.svg')));
  files.set('docs/docs.js', await bundle('docs/docs.js', {
    format: 'iife',
    platform: 'browser',
    outfile: join(outDir, 'docs', 'docs.js'),
  }));
  files.set('docs/docs.css', await bundle('docs/docs.css', {
    loader: { '.css': 'css' },
    outfile: join(outDir, 'docs', 'docs.css'),
  }));
  const swaggerDir = join(nodeModules, 'swagger-ui-dist');
  for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
    const text = await readFile(join(swaggerDir, name), 'utf8');
    files.set(`docs/${name}`, withoutSourceMapComment(text));
  }

  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, 'admin'), { recursive: true, force: true });
  await rm(join(outDir, 'docs'), { recursive: true, force: true });
  for (const name of [...files.keys()].sort()) {
    const target = join(outDir, name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, files.get(name));
  }
}

main().catch((error) => {
  process.stderr.write(`web/build.mjs: ${error.message ?? error}\n`);
  process.exit(1);
});
