/**
 * `npm run bench [-- NAME ...]`: measures the figures the issues name and writes them into
 * docs/benchmarks.md between `<!-- bench:NAME -->` markers, with the command and the machine.
 * Everything runs on 127.0.0.1. Benchmarks: join, chat (each further one in scripts/bench/<name>.ts).
 * The soak (`npm run soak`, scripts/soak.ts) writes its own section with the same writer.
 */
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../test/helpers/agents.js';
import { BENCH_DOC, writeSection } from './bench/bench-doc.js';
import { benchBruteforce } from './bench/bruteforce.js';
import { benchChat } from './bench/chat.js';
import { benchFiles } from './bench/files.js';
import { benchLabs } from './bench/labs.js';
import { benchMedia } from './bench/media.js';
import { benchPodcast } from './bench/podcast.js';
import { benchScreen } from './bench/screen.js';
import { benchFirstFrame } from './bench/media-join.js';
import { benchFrameRates } from './bench/media-fps.js';
import { benchLipsync } from './bench/lipsync.js';
import { benchGlass } from './bench/glass.js';
import { benchClassModel } from './bench/class-model.js';
import { benchFlood } from './bench/flood.js';
import { benchDtlsRace } from './bench/dtls-race.js';
import { benchWatchLink } from './bench/watch-link.js';
import { benchBitrate } from './bench/bitrate.js';
import { benchSimulcast } from './bench/simulcast.js';
import { benchLayerTry } from './bench/layer-try.js';
import { benchAgentRest } from './bench/agent-rest.js';
import { pct, rssMiB } from './bench/proc-stats.js';

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
  /** the first-frame part of `media` alone (Chromium pages), for a machine too busy for the rest */
  'media-join': benchFirstFrame,
  /** the frame-rate part of `media` alone: sent, received and repeated frames down a chain (Chromium pages) */
  'media-fps': benchFrameRates,
  files: benchFiles,
  bruteforce: benchBruteforce,
  podcast: benchPodcast,
  /** root and relay cost of a shared screen beside a thumbnail camera, 8 and 32 students */
  screen: benchScreen,
  /** sound against picture at a student two hops down (Chromium pages, a flashing and beeping source) */
  lipsync: benchLipsync,
  /** capture → display at student pages 1–3 hops down, against a direct page-to-page link (Chromium pages) */
  glass: benchGlass,
  /** a seeded model of 200 and 1,000 students on the host's planner with the measured costs (no network) */
  model: benchClassModel,
  /** the host's event loop, memory and descriptors under 4,000 hellos, with students in the room and one joining */
  flood: benchFlood,
  /** connections failed by an answerer checking the offerer too early: candidates in the offer or not (no network beyond 127.0.0.1) */
  'dtls-race': benchDtlsRace,
  /** a reloaded student page: its watching link to its agent and its first frame (Chromium pages) */
  'watch-link': benchWatchLink,
  /** how fast the instructor's page sends its camera and what limits it (Chromium pages) */
  bitrate: benchBitrate,
  /** the camera in simulcast layers: switch times over a shaped link (namespaces), host and relay CPU for 8 and 32 students */
  simulcast: benchSimulcast,
  /** what a try of the layer above costs a student whose link cannot take it (namespaces) */
  'layer-try': benchLayerTry,
  /** what an agent (host, relay, student) costs its machine in CPU and wakeups while the class just runs */
  'agent-rest': benchAgentRest,
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
for (const name of wanted) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`bench ${name} …`);
  const load = os.loadavg()[0]!;
  await writeSection(name, await bench(), undefined, load);
}
console.log(`written to ${path.relative(process.cwd(), BENCH_DOC)}`);
