/**
 * `npm run bench -- layer-try`: what trying the layer above costs a student whose link cannot take
 * it (node-agent/media/layer-choice.ts: a clean link tries the next layer after 4 s, then 8, 16 …).
 * Network namespaces (root + iproute2): the host's camera is ffmpeg's test pattern in three layers
 * (320x180 at 150 kbit/s, 640x360 at 500, 1280x720 at 1.8 Mbit/s), two students under the host;
 * the second one's downlink is shaped to 400 kbit/s with no random loss (tbf, ~250 ms of queue), so
 * it sits on the lowest layer and every try of 640x360 fails. For WATCH_S seconds its parent's
 * stats are read every 250 ms: each try's time on the tried layer (from the host choosing it until
 * it is back on the lowest), and the student's packets lost over the try and the 2 s after it,
 * before repair (asked for again) and after (given up).
 */
import { canUseNetns, createNetnsLab } from '../netns/netns-lab.js';
import { Cluster, ROOT, type AgentProcess } from '../../test/helpers/agents.js';
import { latestStats, waitForVideo } from '../../test/helpers/media-stats.js';
import { pct } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMERA = ['--source', 'testsrc', '--simulcast', '--video-size', '1280x720', '--fps', '15', '--video-kbps', '1800'];
const STATS = ['--media-stats-ms', '250', '--no-mdns'];
const WATCH_S = Number(process.env.LAYER_TRY_SECONDS ?? 90);
/** after a try ends, its lost packets are still being asked for and given up (hop-repair: 600 ms) */
const AFTER_MS = 2000;

interface Try {
  start: number;
  end: number | null;
}

/** Counters of the weak student's repair: packets asked again that came (repaired) and that did not (lost). */
function repairOf(a: AgentProcess): { repaired: number; lost: number; packets: number } {
  const s = latestStats(a)!;
  return { repaired: s.repair.repaired, lost: s.repair.lost, packets: s.in.video.packets };
}

export async function benchLayerTry(): Promise<string> {
  if (!canUseNetns()) return 'Not measured: network namespaces need root and iproute2.';
  const lab = await createNetnsLab(3);
  const cluster = new Cluster();
  const inHost = (i: number) => ({ local: false, spawner: (cmd: string, args: string[]) => lab.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }) });
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', '4', ...CAMERA, ...STATS], inHost(0));
    const students: AgentProcess[] = [];
    for (let i = 1; i <= 2; i++) {
      const s = cluster.startStudent(`s${i}`, `${lab.hosts[0]!.addr}:${port}`, STATS, inHost(i));
      await s.waitForLine(/^joined /, 60_000);
      students.push(s);
    }
    await Promise.all(students.map((s) => waitForVideo(s, 60_000)));
    const weak = students[1]!;
    const on = (layer: number) => latestStats(host)!.layers.find((l) => l.layer === layer)?.receivers ?? 0;
    await lab.impair(2, { downKbps: 400 });
    await host.waitFor(() => on(0) === 1 || undefined, 60_000, 'the weak student on the lowest layer');
    await sleep(AFTER_MS);

    // Sampled every 250 ms: when the weak student is off the lowest layer (a try) and its repair counters.
    const samples: { t: number; trying: boolean; r: ReturnType<typeof repairOf> }[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < WATCH_S * 1000) {
      samples.push({ t: Date.now() - t0, trying: on(0) === 0, r: repairOf(weak) });
      await sleep(250);
    }
    const tries: Try[] = [];
    for (const s of samples) {
      const last = tries.at(-1);
      if (s.trying && (!last || last.end !== null)) tries.push({ start: s.t, end: null });
      if (!s.trying && last && last.end === null) last.end = s.t;
    }
    const at = (t: number) => samples.find((s) => s.t >= t) ?? samples.at(-1)!;
    const ended = tries.filter((x) => x.end !== null && x.end + AFTER_MS <= WATCH_S * 1000);
    const perTry = ended.map((x) => {
      const a = at(x.start - 250);
      const b = at(x.end! + AFTER_MS);
      const lostAfter = b.r.lost - a.r.lost;
      const lostBefore = lostAfter + b.r.repaired - a.r.repaired;
      const due = b.r.packets - a.r.packets + lostAfter;
      return { ms: x.end! - x.start, lostBefore, lostAfter, due };
    });
    const first = samples[0]!.r;
    const last = samples.at(-1)!.r;
    const sum = (f: (p: (typeof perTry)[number]) => number) => perTry.reduce((n, p) => n + f(p), 0);
    const share = (n: number, of: number) => `${((n / Math.max(1, of)) * 100).toFixed(1)} %`;
    const dueAll = last.packets - first.packets + last.lost - first.lost;
    const lostAll = last.lost - first.lost;
    const line = `| ${tries.length} (at ${tries.map((x) => (x.start / 1000).toFixed(1)).join(', ')} s) | ${perTry.length ? `${pct(perTry.map((p) => p.ms), 50)} / ${Math.max(...perTry.map((p) => p.ms))}` : '–'} | ${perTry.map((p) => `${p.lostBefore} of ${p.due}`).join('; ') || '–'} | ${perTry.map((p) => p.lostAfter).join(', ') || '–'} | ${share(sum((p) => p.lostAfter), sum((p) => p.due))} | ${share(lostAll, dueAll)} |`;
    console.log(line);
    return [
      `The lowest layer's student under the host, its downlink shaped to 400 kbit/s with no random loss (tbf, ~250 ms of queue), watched for ${WATCH_S} s`,
      'from 2 s after it reached the lowest layer; the host tries 640x360 (500 kbit/s) after 4 s of clean reports, then waits 8, 16, 32 s after each',
      'failed try. "On the tried layer": from the host choosing it until the student is back on the lowest, read every 250 ms. Lost: the',
      "student's camera packets over a try and the 2 s after it, before repair (asked for again) and after (given up).",
      '',
      '| tries (start) | on the tried layer, ms p50 / max | lost before repair, each try (of packets due) | lost after repair, each try | lost after repair, over the tries | lost after repair, whole watch |',
      '|---|---|---|---|---|---|',
      line,
    ].join('\n');
  } finally {
    await cluster.close();
    await lab.close();
  }
}
