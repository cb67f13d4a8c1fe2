/**
 * `npm run bench -- agent-rest`: what an agent costs its machine when nothing happens but the class
 * itself. 1 host + 8 students (fan-out 4: four under the host, one of them relaying for the other
 * four, which keep warm standbys), each an agent process on 127.0.0.1; once the class has settled,
 * over WINDOW_S seconds: each process's CPU (all its threads, /proc/PID/stat) and how often its
 * threads woke up (voluntary context switches, /proc/PID/task/TID/status): the main thread (the
 * agent's JavaScript) and all of them (libdatachannel's SCTP timer, ICE and DTLS workers). Twice:
 * with no camera, and with the soak's class-size camera (testsrc 320x240, 5 fps, 80 kbit/s + Opus).
 * A student's agent at rest is what a class of 60 on one machine multiplies, and what every
 * student's laptop pays for the whole lesson.
 */
import { readdir, readFile } from 'node:fs/promises';
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { cpuSeconds, pct } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STUDENTS = 8;
const SETTLE_S = 10;
const WINDOW_S = Number(process.env.AGENT_REST_SECONDS ?? 30);
const CAMERA = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '5', '--video-kbps', '80'];

/** Voluntary context switches so far: of the main thread, and of all the process's threads. */
async function wakeups(pid: number): Promise<{ main: number; all: number }> {
  let all = 0;
  let main = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const status = await readFile(`/proc/${pid}/task/${tid}/status`, 'utf8').catch(() => '');
    const n = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    all += n;
    if (Number(tid) === pid) main = n;
  }
  return { main, all };
}

interface Sample {
  role: string;
  cpuPct: number;
  mainPerS: number;
  allPerS: number;
}

async function measure(agents: { role: string; agent: AgentProcess }[]): Promise<Sample[]> {
  const before = await Promise.all(agents.map(async ({ agent }) => ({ cpu: await cpuSeconds(agent.child.pid!), w: await wakeups(agent.child.pid!) })));
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const secs = (performance.now() - t0) / 1000;
  return Promise.all(
    agents.map(async ({ role, agent }, i) => {
      const cpu = await cpuSeconds(agent.child.pid!);
      const w = await wakeups(agent.child.pid!);
      const b = before[i]!;
      return { role, cpuPct: (100 * (cpu - b.cpu)) / secs, mainPerS: (w.main - b.w.main) / secs, allPerS: (w.all - b.w.all) / secs };
    }),
  );
}

async function oneClass(camera: boolean): Promise<Sample[]> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', '4', '--no-mdns', ...(camera ? CAMERA : [])]);
    const students: AgentProcess[] = [];
    for (let i = 0; i < STUDENTS; i++) {
      const s = cluster.startStudent(`s${i}`, `127.0.0.1:${port}`, ['--no-mdns']);
      await s.waitForLine(/^joined /, 60_000);
      students.push(s);
    }
    const hostId = host.roster.find((m) => m.role === 'host')!.id;
    const standbysUp = () => host.roster.filter((m) => m.role === 'student' && m.parentId !== hostId).every((m) => m.standbyId);
    await host.waitFor(() => host.roster.length === STUDENTS + 1 && host.roster.every((m) => m.state === 'connected') && standbysUp(), 60_000, 'the class settled');
    await sleep(SETTLE_S * 1000);
    const roleOf = (s: AgentProcess) => {
      const me = host.roster.find((m) => m.name === s.name)!;
      if (host.roster.some((m) => m.parentId === me.id)) return 'relay (4 children)';
      return me.parentId === hostId ? 'student under the host' : 'student under a relay, with a standby';
    };
    return await measure([{ role: 'host', agent: host }, ...students.map((s) => ({ role: roleOf(s), agent: s }))]);
  } finally {
    await cluster.close();
  }
}

export async function benchAgentRest(): Promise<string> {
  const rows: string[] = [];
  for (const camera of [false, true]) {
    const samples = await oneClass(camera);
    for (const role of [...new Set(samples.map((s) => s.role))]) {
      const of = samples.filter((s) => s.role === role);
      const f = (xs: number[], digits: number) => xs.length > 1 ? `${pct(xs, 50).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : xs[0]!.toFixed(digits);
      rows.push(`| ${camera ? 'camera' : 'no camera'} | ${role} | ${of.length} | ${f(of.map((s) => s.cpuPct), 2)} | ${f(of.map((s) => s.mainPerS), 0)} | ${f(of.map((s) => s.allPerS), 0)} |`);
      console.log(rows.at(-1));
    }
  }
  return [
    `1 host + ${STUDENTS} students at fan-out 4 on 127.0.0.1, each an agent process; ${WINDOW_S} s measured after the class settled (every edge and standby up) and ${SETTLE_S} s more.`,
    'CPU is the whole process (all threads) in % of one core; wakeups are voluntary context switches a second, of the main thread (the JavaScript) and of all threads (with libdatachannel\'s). "camera": `' + CAMERA.join(' ') + '` (+ Opus); p50 (min–max) where a role has several agents.',
    '',
    '| class | agent | agents | CPU % of a core | main thread wakeups/s | all threads wakeups/s |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
