/**
 * `npm run bench -- flood`: the host under a hello flood (issue "Trust"). The host is this process
 * (the real RoomHost on 127.0.0.1, so its event loop, memory and descriptors are ours to read);
 * three students are real agent processes already in the room; the flood comes from two other
 * processes (test/fixtures/hello-flood.ts): 2,000 hellos from one address and 2,000 spread over 20
 * addresses (100 each, 127.0.1.1–20), all at once; a fourth student joins 1.5 s into it.
 * Reported: the host's event-loop delay while the flood lasts, how many hellos it answered, the
 * students kept, the newcomer's join time, and the host's RSS and open descriptors before, at the
 * peak and after the flooders left.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { RoomHost } from '../../node-agent/overlay/room-host.js';
import { Cluster, ROOT } from '../../test/helpers/agents.js';

const run = promisify(execFile);
const STUDENTS = 3;

function flood(port: number, roomId: string, perAddress: number, addresses: string[]): Promise<number> {
  return run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/hello-flood.ts'), String(port), roomId, String(perAddress), addresses.join(',')], {
    cwd: ROOT,
    timeout: 300_000,
  }).then(({ stdout }) => Number(/answered (\d+)/.exec(stdout)?.[1] ?? NaN));
}

const ms = (ns: number) => (ns / 1e6).toFixed(1);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const fds = () => readdirSync('/proc/self/fd').length;

export async function benchFlood(): Promise<string> {
  const roomId = randomBytes(8).toString('hex');
  const host = new RoomHost({
    roomId, roomName: 'Computer Networks', roomKey: await deriveRoomKey('secret', roomId), hostId: randomBytes(8).toString('hex'), hostName: 'Prof',
    port: 0, listenHost: '127.0.0.1', rootFanout: 4, fanout: 4, bindAddress: '127.0.0.1',
  });
  const port = await host.listen();
  const cluster = new Cluster();
  try {
    const students = Array.from({ length: STUDENTS }, (_, i) => cluster.startStudent(`s${i}`, `127.0.0.1:${port}`));
    await Promise.all(students.map((s) => s.waitForLine(/^joined /, 60_000)));
    const inRoom = () => host.roster().filter((m) => m.role === 'student' && m.state === 'connected').length;
    await new Promise((r) => setTimeout(r, 2000)); // settled: edges up, first roster sent
    const before = { rss: process.memoryUsage().rss, fds: fds(), students: inRoom() };
    let peakRss = before.rss;
    let peakFds = before.fds;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakFds = Math.max(peakFds, fds());
    }, 100);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    const floods = Promise.all([
      flood(port, roomId, 2000, ['127.0.0.10']),
      flood(port, roomId, 100, Array.from({ length: 20 }, (_, i) => `127.0.1.${i + 1}`)),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const j0 = performance.now();
    const late = cluster.startStudent('late', `127.0.0.1:${port}`);
    const [, lateInAgent] = await late.waitForLine(/^joined .* in (\d+) ms/, 120_000);
    const lateMs = performance.now() - j0;
    const [one, spread] = await floods;
    const floodMs = performance.now() - t0;
    delay.disable();
    clearInterval(sampler);
    const kept = students.filter((s) => s.exitCode === null && host.roster().some((m) => m.name === s.name && m.state === 'connected')).length;
    await new Promise((r) => setTimeout(r, 3000)); // the flooders' sockets closed
    const after = { rss: process.memoryUsage().rss, fds: fds() };
    const row =
      `| ${ms(delay.percentile(50))} / ${ms(delay.percentile(99))} / ${ms(delay.max)} | ${one} + ${spread} of 4,000 | ${host.server.work.peak} | ` +
      `${kept} of ${before.students} | ${Math.round(lateMs)} (${lateInAgent} in the agent) | ${mib(before.rss)} → ${mib(peakRss)} → ${mib(after.rss)} | ` +
      `${before.fds} → ${peakFds} → ${after.fds} | ${(floodMs / 1000).toFixed(1)} |`;
    console.log(row);
    return [
      `The host (this process: the real RoomHost on 127.0.0.1) with ${STUDENTS} student agents in the room; two flooder processes send`,
      '2,000 hellos from 127.0.0.10 and 2,000 from 20 addresses (127.0.1.1–20, 100 each), all at once; a fourth student',
      "(a real agent) joins 1.5 s in. Event-loop delay is the host process's own (monitorEventLoopDelay, 10 ms resolution)",
      "while the flood lasts. \"Answered\" counts challenges (the hellos that cost CPace work); the queue column is the most",
      'answers ever waiting for their turn (node-agent/signalling/turn-queue.ts). RSS and descriptors: before the flood, the',
      'peak during it, and 3 s after the flooders exited.',
      '',
      '| host event loop, ms p50 / p99 / max | hellos answered | answers queued (peak) | students kept | newcomer joined, ms | host RSS MiB before → peak → after | host fds before → peak → after | flood lasted, s |',
      '|---|---|---|---|---|---|---|---|',
      row,
    ].join('\n');
  } finally {
    await cluster.close();
    await host.close();
  }
}
