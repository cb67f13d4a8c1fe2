/**
 * `npm run bench -- bruteforce`: the brute-force figures of issue 10, against a real host process
 * on 127.0.0.1. The attacker (this process, test/helpers/password-attack.ts) tries 1,000 random
 * keys from 127.0.0.2, once as fast as the host answers and once spread evenly over 3 minutes;
 * students with the right password join from 127.0.0.1 before and during the attack.
 *
 * Figures: guesses the host checked (accepted) per minute against its throttle schedule, how fast
 * it refuses a throttled attempt, the host's CPU while attacked, and the right-password join time
 * without and under attack.
 */
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { acceptedPerWindow, startPasswordAttack, throttleSchedule, type AttemptRecord } from '../../test/helpers/password-attack.js';
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

async function join(cluster: Cluster, port: number, name: string, when: string): Promise<Join> {
  const t0 = performance.now();
  const s: AgentProcess = cluster.startStudent(name, `127.0.0.1:${port}`);
  const m = await s.waitForLine(/^joined .* in (\d+) ms/, 60_000);
  return { when, total: performance.now() - t0, inAgent: Number(m[1]) };
}

interface Run {
  label: string;
  log: AttemptRecord[];
  hostCpuPct: number;
  joins: Join[];
}

async function attackRun(label: string, durationMs: number, joinAt: number[]): Promise<Run> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost();
    const joins = [await join(cluster, port, 'before', 'no attack')];
    const cpu0 = await cpuSeconds(host.child.pid!);
    const t0 = performance.now();
    const attack = startPasswordAttack({ address: '127.0.0.1', port, from: '127.0.0.2', attempts: ATTEMPTS, durationMs });
    for (const [i, at] of joinAt.entries()) {
      await sleep(Math.max(0, at - (performance.now() - t0)));
      joins.push(await join(cluster, port, `during${i}`, `attack at ${Math.round(at / 1000)} s`));
    }
    const log = await attack.done;
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
  const fast = await attackRun('as fast as answered', 0, [3000]);
  const slow = await attackRun(`evenly over ${SLOW_MS / 60_000} min`, SLOW_MS, [30_000, 90_000, 150_000]);
  const joins = [...fast.joins.map((j) => ({ ...j, run: fast.label })), ...slow.joins.map((j) => ({ ...j, run: slow.label }))];
  return [
    `An attacker on 127.0.0.2 makes ${ATTEMPTS} password attempts against a host process on 127.0.0.1, each a full WebSocket`,
    'handshake with a fresh random key (an attacker who pays nothing for scrypt). "Checked" attempts got as far as the',
    'password check (BAD_PASSWORD); "throttled" ones were refused before it (THROTTLED). Accepted per minute counts the',
    'checked ones in each minute from the first attempt; the schedule is what node-agent/auth/failure-throttle.ts allows',
    '(5 free, then waits of 1, 2, 4, … s capped at 60 s: at most 11 in the first minute, then 1 a minute).',
    '',
    '| attack | attempts | checked / throttled | accepted per minute | ms between answers p50 | host CPU % |',
    '|---|---|---|---|---|---|',
    attackRow(fast),
    attackRow(slow),
    '',
    'A student with the right password, from 127.0.0.1 (another address), joins the same host:',
    '',
    '| run | when | process start → joined, ms | join → in tree (inside the agent), ms |',
    '|---|---|---|---|',
    ...joins.map((j) => `| ${j.run} | ${j.when} | ${Math.round(j.total)} | ${j.inAgent} |`),
  ].join('\n');
}
