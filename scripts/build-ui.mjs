#!/usr/bin/env node
// Bundles the web UI: web-ui/main.ts → web-ui/dist/app.js (+ app.js.map) and copies index.html.
// Run as `npm run build` (also `postinstall`), or import { buildUi } and call it: the agent does so
// at start when the bundle is missing or older than its sources.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const UI_SRC_DIR = path.join(ROOT, 'web-ui');
export const UI_DIST_DIR = path.join(UI_SRC_DIR, 'dist');
const ENTRY = path.join(UI_SRC_DIR, 'main.ts');
const INDEX = path.join(UI_SRC_DIR, 'index.html');
/** esbuild's list of the bundle's inputs, kept so a staleness check needs no directory walk. */
const META = path.join(UI_DIST_DIR, 'meta.json');

const mtime = async (file) => {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return -1;
  }
};

/** True when dist is missing or any input of the last build (or index.html) is newer than it. */
export async function uiBundleIsStale() {
  const built = Math.min(await mtime(path.join(UI_DIST_DIR, 'app.js')), await mtime(path.join(UI_DIST_DIR, 'index.html')));
  if (built < 0) return true;
  let inputs;
  try {
    inputs = Object.keys(JSON.parse(await fs.readFile(META, 'utf8')).inputs);
  } catch {
    return true;
  }
  const sources = [INDEX, ENTRY, ...inputs.map((p) => path.resolve(ROOT, p))];
  for (const file of sources) if ((await mtime(file)) > built) return true;
  return false;
}

// Writes through a temporary name and renames, so an agent serving dist never reads half a file
// while another process rebuilds it.
async function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, contents);
  await fs.rename(tmp, file);
}

let inFlight = null;

/**
 * Builds the bundle. With `{ onlyIfStale: true }` it does nothing when dist is up to date.
 * Concurrent calls in one process share one build.
 * @param {{ onlyIfStale?: boolean }} [opts]
 * @returns {Promise<{ built: boolean, outDir: string }>}
 */
export function buildUi(opts = {}) {
  inFlight ??= (async () => {
    try {
      if (opts.onlyIfStale && !(await uiBundleIsStale())) return { built: false, outDir: UI_DIST_DIR };
      await fs.mkdir(UI_DIST_DIR, { recursive: true });
      const result = await build({
        entryPoints: [ENTRY],
        outfile: path.join(UI_DIST_DIR, 'app.js'),
        absWorkingDir: ROOT,
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        sourcemap: true,
        metafile: true,
        write: false,
        logLevel: 'warning',
        // Lit needs standard decorators (`accessor` fields); never let a tsconfig switch on
        // experimentalDecorators, whose output builds but silently never updates.
        tsconfigRaw: { compilerOptions: { experimentalDecorators: false, useDefineForClassFields: true } },
      });
      for (const out of result.outputFiles) await writeAtomic(out.path, out.contents);
      await writeAtomic(path.join(UI_DIST_DIR, 'index.html'), await fs.readFile(INDEX));
      await writeAtomic(META, JSON.stringify(result.metafile));
      return { built: true, outDir: UI_DIST_DIR };
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  buildUi().then(
    () => console.log(`web-ui built into ${path.relative(ROOT, UI_DIST_DIR)} in ${Date.now() - started} ms`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
