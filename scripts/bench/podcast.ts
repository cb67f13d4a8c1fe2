/**
 * `npm run bench -- podcast`: the figures of issue 7, on 127.0.0.1 with every agent a process.
 *
 * - Added latency, live mode, at tree depth 3: a chain host → s1 → s2 → s3 (fan-out 1), the host
 *   playing the test signal as the podcast and s3 listening. Every podcast packet is stamped on the
 *   machine-wide monotonic clock where the host takes it from ffmpeg, where each student takes it
 *   in (`--trace-every 1 --trace-kind podcast`: media-trace-batch), and where s3's player hands it to
 *   its page (`podcast-trace`; headless there is no page, the hand-off is the same call).
 * - Memory per buffered minute: (a) a PodcastBuffer filled in this process with an hour of the
 *   test signal's real packets (their sizes captured from ffmpeg), measured as the buffer's own
 *   bytes and as what the process's ArrayBuffers grew by; (b) a real listening agent (default
 *   60-minute cap) sampled over a few minutes: its resident memory and its recording's bytes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PodcastBuffer } from '../../node-agent/podcast/podcast-buffer.js';
import { PodcastSource } from '../../node-agent/podcast/podcast-source.js';
import type { PlayerView } from '../../protocol/podcast.js';
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { traceStamps } from '../../test/helpers/media-stats.js';
import { pct, rssMiB } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LATENCY_MS = 20_000;
const MEMORY_MS = 180_000;
const PODCAST_TRACE = ['--trace-every', '1', '--trace-kind', 'podcast'];

async function latency(): Promise<string> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', '1', '--podcast', 'testsrc', ...PODCAST_TRACE]);
    const chain: AgentProcess[] = [];
    for (const name of ['s1', 's2', 's3']) {
      const s = cluster.startStudent(name, `127.0.0.1:${port}`, [...PODCAST_TRACE, ...(name === 's3' ? ['--podcast-listen'] : [])]);
      await s.waitForLine(/^joined /, 120_000);
      chain.push(s);
    }
    const depth = (name: string): number => {
      let d = 0;
      for (let m = host.roster.find((x) => x.name === name); m?.parentId; m = host.roster.find((x) => x.id === m!.parentId)) d++;
      return d;
    };
    if (chain.map((s) => depth(s.name)).join() !== '1,2,3') throw new Error(`not a chain: ${chain.map((s) => depth(s.name))}`);
    await chain[2]!.waitForLine(/"type":"podcast-trace"/, 30_000);
    await sleep(LATENCY_MS);
    const arrivals = [host, ...chain].map((a) => traceStamps(a, 'media-trace-batch'));
    const handoff = traceStamps(chain[2]!, 'podcast-trace');
    const hops: number[] = [];
    const tree: number[] = [];
    const player: number[] = [];
    const total: number[] = [];
    for (const [seq, t0] of arrivals[0]!) {
      const ts = arrivals.map((m) => m.get(seq));
      const out = handoff.get(seq);
      if (ts.some((t) => t === undefined) || out === undefined) continue;
      for (let i = 1; i < ts.length; i++) hops.push((ts[i]! - ts[i - 1]!) / 1000);
      tree.push((ts[3]! - t0) / 1000);
      player.push((out - ts[3]!) / 1000);
      total.push((out - t0) / 1000);
    }
    const f = (xs: number[]) => `${pct(xs, 50).toFixed(2)} / ${pct(xs, 99).toFixed(2)} / ${Math.max(...xs).toFixed(2)}`;
    return [
      `Added latency in live mode along host → s1 → s2 → s3 (fan-out 1), the test signal as the podcast (Opus at the default --podcast-kbps 64, 20 ms packets), ${LATENCY_MS / 1000} s, ${total.length} packets seen everywhere.`,
      '',
      '| | ms p50 / p99 / max |',
      '|---|---|',
      `| per hop (${hops.length} samples) | ${f(hops)} |`,
      `| host → s3 taking it in (the tree, depth 3) | ${f(tree)} |`,
      `| s3 taking it in → its player handing it to the page (live mode) | ${f(player)} |`,
      `| **host → listener's page at depth 3** | ${f(total)} |`,
      '',
      "Not included: the page's own jitter buffer, which any real-time audio pays once (Chromium's NetEq held 50–60 ms on average on loopback in the prototype that chose WebRTC for the page; docs/podcast.md).",
    ].join('\n');
  } finally {
    await cluster.close();
  }
}

/** The sizes of ~10 s of the test signal's Opus packets as ffmpeg makes them. */
async function realPacketSizes(): Promise<number[]> {
  const source = await PodcastSource.start({ input: { kind: 'tone' } });
  const sizes: number[] = [];
  source.attach((_kind, p) => {
    if (p[1]! < 192 || p[1]! > 223) sizes.push(p.length);
  });
  await sleep(10_000);
  await source.close();
  return sizes;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function memoryInProcess(): Promise<string> {
  const sizes = await realPacketSizes();
  const minutes = 60;
  const packets = minutes * 60 * 50;
  gc();
  const before = process.memoryUsage();
  const buf = new PodcastBuffer(minutes * 60_000 + 1000);
  const packet = Buffer.alloc(1400, 0x55);
  for (let i = 0; i < packets; i++) buf.push(packet.subarray(0, sizes[i % sizes.length]!), i * 20);
  gc();
  const after = process.memoryUsage();
  const mb = (b: number) => (b / minutes / 1e6).toFixed(2);
  const avg = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  return [
    `(a) One PodcastBuffer filled in-process with ${minutes} minutes (${packets} packets) of the test signal's real packet sizes (${sizes.length} captured from ffmpeg, mean ${avg.toFixed(0)} bytes = ${((avg * 8 * 50) / 1000).toFixed(0)} kbit/s with RTP headers):`,
    '',
    '| per buffered minute | MB |',
    '|---|---|',
    `| packets kept (the audio itself) | ${mb(buf.bytes)} |`,
    `| slabs + indexes held | ${mb(buf.allocatedBytes)} |`,
    `| process ArrayBuffers grew by | ${mb(after.arrayBuffers - before.arrayBuffers)} |`,
    `| process heap grew by | ${mb(after.heapUsed - before.heapUsed)} |`,
  ].join('\n');
}

async function memoryInAgent(): Promise<string> {
  const cluster = new Cluster();
  try {
    const { port } = await cluster.startHost(['--podcast', 'testsrc']);
    const listener = cluster.startStudent('listener', `127.0.0.1:${port}`, ['--podcast-listen']);
    await listener.waitForLine(/^joined /, 120_000);
    const player = () => {
      const line = listener.lines.filter((l) => l.startsWith('event {"type":"podcast-player"')).at(-1);
      return JSON.parse(line!.slice(6)).data as PlayerView;
    };
    await listener.waitFor(() => player().bufferedMs > 10_000, 30_000, 'ten seconds recorded');
    const r0 = await rssMiB(listener.child.pid!);
    const p0 = player();
    const t0 = Date.now();
    const samples: string[] = [];
    for (let i = 1; i <= MEMORY_MS / 60_000; i++) {
      await sleep(60_000);
      samples.push(`${(await rssMiB(listener.child.pid!)).toFixed(1)}`);
    }
    const minutes = (Date.now() - t0) / 60_000;
    const p1 = player();
    return [
      `(b) A listening agent (headless \`--podcast-listen\`, default 60-minute cap) over ${minutes.toFixed(1)} minutes of the test signal: its recording grew by ${((p1.bufferedBytes - p0.bufferedBytes) / minutes / 1e6).toFixed(2)} MB a minute (${((p1.bufferedMs - p0.bufferedMs) / minutes / 1000).toFixed(0)} s of audio a minute). Its resident memory, once a minute: ${r0.toFixed(1)} → ${samples.join(' → ')} MiB; a growth of under 1 MB a minute is below what RSS resolves here (V8's collections move it by tens of MiB), which is why (a) measures in-process.`,
    ].join('\n');
  } finally {
    await cluster.close();
  }
}

export async function benchPodcast(): Promise<string> {
  return [await latency(), await memoryInProcess(), await memoryInAgent()].join('\n\n');
}
