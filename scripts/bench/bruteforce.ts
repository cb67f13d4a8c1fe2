/**
 * `npm run bench -- bruteforce`: the brute-force figures of issue 10, against a real host process.
 * Since handshake v2 (CPace) there is no offline attack (test/unit/offline-guessing.test.ts), so
 * this online one is the attack: one guess per connection, throttled per address.
 * The attacker (test/helpers/password-attack.ts) tries 1,000 random PRSs from one address, once as
 * fast as the host answers and once spread evenly over 3 minutes; students with the right password
 * join from another address before and during the attack. Where network namespaces are available
 * the three are separate lab hosts (scripts/netns/netns-lab.ts: host h0, attacker h1, students h2);
 * elsewhere they share loopback (host 127.0.0.1, attacker 127.0.0.2, students 127.0.0.1).
 *
 * Figures: guesses the host checked (accepted) per minute against its throttle schedule, how fast
 * it refuses a throttled attempt, the host's CPU while attacked, and the right-password join time
 * without and under attack.
 */
import { Cluster, ROOT, type AgentProcess } from '../../test/helpers/agents.js';
import { acceptedPerWindow, startPasswordAttack, throttleSchedule, type AttemptRecord } from '../../test/helpers/password-attack.js';
import { canUseNetns, createNetnsLab, type NetnsLab } from '../netns/netns-lab.js';
import { cpuSeconds, pct } from './proc-stats.js';

const ATTEMPTS = 1000;
const SLOW_MS = 180_000;
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Join {
  when: string;
  /** spawn → `joined` line */
  total: number;
  /** inside the agent: join → in the tree */
  inAgent: number;
}

/** Where each party runs: on lab hosts, or on loopback addresses. */
interface Place {
  describe: string;
  host(cluster: Cluster): Promise<{ agent: AgentProcess; address: string; port: number }>;
  student(cluster: Cluster, name: string, address: string): AgentProcess;
  attack(address: string, port: number, durationMs: number): Promise<AttemptRecord[]>;
  close(): Promise<void>;
}

function loopback(): Place {
  return {
    describe: 'on loopback: the host on 127.0.0.1, the attacker from 127.0.0.2, students from 127.0.0.1',
    host: async (cluster) => ({ ...(await cluster.startHost()), address: '127.0.0.1' }),
    student: (cluster, name, address) => cluster.startStudent(name, address),
    attack: (address, port, durationMs) => startPasswordAttack({ address, port, from: '127.0.0.2', attempts: ATTEMPTS, durationMs }).done,
    close: async () => {},
  };
}

function onLab(lab: NetnsLab): Place {
  const inHost = (i: number) => ({
    local: false,
    spawner: (cmd: string, args: string[]) => lab.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
  });
  return {
    describe: `across network namespaces (scripts/netns/netns-lab.ts): the host on ${lab.hosts[0]!.addr}, the attacker on ${lab.hosts[1]!.addr}, students on ${lab.hosts[2]!.addr}`,
    host: async (cluster) => ({ ...(await cluster.startHost(['--no-mdns'], inHost(0))), address: lab.hosts[0]!.addr }),
    student: (cluster, name, address) => cluster.startStudent(name, address, ['--no-mdns'], inHost(2)),
    attack: async (address, port, durationMs) => {
      const child = lab.spawn(1, process.execPath, ['--import', 'tsx', 'scripts/bench/password-attack-cli.ts', address, String(port), String(ATTEMPTS), String(durationMs)], { cwd: ROOT });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await new Promise((resolve) => child.once('exit', resolve));
      return JSON.parse(out.trim().split('\n').at(-1)!) as AttemptRecord[];
    },
    close: () => lab.close(),
  };
}

async function join(cluster: Cluster, place: Place, address: string, name: string, when: string): Promise<Join> {
  const t0 = performance.now();
  const s = place.student(cluster, name, address);
  const m = await s.waitForLine(/^joined .* in (\d+) ms/, 60_000);
  return { when, total: performance.now() - t0, inAgent: Number(m[1]) };
}

interface Run {
  label: string;
  log: AttemptRecord[];
  hostCpuPct: number;
  joins: Join[];
}

