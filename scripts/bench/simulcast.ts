/**
 * `npm run bench -- simulcast`: the camera in three simulcast layers (issue "Picture and sound"),
 * headless: ffmpeg's test pattern at 1280x720 15 fps as `--simulcast` sends it (320x180 at
 * 150 kbit/s, 640x360 at 500, 1280x720 at 1.8 Mbit/s; web-ui/simulcast.ts has the page's).
 *
 * - Layer switches, in network namespaces (root + iproute2): 4 students under the host, then 4
 *   at fan-out 2 (the last one below a relay); one's downlink shaped to 400 kbit/s with 2 % loss,
 *   then clean again. Time from the shaping until its parent sends it the lowest layer, and from
 *   the clean link until it is back on the top one; what each layer carries; key frame requests a
 *   minute; the share of its packets lost before repair and after.
 * - CPU, on 127.0.0.1: the host and its busiest relay for 8 and 32 students at fan-out 4, the
 *   camera in three layers against one layer of the same top size and rate
 *   (SIMULCAST_BENCH_STUDENTS=8 runs the small class only).
 */
import { canUseNetns, createNetnsLab } from '../netns/netns-lab.js';
import { Cluster, ROOT, type AgentProcess } from '../../test/helpers/agents.js';
import { latestStats, waitForVideo } from '../../test/helpers/media-stats.js';
import { cpuSeconds } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMERA = ['--source', 'testsrc', '--video-size', '1280x720', '--fps', '15', '--video-kbps', '1800'];
const STATS = ['--media-stats-ms', '250'];

/** Milliseconds until `agent`'s stats satisfy `ok`, checked on every stats line. */
async function timeUntil(agent: AgentProcess, ok: () => boolean, what: string, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  await agent.waitFor(() => ok() || undefined, timeoutMs, what);
  return Math.round(performance.now() - t0);
}

/** Rounds of a weak link for the last of `N` students at `fanout`: rows `| where | round | … |`. */
async function switchRounds(N: number, fanout: number): Promise<{ rows: string[]; perLayer: number[] }> {
  const lab = await createNetnsLab(N + 1);
  const cluster = new Cluster();
  const inHost = (i: number) => ({ local: false, spawner: (cmd: string, args: string[]) => lab.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }) });
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', String(fanout), '--simulcast', ...CAMERA, ...STATS, '--no-mdns'], inHost(0));
    const students: AgentProcess[] = [];
    for (let i = 1; i <= N; i++) {
      const s = cluster.startStudent(`s${i}`, `${lab.hosts[0]!.addr}:${port}`, [...STATS, '--no-mdns'], inHost(i));
      await s.waitForLine(/^joined /, 60_000);
      students.push(s);
    }
    await Promise.all(students.map((s) => waitForVideo(s, 60_000)));
    await sleep(3000);
    const weak = students.at(-1)!;
    const roster = host.roster;
    const parentName = roster.find((m) => m.id === roster.find((x) => x.name === weak.name)?.parentId)?.name;
    const parent = students.find((s) => s.name === parentName) ?? host;
    const where = parent === host ? 'under the host' : `below relay ${parent.name}`;
    const receivers = () => latestStats(parent)!.layers.reduce((n, l) => n + l.receivers, 0);
    const on = (layer: number) => latestStats(parent)!.layers.find((l) => l.layer === layer)?.receivers ?? 0;
    const a = latestStats(host)!;
    await sleep(5000);
    const b = latestStats(host)!;
    const perLayer = b.layers.map((l) => Math.round(((l.bytes - (a.layers.find((x) => x.layer === l.layer)?.bytes ?? 0)) * 8) / (b.t - a.t)));
    const rows: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const asked0 = latestStats(host)!.keyframeRequests.upstream;
      const t0 = Date.now();
      await lab.impair(N, { downKbps: 400, downLossPct: 2 });
      const down = await timeUntil(parent, () => on(0) === 1, 'the weak student on the lowest layer');
      await sleep(2000); // what the switch left on the old layer (lost on the full link, given up) has gone by
      const before = latestStats(weak)!;
      await sleep(10_000);
      const after = latestStats(weak)!;
      await lab.impair(N, {});
      const all = receivers();
      const up = await timeUntil(parent, () => on(2) === all, 'every receiver on the top layer again');
      const minutes = (Date.now() - t0) / 60_000;
      const asked = latestStats(host)!.keyframeRequests.upstream - asked0;
      const got = after.in.video.packets - before.in.video.packets;
      const lost = after.repair.lost - before.repair.lost;
      const pct = (n: number) => ((n / Math.max(1, got + lost)) * 100).toFixed(1);
      rows.push(`| ${where} | ${round} | ${down} | ${up} | ${(asked / minutes).toFixed(1)} | ${pct(lost + after.repair.repaired - before.repair.repaired)} | ${pct(lost)} |`);
      console.log(rows.at(-1));
      await sleep(5000);
    }
    return { rows, perLayer };
  } finally {
    await cluster.close();
    await lab.close();
  }
}

