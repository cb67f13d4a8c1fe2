/**
 * Downloads through the relay tree between real agent processes: every copy verifies, the host
 * sends about one copy per child of its own, and a relay killed mid-download costs its children
 * no more than the chunks that were in flight.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHUNK_SIZE } from '../../protocol/files.js';
import { Cluster, type AgentProcess } from '../helpers/agents.js';

const test = suite('file sharing through the tree');
let cluster: Cluster;
let dir: string;
test.before.each(() => {
  cluster = new Cluster();
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-files-'));
  mkdirSync(path.join(dir, 'share', 'week 1'), { recursive: true });
});
test.after.each(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
type Done = { out: string; file: string; chunks: number; fetched: number; relay: { fetched: number; served: number } };
const download = (a: AgentProcess) => {
  const line = a.lines.find((l) => l.startsWith('event {"type":"download"'));
  return line ? (JSON.parse(line.slice(6)).data as Done) : undefined;
};
const stats = (a: AgentProcess) => {
  const lines = a.lines.filter((l) => l.startsWith('event {"type":"files-stats"'));
  return lines.length ? (JSON.parse(lines.at(-1)!.slice(6)).data as { served: number }) : { served: 0 };
};

function makeFile(mb: number): { rel: string; hash: string; size: number } {
  const file = path.join(dir, 'share', 'week 1', 'lecture.bin');
  writeFileSync(file, randomBytes(mb * 1024 * 1024));
  return { rel: 'week 1/lecture.bin', hash: sha(file), size: mb * 1024 * 1024 };
}

test('8 students (fan-out 2) download one file; every copy’s SHA-256 matches and the host sends about 2 copies', async () => {
  const { rel, hash, size } = makeFile(100);
  const { agent: host, port } = await cluster.startHost(['--fanout', '2', '--share', path.join(dir, 'share')]);
  const kids = Array.from({ length: 8 }, (_, i) =>
    cluster.startStudent(`s${i}`, `127.0.0.1:${port}`, ['--get', rel, '--out', path.join(dir, `out${i}`), '--stay']),
  );
  for (const k of kids) await k.waitFor(() => download(k), 120_000, `${k.name} downloaded`);
  for (const k of kids) assert.is(sha(download(k)!.out), hash, `${k.name}'s copy`);
  await host.waitFor(() => stats(host).served >= 2 * size, 5000, 'host stats');
  const served = stats(host).served;
  console.log(`    host sent ${(served / size).toFixed(2)} copies for 8 students`);
  assert.ok(served <= 2 * size * 1.02, `host sent ${served} bytes for a ${size}-byte file with fan-out 2`);
});

test('a relay killed mid-download: its children finish after reattaching without starting over', async () => {
  const { rel, hash } = makeFile(48);
  const chunks = Math.ceil((48 * 1024 * 1024) / CHUNK_SIZE);
  const { agent: host, port } = await cluster.startHost(['--fanout', '1', '--root-fanout', '2', '--share', path.join(dir, 'share')]);
  // Root fan-out 2, relays 1: host → s0 → s2 → s4 and host → s1 → s3 → s5.
  const kids: AgentProcess[] = [];
  for (let i = 0; i < 6; i++) {
    kids.push(cluster.startStudent(`s${i}`, `127.0.0.1:${port}`, ['--get', rel, '--out', path.join(dir, `out${i}`), '--stay']));
    await kids[i]!.waitForLine(/^joined /, 30_000);
  }
  const roster = host.roster;
  const idOf = (name: string) => roster.find((m) => m.name === name)!.id;
  const relay = kids.find((k) => roster.some((m) => m.parentId === idOf(k.name)) && roster.find((m) => m.id === idOf(k.name))!.parentId !== roster[0]!.id)!;
  assert.ok(relay, 'a relay below the first level');
  const orphanNames = roster.filter((m) => m.parentId === idOf(relay.name)).map((m) => m.name);
  const orphans = kids.filter((k) => orphanNames.includes(k.name));
  // Kill it once its child is part-way through.
  await orphans[0]!.waitFor(() => orphans[0]!.lines.some((l) => / (1\d|2\d|3\d|4\d)% /.test(l)), 120_000, 'a child part-way');
  await relay.kill('SIGKILL');
  for (const o of orphans) {
    const done = await o.waitFor(() => download(o), 120_000, `${o.name} finished`);
    assert.is(sha(done.out), hash);
    assert.ok(done.relay.fetched <= chunks + 2, `${o.name} received ${done.relay.fetched} chunks for ${chunks}: at most 2 again`);
  }
});

test('a download interrupted by killing the student’s agent resumes from the chunks already on disk', async () => {
  const { rel, hash } = makeFile(32);
  const chunks = Math.ceil((32 * 1024 * 1024) / CHUNK_SIZE);
  const { port } = await cluster.startHost(['--share', path.join(dir, 'share')]);
  const out = path.join(dir, 'out');
  const first = cluster.startStudent('s', `127.0.0.1:${port}`, ['--get', rel, '--out', out]);
  // Progress is printed every 500 ms and at each tenth: a loopback download of 32 MB can take
  // less than 500 ms, but the line of the third tenth always comes, with a few chunks saved.
  await first.waitFor(() => first.lines.some((l) => / [2-8]\d% /.test(l)), 120_000, 'part-way');
  await first.kill('SIGKILL');
  const dataDir = first.child.spawnargs[first.child.spawnargs.indexOf('--data') + 1]!;
  // The same agent folder, started again with the same request.
  const again = cluster.start('again', ['join', '--address', `127.0.0.1:${port}`, '--name', 's', '--password', 'secret', '--events', '--get', rel, '--out', out, '--data', dataDir]);
  const done = await again.waitFor(() => download(again), 120_000, 'resumed download');
  assert.is(sha(done.out), hash);
  const resumed = (done as unknown as { resumed: number }).resumed;
  console.log(`    resumed with ${resumed} of ${chunks} chunks already on disk; fetched ${done.fetched}`);
  assert.ok(resumed > 0, 'some chunks were kept');
  assert.is(done.fetched, chunks - resumed, 'only the missing chunks were fetched');
});

test.run();
