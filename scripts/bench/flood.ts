/**
 * `npm run bench -- flood`: a real host agent under a hello flood (issue "Trust"). Three student
 * agents are in the room; two flooder processes (test/fixtures/hello-flood.ts) send 2,000 hellos
 * from one address and 2,000 spread over 20 addresses (100 each), all at once; a fourth student
 * joins 1.5 s into it. The host reports its own event-loop delay, memory, descriptors and queued
 * hello answers every 500 ms (`--events --health-ms 500`, node-agent/cli/health-cli.ts).
 *
 * Run twice: on loopback addresses (127.0.0.10, 127.0.1.1–20), and, where this process may build
 * network namespaces, on a namespace lab (scripts/netns/netns-lab.ts): the host in one namespace,
 * the students in another, the flood from a third that holds 21 addresses of the lab's LAN.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AgentProcess, Cluster, ROOT, type Spawner } from '../../test/helpers/agents.js';
import { canUseNetns, createNetnsLab, type NetnsLab } from '../netns/netns-lab.js';
import { pct } from './proc-stats.js';

const run = promisify(execFile);
const STUDENTS = 3;
const FIXTURE = path.join(ROOT, 'test/fixtures/hello-flood.ts');

export interface Place {
  name: string;
  /** the host's address, as students and flooders dial it */
  hostAddress: string;
  /** agent flags that put an agent at its address (no mDNS: the bench dials by address) */
  hostSpawn?: Spawner;
  studentSpawn?: Spawner;
  hostArgs: string[];
  studentArgs: string[];
  oneAddress: string;
  spread: string[];
  /** runs the flood fixture where the flood comes from; resolves with its stdout */
  flood(args: string[]): Promise<string>;
}

interface Health {
  loopMs: { p50: number; p99: number; max: number; samples: number; over50: number };
  rssMiB: number;
  fds: number | null;
  hellos?: { waiting: number; peak: number; answered: number };
}

const healthOf = (agent: AgentProcess, from = 0): Health[] =>
  agent.lines
    .slice(from)
    .filter((l) => l.startsWith('event {"type":"health"'))
    .map((l) => (JSON.parse(l.slice('event '.length)) as { data: Health }).data);

function loopback(): Place {
  return {
    name: 'loopback',
    hostAddress: '127.0.0.1',
    hostArgs: ['--no-mdns', '--bind', '127.0.0.1'],
    studentArgs: ['--no-mdns', '--bind', '127.0.0.1'],
    oneAddress: '127.0.0.10',
    spread: Array.from({ length: 20 }, (_, i) => `127.0.1.${i + 1}`),
    flood: (args) => run(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, timeout: 300_000 }).then((r) => r.stdout),
  };
}

/** h0 the host, h1 the flooder (its own address and 20 more on the lab's /24), h2 the students. */
export async function namespaces(lab: NetnsLab): Promise<Place> {
  const [host, flooder, students] = lab.hosts;
  const base = flooder!.addr.split('.').slice(0, 3).join('.');
  const spread = Array.from({ length: 20 }, (_, i) => `${base}.${100 + i}`);
  for (const a of spread) await lab.exec(1, 'ip', ['addr', 'add', `${a}/24`, 'dev', flooder!.ifname]);
  const spawner = (i: number): Spawner => (cmd, args) => lab.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    name: 'network namespaces',
    hostAddress: host!.addr,
    hostSpawn: spawner(0),
    studentSpawn: spawner(2),
    hostArgs: ['--no-mdns', '--bind', host!.addr],
    studentArgs: ['--no-mdns', '--bind', students!.addr],
    oneAddress: flooder!.addr,
    spread,
    flood: (args) =>
      new Promise((resolve, reject) => {
        const child = lab.spawn(1, process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT });
        let out = '';
        child.stdout?.on('data', (d) => (out += d));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`flooder exited ${code}: ${out}`))));
      }),
  };
}

export interface FloodResult {
  row: string;
  /** students in the room before the flood still connected after it */
  kept: number;
  /** hellos the host answered with a challenge, of the 4,000 */
  answered: number;
  /** host descriptors before the flood and 3 s after the flooders left */
  fds: { before: number | null; after: number | null };
  rssMiB: { before: number; peak: number };
}