async function switches(): Promise<string> {
  if (!canUseNetns()) return 'Layer switches: not measured (network namespaces need root and iproute2).';
  const direct = await switchRounds(4, 4);
  const relayed = await switchRounds(4, 2);
  return [
    "Layer switches: 4 students in network namespaces, under the host (fan-out 4) and at fan-out 2 (the last one below a relay); each round",
    "the last student's downlink shaped to 400 kbit/s with 2 % loss (tbf, ~250 ms of queue) for 12 s after it reached the lowest layer,",
    'then clean. "down": shaped → its parent sends it the lowest layer (two steps, each at a key frame: ffmpeg sends one a second; below',
    'a relay each step also asks the relay\'s parent for the layer); "up": clean → every receiver of that parent back on the top layer (a',
    "try a layer, after 4 s of smoothed loss under 1 %). Key frame requests the host's relay made of the source, a minute, over the round.",
    "Lost: the weak student's camera packets over 10 s on the lowest layer from 2 s after the switch, before repair (asked for again) and after (given up).",
    `What each layer carried on clean links (kbit/s at the host, lowest first): ${direct.perLayer.join(' / ')}.`,
    '',
    '| weak student | round | down, ms | up, ms | key frame requests / min | lost before repair, % | lost after, % |',
    '|---|---|---|---|---|---|---|',
    ...direct.rows,
    ...relayed.rows,
  ].join('\n');
}

async function cpuRow(n: number, label: string, hostArgs: string[]): Promise<string> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', '4', ...hostArgs, ...STATS]);
    const students: AgentProcess[] = [];
    for (let i = 0; i < n; i += 8) {
      const batch = Array.from({ length: Math.min(8, n - i) }, (_, j) => cluster.startStudent(`s${i + j}`, `127.0.0.1:${port}`, STATS));
      await Promise.all(batch.map((s) => s.waitForLine(/^joined /, 120_000)));
      students.push(...batch);
    }
    await Promise.all(students.map((s) => waitForVideo(s, 60_000)));
    await sleep(3000);
    const roster = host.roster;
    const kids = (name: string) => roster.filter((m) => m.parentId === roster.find((x) => x.name === name)?.id).length;
    const relay = [...students].sort((a, b) => kids(b.name) - kids(a.name))[0]!;
    const agents = [host, relay];
    const c0 = await Promise.all(agents.map((a) => cpuSeconds(a.child.pid!)));
    const s0 = agents.map((a) => latestStats(a)!);
    const t0 = performance.now();
    await sleep(10_000);
    const c1 = await Promise.all(agents.map((a) => cpuSeconds(a.child.pid!)));
    const s1 = agents.map((a) => latestStats(a)!);
    const secs = (performance.now() - t0) / 1000;
    const cpu = (i: number) => (((c1[i]! - c0[i]!) / secs) * 100).toFixed(1);
    const kbps = (i: number, f: (s: (typeof s1)[number]) => number) => Math.round(((f(s1[i]!) - f(s0[i]!)) * 8) / (s1[i]!.t - s0[i]!.t));
    const r = `| ${n} | ${label} | ${kbps(0, (s) => s.in.video.bytes)} | ${cpu(0)} | ${kbps(0, (s) => s.out.bytes)} | ${kids(relay.name)} | ${cpu(1)} | ${kbps(1, (s) => s.out.bytes)} |`;
    console.log(r);
    return r;
  } finally {
    await cluster.close();
  }
}

export async function benchSimulcast(): Promise<string> {
  const sizes = process.env.SIMULCAST_BENCH_STUDENTS ? [Number(process.env.SIMULCAST_BENCH_STUDENTS)] : [8, 32];
  const rows: string[] = [];
  for (const n of sizes) {
    rows.push(await cpuRow(n, 'one layer', CAMERA));
    rows.push(await cpuRow(n, 'three layers', ['--simulcast', ...CAMERA]));
  }
  return [
    await switches(),
    '',
    'CPU on 127.0.0.1, fan-out 4, the camera in one layer (1280x720 at 1.8 Mbit/s) against three (the same top layer, plus 640x360 and',
    '320x180): the host picks a layer per child, relays forward what they get. "source in": camera video kbit/s the host took in; CPU: % of',
    'one core over 10 s, the agent process only (ffmpeg excluded); "relay": the student with the most children.',
    '',
    '| students | camera | source in kbit/s | host CPU % | host out kbit/s | relay children | relay CPU % | relay out kbit/s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
