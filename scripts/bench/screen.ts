/**
 * `npm run bench -- screen`: the shared screen's cost at the root and at a relay (issue 18), on
 * 127.0.0.1 with every agent a process: the host shares ffmpeg's 1920x1080 test slide (5 fps,
 * 1200 kbit/s, `--screen testsrc`) beside a thumbnail camera (testsrc 320x240 15 fps 200 kbit/s,
 * what the instructor's page sends while sharing), against the camera alone at its full rate
 * (640x360 30 fps 800 kbit/s), for 8 and 32 students at fan-out 4. SCREEN_BENCH_STUDENTS=8 runs the
 * small class only. CPU is the agent process's own (ffmpeg excluded), % of one core, over
 * SCREEN_BENCH_SECONDS (default 10).
 */
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { latestStats, waitForVideo } from '../../test/helpers/media-stats.js';
import { cpuSeconds } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMERA_FULL = ['--source', 'testsrc', '--video-size', '640x360', '--fps', '30', '--video-kbps', '800'];
const CAMERA_THUMB = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '200'];
const SCREEN = ['--screen', 'testsrc'];

async function start(cluster: Cluster, n: number, hostArgs: string[]): Promise<{ host: AgentProcess; students: AgentProcess[] }> {
  const { agent: host, port } = await cluster.startHost(['--fanout', '4', ...hostArgs, '--media-stats-ms', '250']);
  const students: AgentProcess[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = Array.from({ length: Math.min(8, n - i) }, (_, j) => cluster.startStudent(`s${i + j}`, `127.0.0.1:${port}`, ['--media-stats-ms', '250']));
    await Promise.all(batch.map((s) => s.waitForLine(/^joined /, 120_000)));
    students.push(...batch);
  }
  await Promise.all(students.map((s) => waitForVideo(s, 60_000)));
  await sleep(2000);
  return { host, students };
}

async function row(n: number, label: string, hostArgs: string[]): Promise<string> {
  const cluster = new Cluster();
  try {
    const { host, students } = await start(cluster, n, hostArgs);
    // The relay: the student with the most children in the tree.
    const roster = host.roster;
    const kids = (name: string) => roster.filter((m) => m.parentId === roster.find((x) => x.name === name)?.id).length;
    const relay = [...students].sort((a, b) => kids(b.name) - kids(a.name))[0]!;
    const window = Number(process.env.SCREEN_BENCH_SECONDS ?? 10) * 1000;
    const agents = [host, relay];
    const c0 = await Promise.all(agents.map((a) => cpuSeconds(a.child.pid!)));
    const s0 = agents.map((a) => latestStats(a)!);
    const t0 = performance.now();
    await sleep(window);
    const c1 = await Promise.all(agents.map((a) => cpuSeconds(a.child.pid!)));
    const s1 = agents.map((a) => latestStats(a)!);
    const secs = (performance.now() - t0) / 1000;
    const cpu = (i: number) => (((c1[i]! - c0[i]!) / secs) * 100).toFixed(1);
    const kbps = (bytes: number, i: number) => Math.round((bytes * 8) / ((s1[i]!.t - s0[i]!.t) / 1000) / 1000);
    const inBytes = (i: number) => Object.values(s1[i]!.in).reduce((a, c) => a + c.bytes, 0) - Object.values(s0[i]!.in).reduce((a, c) => a + c.bytes, 0);
    const screenIn = kbps(s1[0]!.in.screen.bytes - s0[0]!.in.screen.bytes, 0);
    const cameraIn = kbps(s1[0]!.in.video.bytes + s1[0]!.in.audio.bytes - s0[0]!.in.video.bytes - s0[0]!.in.audio.bytes, 0);
    const r = `| ${n} | ${label} | ${cameraIn} + ${screenIn} | ${s1[0]!.children} | ${cpu(0)} | ${kbps(s1[0]!.out.bytes - s0[0]!.out.bytes, 0)} | ${kids(relay.name)} | ${cpu(1)} | ${kbps(inBytes(1), 1)} → ${kbps(s1[1]!.out.bytes - s0[1]!.out.bytes, 1)} |`;
    console.log(r);
    return r;
  } finally {
    await cluster.close();
  }
}

export async function benchScreen(): Promise<string> {
  const sizes = process.env.SCREEN_BENCH_STUDENTS ? [Number(process.env.SCREEN_BENCH_STUDENTS)] : [8, 32];
  const rows: string[] = [];
  for (const n of sizes) {
    rows.push(await row(n, 'camera alone', CAMERA_FULL));
    rows.push(await row(n, 'thumbnail camera + screen', [...CAMERA_THUMB, ...SCREEN]));
  }
  return [
    'Root (host agent) and one relay (the student with the most children) with the camera alone at its full rate, and with a',
    "thumbnail camera + the shared screen (what the instructor's page sends while sharing: the agent's REMB asks 200 kbit/s of",
    'the camera and 1.5 Mbit/s of the screen), fan-out 4. "source kbit/s" = camera (video + audio) + screen as the host took them',
    'in; the host sends that to each of its children ("root uplink"); a relay forwards what it takes in to each of its own.',
    'CPU: % of one core, the agent process only (ffmpeg excluded).',
    '',
    '| students | what | source kbit/s camera + screen | host children | host CPU % | root uplink kbit/s | relay children | relay CPU % | relay in → out kbit/s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
