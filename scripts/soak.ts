/**
 * `npm run soak [-- --minutes 10 --students 20 …]`: the proving ground's soak (issue 10,
 * docs/proving-ground.md). One host and the students, each in its own network namespace, under
 * delay, loss, live video, chat, a download, bad input and a relay cut every minute; prints a
 * summary and, unless --no-write, writes the figures into docs/benchmarks.md (section `soak`).
 * Exits 1 when anything was lost, duplicated or never settled. Needs root, iproute2 and ffmpeg.
 *
 * Options (defaults in scripts/soak/soak-run.ts): --minutes --students --fanout --delay --jitter
 * --loss --chat-rate --file-mb --video-size --fps --video-kbps --cut-every --cut-for --bad-rate
 * --settle (seconds), --no-write, --keep-logs DIR (every agent's whole output, one file each; with
 * CAMVID_DEBUG=agent:* the agents' debug lines too).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canUseNetns, impairSupport } from './netns/netns-lab.js';
import { writeSection } from './bench/bench-doc.js';
import { runSoak, SOAK_DEFAULTS, type SoakOptions } from './soak/soak-run.js';
import { judgeSoak, soakDiagnostics, soakMarkdown } from './soak/soak-report.js';

const FLAGS: Record<string, keyof Omit<SoakOptions, 'log' | 'videoSize'>> = {
  minutes: 'minutes',
  students: 'students',
  fanout: 'fanout',
  delay: 'delayMs',
  jitter: 'jitterMs',
  loss: 'lossPct',
  'chat-rate': 'chatPerSecond',
  'file-mb': 'fileMb',
  fps: 'fps',
  'video-kbps': 'videoKbps',
  'cut-every': 'cutEverySeconds',
  'cut-for': 'cutForSeconds',
  'bad-rate': 'badInputsPerSecond',
  settle: 'settleSeconds',
};

const { values } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
    'video-size': { type: 'string' },
    'no-write': { type: 'boolean' },
    'keep-logs': { type: 'string' },
  },
});
const opts: SoakOptions = { ...SOAK_DEFAULTS, log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`) };
for (const [flag, key] of Object.entries(FLAGS)) {
  const v = (values as Record<string, string | boolean | undefined>)[flag];
  if (v === undefined) continue;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${flag} must be a number`);
    process.exit(2);
  }
  opts[key] = n;
}
if (typeof values['video-size'] === 'string') opts.videoSize = values['video-size'];
if (opts.students < 1 || opts.students > 62) {
  console.error('--students must be 1–62 (the lab holds 64 hosts: the host, the students, the intruder)');
  process.exit(2);
}

const missing = [
  !canUseNetns() && 'network namespaces (root + iproute2)',
  canUseNetns() && (opts.delayMs || opts.jitterMs || opts.lossPct) && !impairSupport().method && `link impairment: ${impairSupport().reason}`,
  spawnSync('ffmpeg', ['-version']).status !== 0 && 'ffmpeg (Debian package ffmpeg)',
].filter(Boolean);
if (missing.length) {
  console.error(`the soak needs ${missing.join(', ')}`);
  process.exit(1);
}

const loadBefore = os.loadavg()[0]!;
const run = await runSoak(opts);
const verdict = judgeSoak(run);
const body = soakMarkdown(run, verdict);
console.log(`\n${body}\n`);
if (verdict.problems.length) console.log(`${soakDiagnostics(run, verdict)}\n`);
if (typeof values['keep-logs'] === 'string') {
  mkdirSync(values['keep-logs'], { recursive: true });
  for (const w of [run.host, ...run.students]) writeFileSync(path.join(values['keep-logs'], `${w.name}.log`), w.agent.lines.join('\n'));
  console.log(`agent output in ${values['keep-logs']}`);
}
const ok = verdict.lost.total === 0 && verdict.duplicates === 0 && run.settled;
console.log(ok ? 'soak: nothing lost' : `soak: FAILED (${verdict.lost.total} lost, ${verdict.duplicates} duplicates, settled: ${run.settled})`);
if (!values['no-write']) {
  const args = process.argv.slice(2).filter((a) => a !== '--no-write');
  await writeSection('soak', body, `npm run soak${args.length ? ` -- ${args.join(' ')}` : ''}`, loadBefore);
  console.log('written to docs/benchmarks.md (section soak)');
}
process.exit(ok ? 0 : 1);
