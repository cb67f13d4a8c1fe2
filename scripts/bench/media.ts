/**
 * `npm run bench -- media`: the live-class figures of issue 4, all on 127.0.0.1 with ffmpeg's
 * test pattern as the camera and every agent a separate process.
 *
 * - delivery: 1 host + 8 students at fan-out 2 over the issue's full 20 s window;
 * - per-hop forwarding latency: a chain host → s1 → s2 → s3, every video packet stamped on arrival
 *   at each agent on the machine-wide monotonic clock (`--trace-every 1`);
 * - host CPU and bytes sent for 8/16/32 students, tree (fan-out 4) against star;
 * - CPU of one relay forwarding 1280x720 VP8 at 2.5 Mbit/s to 4 children;
 * - time to first frame for a student who comes in mid-lecture, with Chromium pages (media-join.ts);
 * - the instructor's sent and the students' received frame rates and repeated frames (media-fps.ts).
 *
 * CPU is the agent process's own user+system time over the window (/proc/PID/stat), so ffmpeg
 * (a separate process) is not in it; "% of one core".
 */
import os from 'node:os';
import type { MediaStats } from '../../protocol/media.js';
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { latestStats, packetsAt, traceStamps, waitForVideo } from '../../test/helpers/media-stats.js';
import { benchFirstFrame } from './media-join.js';
import { benchFrameRates } from './media-fps.js';
import { cpuSeconds, pct } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU (% of one core) of `agent` and its media-stats over `ms`. */
async function measure(agent: AgentProcess, ms: number): Promise<{ cpu: number; from: MediaStats; to: MediaStats }> {
  const from = latestStats(agent)!;
  const c0 = await cpuSeconds(agent.child.pid!);
  const t0 = performance.now();
  await sleep(ms);
  const c1 = await cpuSeconds(agent.child.pid!);
  const secs = (performance.now() - t0) / 1000;
  return { cpu: ((c1 - c0) / secs) * 100, from, to: latestStats(agent)! };
}

/** A student that joined; on a starved machine a join can time out (UNREACHABLE), so try again. */
async function joinWithRetry(cluster: Cluster, name: string, port: number, args: string[]): Promise<AgentProcess> {
  for (let attempt = 1; ; attempt++) {
    const s = cluster.startStudent(name, `127.0.0.1:${port}`, args);
    try {
      await s.waitForLine(/^joined /, 120_000);
      return s;
    } catch (err) {
      await s.kill();
      if (attempt >= 3) throw err;
      console.log(`  ${name}: join failed (${(err as Error).message.split('\n')[1] ?? 'timeout'}); retrying`);
    }
  }
}

async function startClass(
  cluster: Cluster,
  students: number,
  hostArgs: string[],
  studentArgs: string[] = [],
): Promise<{ host: AgentProcess; students: AgentProcess[] }> {
  const { agent: host, port } = await cluster.startHost([...hostArgs, '--media-stats-ms', '250']);
  const list: AgentProcess[] = [];
  // In batches, so 32 Node start-ups do not starve each other past the join timeout.
  for (let i = 0; i < students; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, students - i) }, (_, j) => joinWithRetry(cluster, `s${i + j}`, port, ['--media-stats-ms', '250', ...studentArgs])),
    );
    list.push(...batch);
  }
  await Promise.all(list.map((s) => waitForVideo(s, 30_000)));
  await sleep(1000);
  return { host, students: list };
}

async function delivery(): Promise<string> {
  const cluster = new Cluster();
  try {
    const { host, students } = await startClass(cluster, 8, ['--fanout', '2', '--source', 'testsrc']);
    const from = Date.now();
    await sleep(20_000);
    await sleep(500);
    const to = from + 20_000;
    const sent = packetsAt(host, to) - packetsAt(host, from);
    const ratios = students.map((s) => (packetsAt(s, to) - packetsAt(s, from)) / sent);
    return `Delivery, 1 host + 8 students at fan-out 2 (depth 3), testsrc 640x360 30 fps 800 kbit/s + Opus, 20 s: the host took in ${Math.round(sent)} RTP packets; students received ${Math.min(...ratios) * 100 >= 99.95 ? 'all of them' : `min ${(Math.min(...ratios) * 100).toFixed(1)}%`} (per student: ${ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(', ')}; over 100% = packets of the window's edge).`;
  } finally {
    await cluster.close();
  }
}

