#!/usr/bin/env node
// Runs every test under test/ with uvu (TypeScript through tsx) and prints the runner's totals as
// one closing line `N passed, N failed[, N skipped]`, which CI reads.
// Usage: npm test [-- <file pattern>]
// With CAMVID_REQUIRE_ALL=1 (set by .ci/run) a test that cannot run here (no root, no Chromium)
// fails instead of skipping; skipped tests announce themselves with a `CAMVID-SKIP` line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), 'test', pattern, '-c', 'false'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } },
);
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  const num = (label) => Number(out.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = (out.match(/CAMVID-SKIP /g) ?? []).length;
  // uvu exits non-zero without totals when a test file throws on import: count that as a failure.
  const failed = Math.max(total - passed, code !== 0 && total === passed ? 1 : 0);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code !== 0 || failed > 0 || total === 0 ? 1 : 0);
});
