/**
 * `npm run bench [-- NAME ...]`: measures the figures the issues name and writes them into
 * docs/benchmarks.md between `<!-- bench:NAME -->` markers, with the command and the machine.
 * Everything runs on 127.0.0.1. Benchmarks: join, chat (each further one in scripts/bench/<name>.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster, ROOT } from '../test/helpers/agents.js';
import { benchChat } from './bench/chat.js';
import { benchFiles } from './bench/files.js';
import { benchLabs } from './bench/labs.js';
import { benchMedia } from './bench/media.js';

const DOC = path.join(ROOT, 'docs/benchmarks.md');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const rssMiB = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

async function benchJoin(): Promise<string> {
  const N = 20;
  const rows: string[] = [];
  for (const mode of ['one at a time', 'all at once'] as const) {
    const cluster = new Cluster();
    try {
      const { agent: host, port } = await cluster.startHost(['--fanout', '4']);
      const rssIdle = await rssMiB(host.child.pid!);
      const total: number[] = [];
      const inAgent: number[] = [];
      const startAll = performance.now();
      const one = async (i: number) => {
        const t0 = performance.now();
        const s = cluster.startStudent(`s${i}`, `127.0.0.1:${port}`);
        const m = await s.waitForLine(/^joined .* in (\d+) ms/, 60_000);
        total.push(performance.now() - t0);
        inAgent.push(Number(m[1]));
      };
      if (mode === 'one at a time') for (let i = 0; i < N; i++) await one(i);
      else await Promise.all(Array.from({ length: N }, (_, i) => one(i)));
      const wall = performance.now() - startAll;
      await host.waitFor(() => host.roster.length === N + 1 && host.roster.every((m) => m.state === 'connected'), 20_000, 'full roster');
      const rss = await rssMiB(host.child.pid!);
      const f = (xs: number[]) => `${Math.round(pct(xs, 50))} / ${Math.round(pct(xs, 95))} / ${Math.round(Math.max(...xs))}`;
      rows.push(`| ${mode} | ${f(total)} | ${f(inAgent)} | ${Math.round(wall)} | ${rssIdle.toFixed(0)} → ${rss.toFixed(0)} |`);
      console.log(rows.at(-1));
    } finally {
      await cluster.close();
    }
  }
  return [
    `${N} students join one host (fan-out 4), each a separate agent process on 127.0.0.1.`,
    '"process start → in tree" counts from spawning `camvid join` (Node + tsx start-up, LevelDB open, scrypt,',
    'handshake, WebRTC edge open) to its `joined` line; "join → in tree" is the part inside the agent after',
    'it is up (scrypt ~0.2 s, handshake, placement, ICE + DTLS + SCTP, all three data channels open).',
    '',
    '| students start | process start → in tree, ms p50 / p95 / max | join → in tree, ms p50 / p95 / max | all in, ms | host RSS MiB (idle → 20 in) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const BENCHES: Record<string, () => Promise<string>> = {
  join: benchJoin,
  chat: benchChat,
  labs: benchLabs,
  media: benchMedia,
  files: benchFiles,
};

async function writeSection(name: string, body: string): Promise<void> {
  let doc = '';
  try {
    doc = await readFile(DOC, 'utf8');
  } catch {
    doc = '# Benchmarks\n\nWritten by `npm run bench`; each section says what it measured.\n';
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- ${name}\` on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`;
  const section = `<!-- bench:${name} -->\n## ${name}\n\n${stamp}\n\n${body}\n<!-- /bench:${name} -->`;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFile(DOC, doc);
}

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
for (const name of wanted) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`bench ${name} …`);
  await writeSection(name, await bench());
}
console.log(`written to ${path.relative(process.cwd(), DOC)}`);