async function hopLatency(): Promise<string> {
  const cluster = new Cluster();
  try {
    const { host, students } = await startClass(cluster, 3, ['--fanout', '1', '--source', 'testsrc', '--trace-every', '1'], ['--trace-every', '1']);
    await sleep(20_000);
    const arrivals = (a: AgentProcess) => traceStamps(a, 'media-trace-batch');
    // Order the chain by depth in the tree (the students joined concurrently, in any order).
    const roster = host.roster;
    const depth = (name: string): number => {
      let d = 0;
      for (let m = roster.find((x) => x.name === name); m?.parentId; m = roster.find((x) => x.id === m!.parentId)) d++;
      return d;
    };
    const ordered = [...students].sort((a, b) => depth(a.name) - depth(b.name));
    if (ordered.map((s) => depth(s.name)).join() !== '1,2,3') throw new Error(`not a chain: depths ${ordered.map((s) => depth(s.name))}`);
    const chain = [host, ...ordered].map(arrivals);
    const hops: number[] = [];
    const total: number[] = [];
    for (const [seq, t0] of chain[0]!) {
      const ts = chain.map((m) => m.get(seq));
      if (ts.some((t) => t === undefined)) continue;
      for (let i = 1; i < ts.length; i++) hops.push((ts[i]! - ts[i - 1]!) / 1000);
      total.push((ts.at(-1)! - t0) / 1000);
    }
    const f = (xs: number[]) => `${pct(xs, 50).toFixed(2)} / ${pct(xs, 99).toFixed(2)} / ${Math.max(...xs).toFixed(2)}`;
    return [
      `Forwarding latency along host → s1 → s2 → s3 (fan-out 1), testsrc 640x360 30 fps, 20 s, ${total.length} video packets seen at all four agents.`,
      'A hop is agent N taking the packet in (after SRTP, in JavaScript) to agent N+1 taking it in: the relay\'s forwarding plus one SRTP + UDP loopback crossing.',
      '',
      '| | ms p50 / p99 / max |',
      '|---|---|',
      `| per hop (${hops.length} samples) | ${f(hops)} |`,
      `| added at depth 3 (host → s3) | ${f(total)} |`,
    ].join('\n');
  } finally {
    await cluster.close();
  }
}

async function hostLoad(): Promise<string> {
  const rows: string[] = [];
  for (const n of [8, 16, 32]) {
    for (const shape of ['tree', 'star'] as const) {
      const cluster = new Cluster();
      try {
        const fan = shape === 'tree' ? ['--fanout', '4'] : ['--fanout', '4', '--root-fanout', '64'];
        const { host } = await startClass(cluster, n, [...fan, '--source', 'testsrc']);
        const m = await measure(host, 10_000);
        const secs = (m.to.t - m.from.t) / 1000;
        const outBytes = m.to.out.bytes - m.from.out.bytes;
        const inBytes = m.to.in.video.bytes + m.to.in.audio.bytes - m.from.in.video.bytes - m.from.in.audio.bytes;
        const inPackets = m.to.in.video.packets + m.to.in.audio.packets - m.from.in.video.packets - m.from.in.audio.packets;
        // ffmpeg's real rate sags when the machine is starved, so CPU per 1000 packets in is the fairer figure.
        const perK = (m.cpu / 100) * secs * 1000 / Math.max(1, inPackets) * 1000;
        rows.push(`| ${n} | ${shape} | ${m.to.children} | ${m.cpu.toFixed(1)} | ${perK.toFixed(1)} | ${Math.round((inBytes * 8) / secs / 1000)} | ${Math.round((outBytes * 8) / secs / 1000)} | ${(outBytes / Math.max(1, inBytes)).toFixed(2)} |`);
        console.log(rows.at(-1));
      } finally {
        await cluster.close();
      }
    }
  }
  return [
    'Host agent CPU (% of one core, ffmpeg excluded) and media bytes it sends, over 10 s, testsrc 640x360 30 fps ~800 kbit/s + Opus 64 kbit/s.',
    'Tree = fan-out 4 (the host takes 4 children, relays take the rest); star = every student a child of the host.',
    '',
    '"ms CPU / 1000 pkts" is host CPU time per thousand RTP packets taken in from the source; "copies" is bytes sent / bytes taken in.',
    '',
    '| students | shape | host children | host CPU % | ms CPU / 1000 pkts | source kbit/s | host sends kbit/s | copies |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function relay720p(): Promise<string> {
  const cluster = new Cluster();
  try {
    const { students } = await startClass(cluster, 5, ['--root-fanout', '1', '--fanout', '4', '--source', 'testsrc', '--video-size', '1280x720', '--video-kbps', '2500']);
    // Under load a join may land late: wait for the tree's shape (one relay with all 4 children).
    const withFour = () => students.find((s) => (latestStats(s)?.children ?? 0) === 4);
    for (const end = Date.now() + 30_000; !withFour() && Date.now() < end; ) await sleep(250);
    const relay = withFour();
    if (!relay) throw new Error(`no relay with 4 children: ${students.map((s) => `${s.name}:${latestStats(s)?.children}`).join(' ')}`);
    const m = await measure(relay, 10_000);
    const secs = (m.to.t - m.from.t) / 1000;
    const inKbit = ((m.to.in.video.bytes + m.to.in.audio.bytes - m.from.in.video.bytes - m.from.in.audio.bytes) * 8) / secs / 1000;
    const outKbit = ((m.to.out.bytes - m.from.out.bytes) * 8) / secs / 1000;
    const pps = (m.to.in.video.packets + m.to.in.audio.packets - m.from.in.video.packets - m.from.in.audio.packets) / secs;
    return `One relay forwarding testsrc 1280x720 VP8 (--video-kbps 2500) + Opus to 4 children, 10 s: ${m.cpu.toFixed(1)}% of one core (in ${Math.round(inKbit)} kbit/s, ${Math.round(pps)} packets/s; out ${Math.round(outKbit)} kbit/s).`;
  } finally {
    await cluster.close();
  }
}

export async function benchMedia(): Promise<string> {
  const parts = [await delivery(), await hopLatency(), await hostLoad(), await relay720p(), await benchFirstFrame(), await benchFrameRates()];
  return [...parts, '', `(${os.cpus().length} cores shared with other work while measuring; CPU figures are noisy to a few %.)`].join('\n\n');
}
