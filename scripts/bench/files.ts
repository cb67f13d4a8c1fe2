/**
 * File figures: one transfer on loopback (MB/s) next to curl fetching the same file from a plain
 * HTTP server on 127.0.0.1, and one file to a whole class, tree against star (every student a
 * child of the host): total time and host bytes sent. Every agent is a process on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type AgentProcess } from '../../test/helpers/agents.js';
import { cpuSeconds, cpuTimes } from './proc-stats.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

function makeShare(sizeMb: number): { dir: string; share: string; rel: string; size: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-bench-files-'));
  const share = path.join(dir, 'share');
  mkdirSync(share);
  const file = path.join(share, 'lecture.bin');
  for (let i = 0; i < sizeMb; i++) writeFileSync(file, randomBytes(MB), { flag: i ? 'a' : 'w' });
  return { dir, share, rel: 'lecture.bin', size: sizeMb * MB };
}

const downloaded = (a: AgentProcess) => a.lines.find((l) => l.startsWith('downloaded '));
const served = (a: AgentProcess) => {
  const line = a.lines.filter((l) => l.startsWith('event {"type":"files-stats"')).at(-1);
  return line ? (JSON.parse(line.slice(6)).data.served as number) : 0;
};

async function curlMBps(file: string): Promise<number> {
  const server = http.createServer((_req, res) => createReadStream(file).pipe(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const t0 = performance.now();
  await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]);
  const secs = (performance.now() - t0) / 1000;
  server.close();
  return statSync(file).size / MB / secs;
}

/** CPU seconds (user + system, every thread) the agents have used so far; gone ones count 0. */
const cpuOf = async (agents: AgentProcess[]) =>
  (await Promise.all(agents.map((a) => cpuSeconds(a.child.pid!).catch(() => 0)))).reduce((x, y) => x + y, 0);

async function classDownload(share: string, rel: string, students: number, star: boolean, dir: string) {
  const cluster = new Cluster();
  try {
    const fan = star ? ['--root-fanout', String(students), '--fanout', '1'] : ['--fanout', '4'];
    const { agent: host, port } = await cluster.startHost([...fan, '--share', share]);
    const hostCpu0 = await cpuOf([host]);
    const t0 = performance.now();
    const kids: AgentProcess[] = [];
    for (let i = 0; i < students; i++) {
      kids.push(cluster.startStudent(`s${i}`, `127.0.0.1:${port}`, ['--get', rel, '--out', path.join(dir, `out-${star}-${i}`), '--stay']));
      await new Promise((r) => setTimeout(r, 150)); // 30 Node start-ups at once would starve 2 cores
    }
    await Promise.all(kids.map((k) => k.waitFor(() => downloaded(k), 900_000, 'download')));
    const secs = (performance.now() - t0) / 1000;
    const hostCpu = (await cpuOf([host])) - hostCpu0;
    const allCpu = hostCpu + (await cpuOf(kids));
    await host.waitFor(() => served(host) > 0, 5000, 'stats');
    return { secs, hostBytes: served(host), hostCpu, allCpu };
  } finally {
    await cluster.close();
  }
}

export async function benchFiles(): Promise<string> {
  const sizeMb = Number(process.env.CAMVID_BENCH_FILE_MB ?? 100);
  const students = Number(process.env.CAMVID_BENCH_STUDENTS ?? 30);
  const { dir, share, rel, size } = makeShare(sizeMb);
  try {
    const curl = await curlMBps(path.join(share, rel));
    const single = await (async () => {
      const cluster = new Cluster();
      try {
        const { port } = await cluster.startHost(['--share', share]);
        const s = cluster.startStudent('one', `127.0.0.1:${port}`, ['--get', rel, '--out', path.join(dir, 'single'), '--stay']);
        await s.waitForLine(/^joined /, 60_000);
        const both = cluster.agents;
        // one /proc read per agent for both figures
        const times = async () =>
          (await Promise.all(both.map((a) => cpuTimes(a.child.pid!)))).reduce((x, t) => ({ cpu: x.cpu + t.user + t.system, sys: x.sys + t.system }), { cpu: 0, sys: 0 });
        const start = await times();
        const t0 = performance.now();
        await s.waitFor(() => downloaded(s), 600_000, 'download');
        const mbps = size / MB / ((performance.now() - t0) / 1000);
        const end = await times();
        const [cpu, sys] = [end.cpu - start.cpu, end.sys - start.sys];
        return { mbps, cpuPer100: (cpu * 100) / sizeMb, kernelShare: sys / cpu };
      } finally {
        await cluster.close();
      }
    })();
    const tree = await classDownload(share, rel, students, false, dir);
    const star = await classDownload(share, rel, students, true, dir);
    const copies = (b: number) => (b / size).toFixed(2);
    const cpuLine = (r: Awaited<ReturnType<typeof classDownload>>) =>
      `host ${r.hostCpu.toFixed(1)} s, all agents ${r.allCpu.toFixed(1)} s (${((r.allCpu * 100) / (students * sizeMb)).toFixed(2)} s per 100 MB delivered)`;
    return [
      `A ${sizeMb} MB random file. "One transfer" is one student's download (joined first; manifest, chunks, hash check`,
      'and rename), next to curl fetching the same file from a plain Node HTTP server on 127.0.0.1.',
      `"Class" is ${students} student processes started at once, each joining and downloading (time from start to the last copy verified); all share this machine's 2 cores.`,
      '',
      '| figure | measured | target |',
      '|---|---|---|',
      `| one transfer, CAMVID | ${single.mbps.toFixed(1)} MB/s (CPU of both agents: ${single.cpuPer100.toFixed(2)} s per 100 MB, ${Math.round(single.kernelShare * 100)} % of it in the kernel) | ≥ 40 MB/s |`,
      `| one transfer, curl over HTTP | ${curl.toFixed(1)} MB/s | |`,
      `| class download, tree (fan-out 4): total time, host sent | ${tree.secs.toFixed(1)} s, ${copies(tree.hostBytes)} copies | ≤ 3 × one transfer; ≤ fan-out copies |`,
      `| class download, star: total time, host sent | ${star.secs.toFixed(1)} s, ${copies(star.hostBytes)} copies | |`,
      `| class download CPU, tree | ${cpuLine(tree)} | |`,
      `| class download CPU, star | ${cpuLine(star)} | |`,
      '',
      `The class rows run ${students + 1} agents on ${os.cpus().length} cores: every copy still crosses SCTP/DTLS/UDP twice (send and`,
      'receive) on the same two cores, so total time here is bounded by the "all agents" CPU divided by the cores, not',
      'by the tree. On a real class each agent has its own machine; the host-side rows are the ones that carry over.',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
