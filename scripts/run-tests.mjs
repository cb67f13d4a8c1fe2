#!/usr/bin/env node
// Runs every test file under test/ with uvu (TypeScript through tsx), each file in its own
// process with a time limit, so a crash or a leaked handle in one file cannot hang or break the
// others. Ends with one line `N passed, N failed[, N skipped]` summed from uvu's totals (CI reads it).
// Usage: npm test [-- <file pattern>]
// A file may ask for a longer limit with `@camvid-timeout-s N` in its text (the soak does).
// With CAMVID_REQUIRE_ALL=1 (set by .ci/run) a test that cannot run here (no root, no Chromium)
// fails instead of skipping; skipped tests announce themselves with a `CAMVID-SKIP ` line.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$');
const FILE_TIMEOUT_MS = Number(process.env.CAMVID_TEST_FILE_TIMEOUT_MS ?? 300_000);

function findTests(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === 'fixtures' || name === 'helpers' ? [] : findTests(full);
      return name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

function timeoutFor(file) {
  const asked = /@camvid-timeout-s (\d+)/.exec(readFileSync(file, 'utf8'))?.[1];
  return asked ? Math.max(FILE_TIMEOUT_MS, Number(asked) * 1000) : FILE_TIMEOUT_MS;
}

function runFile(file) {
  const limitMs = timeoutFor(file);
  return new Promise((resolve) => {
    const rel = path.relative(path.join(root, 'test'), file);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), 'test', rel.replace(/[.+]/g, '\\$&') + '$', '-c', 'false'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' }, detached: true },
    );
    let out = '';
    let finished = false;
    const onData = (chunk) => {
      process.stdout.write(chunk);
      out += chunk.toString();
      // uvu has printed its totals: the file is done. In-process WebRTC (libdatachannel) can keep
      // the process alive for up to ~100 s while native threads time out closed connections.
      if (!finished && /Duration:\s/.test(out)) {
        finished = true;
        setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }, 2000).unref();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const started = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\n✘ ${rel} did not finish in ${limitMs / 1000} s: killed`);
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole group: agents it spawned too
      } catch {}
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label) => Number(out.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
      const total = num('Total');
      const passed = num('Passed');
      const skipped = (out.match(/CAMVID-SKIP /g) ?? []).length;
      // A file that throws on import, crashes or times out before its totals counts as a failure.
      const failed = finished ? total - passed : Math.max(total - passed, 1);
      console.log(`  ${rel}: ${passed}/${total} passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve({ passed, failed, skipped, why: failed > 0 ? failureExcerpt(out, timedOut, code) : '' });
    });
  });
}

/**
 * The lines that say why a file failed (uvu's FAIL line and the assertion under it), repeated at
 * the end of the run: CI shows only the tail of a long log.
 */
function failureExcerpt(out, timedOut, code) {
  if (timedOut) return 'timed out';
  const lines = out.split('\n');
  const at = lines.findIndex((l) => /\bFAIL\b/.test(l));
  if (at < 0) return `exited with code ${code} before its totals`;
  return lines.slice(at, at + 4).map((l) => l.trim()).filter(Boolean).join(' | ').slice(0, 600);
}

const files = findTests(path.join(root, 'test')).filter((f) => pattern.test(path.relative(root, f)));
const sum = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
for (const file of files) {
  const r = await runFile(file);
  if (r.failed > 0) failures.push(`  ${path.relative(path.join(root, 'test'), file)}: ${r.why}`);
  sum.passed += r.passed;
  sum.failed += r.failed;
  sum.skipped += r.skipped;
}
if (failures.length) console.log(`\nFailed:\n${failures.join('\n')}`);
console.log(`\n${sum.passed} passed, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}`);
process.exit(sum.failed > 0 || files.length === 0 ? 1 : 0);