async function attackRun(place: Place, label: string, durationMs: number, joinAt: number[]): Promise<Run> {
  const cluster = new Cluster();
  try {
    const { agent: host, address, port } = await place.host(cluster);
    const hostPort = `${address}:${port}`;
    const joins = [await join(cluster, place, hostPort, 'before', 'no attack')];
    const cpu0 = await cpuSeconds(host.child.pid!);
    const t0 = performance.now();
    const attack = place.attack(address, port, durationMs);
    for (const [i, at] of joinAt.entries()) {
      await sleep(Math.max(0, at - (performance.now() - t0)));
      joins.push(await join(cluster, place, hostPort, `during${i}`, `attack at ${Math.round(at / 1000)} s`));
    }
    const log = await attack;
    const hostCpuPct = ((await cpuSeconds(host.child.pid!)) - cpu0) / ((performance.now() - t0) / 1000) * 100;
    console.log(`  ${label}: ${log.length} attempts in ${(log.at(-1)!.t / 1000).toFixed(1)} s, host CPU ${hostCpuPct.toFixed(1)}%`);
    return { label, log, hostCpuPct, joins };
  } finally {
    await cluster.close();
  }
}

function attackRow(r: Run): string {
  const checked = r.log.filter((a) => a.code === 'BAD_PASSWORD').length;
  const throttled = r.log.filter((a) => a.code === 'THROTTLED').length;
  const other = r.log.length - checked - throttled;
  const secs = r.log.at(-1)!.t / 1000;
  const perMin = acceptedPerWindow(r.log, MINUTE);
  const gaps = r.log.slice(1).map((a, i) => a.t - r.log[i]!.t);
  const expected = throttleSchedule(r.log.at(-1)!.t);
  const expectedPerMin = perMin.map((_, m) => expected.filter((t) => t >= m * MINUTE && t < (m + 1) * MINUTE).length);
  return `| ${r.label} | ${r.log.length} in ${secs.toFixed(1)} s | ${checked} / ${throttled}${other ? ` / ${other} other` : ''} | ${perMin.join(', ')} (schedule: ${expectedPerMin.join(', ')}) | ${pct(gaps, 50).toFixed(1)} | ${r.hostCpuPct.toFixed(1)} |`;
}

export async function benchBruteforce(): Promise<string> {
  const place = canUseNetns() ? onLab(await createNetnsLab(3)) : loopback();
  try {
    const fast = await attackRun(place, 'as fast as answered', 0, [3000]);
    const slow = await attackRun(place, `evenly over ${SLOW_MS / 60_000} min`, SLOW_MS, [30_000, 90_000, 150_000]);
    const joins = [...fast.joins.map((j) => ({ ...j, run: fast.label })), ...slow.joins.map((j) => ({ ...j, run: slow.label }))];
    return [
      `An attacker makes ${ATTEMPTS} password attempts against a host process, ${place.describe}. With the CPace handshake (v2)`,
      'a recorded join or a conversation with the host gives nothing to test guesses against offline, so the attack is online:',
      'each attempt is one guess, a full WebSocket handshake with a fresh random PRS (an attacker who pays nothing for scrypt).',
      '"Checked" attempts got a challenge (the host counts the attempt before answering) and failed (BAD_PASSWORD); "throttled"',
      'ones were refused before any group work (THROTTLED). Accepted per minute counts the checked ones in each minute from the',
      'first attempt; the schedule is what node-agent/auth/failure-throttle.ts allows (5 free, then waits of 1, 2, 4, … s capped',
      'at 60 s: at most 11 in the first minute, then 1 a minute).',
      '',
      '| attack | attempts | checked / throttled | accepted per minute | ms between answers p50 | host CPU % |',
      '|---|---|---|---|---|---|',
      attackRow(fast),
      attackRow(slow),
      '',
      'A student with the right password, from another address, joins the same host:',
      '',
      '| run | when | process start → joined, ms | join → in tree (inside the agent), ms |',
      '|---|---|---|---|',
      ...joins.map((j) => `| ${j.run} | ${j.when} | ${Math.round(j.total)} | ${j.inAgent} |`),
    ].join('\n');
  } finally {
    await place.close();
  }
}