/** One flood at `place`; the agents are started in `cluster`, which the caller closes. */
export async function floodOnce(place: Place, cluster: Cluster): Promise<FloodResult> {
  {
    const { agent: host, port } = await cluster.startHost([...place.hostArgs, '--health-ms', '500'], { local: false, spawner: place.hostSpawn });
    const join = (name: string) =>
      cluster.startStudent(name, `${place.hostAddress}:${port}`, place.studentArgs, { local: false, spawner: place.studentSpawn });
    const students = Array.from({ length: STUDENTS }, (_, i) => join(`s${i}`));
    await Promise.all(students.map((s) => s.waitForLine(/^joined /, 90_000)));
    await host.waitFor(() => host.roster.filter((m) => m.role === 'student' && m.state === 'connected').length === STUDENTS, 30_000, 'students connected');
    await new Promise((r) => setTimeout(r, 2000));
    const before = healthOf(host).at(-1)!;
    const from = host.lines.length;
    const t0 = performance.now();
    const floods = Promise.all([
      place.flood([String(port), '-', '2000', place.oneAddress, place.hostAddress]),
      place.flood([String(port), '-', '100', place.spread.join(','), place.hostAddress]),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const j0 = performance.now();
    const late = join('late');
    const [, lateInAgent] = await late.waitForLine(/^joined .* in (\d+) ms/, 120_000);
    const lateMs = performance.now() - j0;
    const answered = (await floods).map((out) => Number(/answered (\d+)/.exec(out)?.[1] ?? NaN));
    const floodMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 600)); // the last window of the flood reported
    const during = healthOf(host, from);
    const kept = students.filter((s) => host.roster.some((m) => m.name === s.name && m.state === 'connected')).length;
    await new Promise((r) => setTimeout(r, 3000)); // the flooders' sockets closed
    const after = healthOf(host).at(-1)!;
    const samples = during.reduce((n, h) => n + h.loopMs.samples, 0);
    const over50 = during.reduce((n, h) => n + h.loopMs.over50, 0);
    const overShare = (100 * over50) / Math.max(1, samples);
    const row =
      `| ${place.name} | ${pct(during.map((h) => h.loopMs.p50), 50).toFixed(1)} / ${pct(during.map((h) => h.loopMs.p99), 50).toFixed(1)} / ${Math.max(...during.map((h) => h.loopMs.max)).toFixed(1)} | ` +
      `${overShare.toFixed(2)}% (${over50} of ${samples}): p99 ${overShare < 1 ? '<' : '≥'} 50 ms | ` +
      `${answered.join(' + ')} of 4,000 | ${Math.max(...during.map((h) => h.hellos?.peak ?? 0))} | ${kept} of ${STUDENTS} | ${Math.round(lateMs)} (${lateInAgent} in the agent) | ` +
      `${before.rssMiB} → ${Math.max(...during.map((h) => h.rssMiB))} → ${after.rssMiB} | ${before.fds} → ${Math.max(...during.map((h) => h.fds ?? 0))} → ${after.fds} | ${(floodMs / 1000).toFixed(1)} |`;
    console.log(row);
    const rssPeak = Math.max(...during.map((h) => h.rssMiB));
    return { row, kept, answered: answered[0]! + answered[1]!, fds: { before: before.fds, after: after.fds }, rssMiB: { before: before.rssMiB, peak: rssPeak } };
  }
}

async function measured(place: Place): Promise<string> {
  const cluster = new Cluster();
  try {
    return (await floodOnce(place, cluster)).row;
  } finally {
    await cluster.close();
  }
}

export async function benchFlood(): Promise<string> {
  const rows = [await measured(loopback())];
  if (canUseNetns()) {
    const lab = await createNetnsLab(3);
    try {
      rows.push(await measured(await namespaces(lab)));
    } finally {
      await lab.close();
    }
  } else {
    rows.push('| network namespaces | not measured: this process cannot create network namespaces (needs root and iproute2) | | | | | | | | |');
  }
  return [
    `A real host agent with ${STUDENTS} student agents in the room; two flooder processes send 2,000 hellos from one address`,
    'and 2,000 from 20 addresses (100 each), all at once; a fourth student joins 1.5 s in. On loopback the flood comes from',
    '127.0.0.10 and 127.0.1.1–20; on the namespace lab the host, the students and the flooder (21 addresses) each have their',
    "own namespace. The host's event-loop delay is its own (`--health-ms 500`, sampled every 10 ms): p50 and p99 of the median",
    '500 ms window and the longest single delay; then the share of all samples during the flood over 50 ms (under 1% means',
    'the p99 over the whole flood is under 50 ms). "Answered" counts challenges (the hellos that cost CPace work); the',
    'queue column is the most answers ever waiting for their turn (node-agent/signalling/turn-queue.ts). RSS and descriptors:',
    'before the flood, the peak during it, and 3 s after the flooders exited.',
    '',
    '| where | host event loop, ms p50 / p99 / max | samples over 50 ms | hellos answered | answers queued (peak) | students kept | newcomer joined, ms | host RSS MiB before → peak → after | host fds before → peak → after | flood lasted, s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
