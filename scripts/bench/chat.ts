/**
 * Chat figures: delivery latency from the instructor to every one of 30 members (each a separate
 * agent process on 127.0.0.1, fan-out 4), and the time a late joiner takes to receive a history of
 * 10,000 messages. Latency is stamped by this process: the moment it hands `say` to the host's
 * stdin, and the moment each member's `--events` line for that message arrives.
 */
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { pct } from './proc-stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function latency(members: number, messages: number): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost(['--fanout', '4', '--stdin']);
    const kids: AgentProcess[] = [];
    for (let i = 0; i < members; i++) {
      kids.push(cluster.startStudent(`s${i}`, `127.0.0.1:${port}`));
      if (i % 5 === 4) await Promise.all(kids.slice(-5).map((k) => k.waitForLine(/^joined /, 60_000)));
    }
    await Promise.all(kids.map((k) => k.waitForLine(/^joined /, 60_000)));
    await host.waitFor(() => host.roster.length === members + 1 && host.roster.every((m) => m.state === 'connected'), 30_000, 'all in');
    await sleep(2000);
    const sent = new Map<string, number>();
    const samples: number[] = [];
    for (const k of kids) {
      k.child.stdout!.on('data', (chunk: Buffer) => {
        const now = performance.now();
        for (const m of chunk.toString().matchAll(/"text":"bench (\d+)"/g)) samples.push(now - sent.get(m[1]!)!);
      });
    }
    for (let i = 0; i < messages; i++) {
      sent.set(String(i), performance.now());
      host.command(`say bench ${i}`);
      await sleep(100);
    }
    await Promise.all(kids.map((k) => k.waitFor(() => k.chat.filter((r) => r.text.startsWith('bench ')).length === messages, 30_000, 'all messages')));
    return { p50: pct(samples, 50), p99: pct(samples, 99), max: Math.max(...samples), n: samples.length };
  } finally {
    await cluster.close();
  }
}

async function historySync(count: number): Promise<{ total: number; stream: number }> {
  const cluster = new Cluster();
  try {
    const { agent: host, port } = await cluster.startHost(['--stdin']);
    for (let i = 0; i < count; i++) host.command(`say history ${i}`);
    await host.waitFor(() => host.chat.length === count, 120_000, `${count} messages sequenced`);
    await sleep(500);
    const t0 = performance.now();
    let first = 0;
    const late = cluster.startStudent('late', `127.0.0.1:${port}`);
    await late.waitFor(() => {
      if (!first && late.chat.length) first = performance.now();
      return late.chat.length === count;
    }, 120_000, 'the whole history');
    const t1 = performance.now();
    return { total: t1 - t0, stream: t1 - first };
  } finally {
    await cluster.close();
  }
}

export async function benchChat(): Promise<string> {
  const lat = await latency(30, 50);
  const sync = await historySync(10_000);
  const ms = (x: number) => x.toFixed(1);
  return [
    '| figure | measured | target |',
    '|---|---|---|',
    `| delivery instructor → each of 30 members (fan-out 4, depth 3), ${lat.n} deliveries: p50 / p99 / max | ${ms(lat.p50)} / ${ms(lat.p99)} / ${ms(lat.max)} ms | p99 < 100 ms |`,
    `| 10,000-message history to a late joiner: first record → last record | ${Math.round(sync.stream)} ms | < 1 s |`,
    `| the same, from starting the joiner's process (Node start, scrypt, handshake) | ${Math.round(sync.total)} ms | |`,
  ].join('\n');
}
