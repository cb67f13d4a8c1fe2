/**
 * Client isolation (school Wi-Fi: every device reaches the access point and the instructor, none
 * reaches another), with real agent processes each in its own network namespace: the bridge
 * forwards nothing between two students' ports (`bridge link set … isolated on`), the host's port
 * reaches all. 1 host (testsrc camera, a shared folder) + 8 students at the default fan-out (4):
 * every student gets video, the instructor's chat message and a file within 10 s of joining, all
 * of them under the host (a star: the host learns from the first failed edges between students,
 * reachability.ts) and marked `isolated` in the roster. Without the filter the same class forms
 * the tree as before: some student relays for others and nobody is marked.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import type { AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('client isolation: the class falls back to a star');
const STUDENTS = 8;
const WITHIN_MS = 10_000;
const SOURCE = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '250'];
const COMMON = ['--no-mdns', '--media-stats-ms', '200'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-isolation-'));
  mkdirSync(path.join(dir, 'share'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

const download = (a: AgentProcess) => {
  const line = a.lines.find((l) => l.startsWith('event {"type":"download"'));
  return line ? (JSON.parse(line.slice(6)).data as { out: string }) : undefined;
};

interface Class {
  host: AgentProcess;
  students: AgentProcess[];
  /** per student: ms from its `joined` to its video, the chat message and the file */
  took: Array<{ video: number; chat: number; file: number }>;
}

async function classOf8(isolated: boolean): Promise<Class> {
  const lab = await startLab(STUDENTS + 1);
  if (isolated) for (let i = 1; i <= STUDENTS; i++) await lab.isolate(i);
  const file = path.join(dir, 'share', 'notes.bin');
  writeFileSync(file, randomBytes(2 * 1024 * 1024));
  const { agent: host, port } = await ctx.cluster.startHost(['--stdin', '--share', path.join(dir, 'share'), ...SOURCE, ...COMMON], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const students = Array.from({ length: STUDENTS }, (_, i) =>
    ctx.cluster.startStudent(`s${i}`, address, ['--get', 'notes.bin', '--out', path.join(dir, `out${i}`), '--stay', ...COMMON], inHost(i + 1)),
  );
  const joinedAt = await Promise.all(students.map((s) => s.waitForLine(/^joined /, 60_000).then(() => Date.now())));
  host.command('say welcome to the lecture');
  const at = (s: AgentProcess, what: string, check: () => unknown) => s.waitFor(() => !!check(), 30_000, what).then(() => Date.now());
  const took = await Promise.all(
    students.map(async (s, i) => {
      const [video, chat, got] = await Promise.all([
        at(s, 'video', () => (latestStats(s)?.in.video.packets ?? 0) > 0),
        at(s, 'the chat message', () => s.chat.some((r) => r.text === 'welcome to the lecture')),
        at(s, 'the file', () => download(s)),
      ]);
      assert.is(sha(download(s)!.out), sha(file), `${s.name}'s copy`);
      return { video: video - joinedAt[i]!, chat: chat - joinedAt[i]!, file: got - joinedAt[i]! };
    }),
  );
  console.log(`    ${isolated ? 'isolated' : 'open'} network, from "joined": ${took.map((t, i) => `s${i} video ${t.video} / chat ${t.chat} / file ${t.file} ms`).join('; ')}`);
  return { host, students, took };
}

test('students that cannot reach each other: all 8 have video, chat and a file within 10 s of joining, under the host, marked isolated', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { host, took } = await classOf8(true);
  for (const [i, t] of took.entries()) {
    for (const [what, ms] of Object.entries(t)) assert.ok(ms <= WITHIN_MS, `s${i}: ${what} ${ms} ms after joining`);
  }
  const hostId = host.roster.find((m) => m.role === 'host')!.id;
  await host.waitFor(() => host.roster.filter((m) => m.role === 'student').every((m) => m.parentId === hostId && m.state === 'connected' && m.isolated), 10_000, 'a star of 8, every student marked isolated');
  assert.ok(host.roster.every((m) => !m.standbyId), 'no standby between students that cannot reach each other');
});

test('the same class on an open network forms the relay tree as before, nobody marked isolated', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { host } = await classOf8(false);
  const hostId = host.roster.find((m) => m.role === 'host')!.id;
  await host.waitFor(() => host.roster.filter((m) => m.role === 'student').every((m) => m.state === 'connected'), 10_000, 'everyone connected');
  const underStudents = host.roster.filter((m) => m.role === 'student' && m.parentId !== hostId);
  assert.is(underStudents.length, STUDENTS - 4, 'fan-out 4: four students under the host, four under classmates');
  assert.ok(host.roster.every((m) => !m.isolated), 'nobody marked isolated');
});

test.run();
