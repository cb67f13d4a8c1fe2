/**
 * The shared screen without a browser: a host agent shares ffmpeg's test slide (`--screen
 * testsrc`, VP8 + Opus on the `screen` and `screen-audio` tracks) beside its camera (`--source
 * testsrc`) through a fan-out-2 relay tree of real student agent processes. Every student gets
 * both pictures at once (≥ 95% of each), the tree tells every student a screen is shared, and a
 * student who comes in mid-share has the screen within 1.5 s of joining.
 */
import * as assert from 'uvu/assert';
import { latestStats, packetsAt, waitForVideo } from '../helpers/media-stats.js';
import { requireCapability } from '../helpers/require.js';
import { spawnSync } from 'node:child_process';
import { clusterSuite } from '../helpers/cluster-suite.js';
import type { AgentProcess } from '../helpers/agents.js';

const WINDOW_MS = 6000;
const STUDENTS = 4;
const STATS = ['--media-stats-ms', '100'];
/** Light streams (the machine is shared): the camera at 320x240, the slide at 1280x720 and 5 fps. */
const SOURCES = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '250', '--screen', 'testsrc', '--screen-size', '1280x720', '--screen-fps', '5', '--screen-kbps', '600'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { test, ctx } = clusterSuite('shared screen through the relay tree');

const liveStatus = (agent: AgentProcess) =>
  agent.lines
    .filter((l) => l.startsWith('event {"type":"live-status"'))
    .map((l) => (JSON.parse(l.slice(6)) as { data: { state: string; screen: boolean } }).data)
    .at(-1);

test('camera and screen at once to 4 students at fan-out 2; a student joining mid-share has the screen within 1.5 s', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2', ...SOURCES, ...STATS]);
  const students: AgentProcess[] = [];
  for (let i = 0; i < STUDENTS; i++) students.push(ctx.cluster.startStudent(`student${i}`, `127.0.0.1:${port}`, STATS));
  await Promise.all(students.map((s) => s.waitForLine(/^joined /, 60_000)));
  await Promise.all(students.map((s) => waitForVideo(s, 20_000)));
  await Promise.all(students.map((s) => s.waitFor(() => (latestStats(s)?.in.screen.packets ?? 0) > 0, 20_000, 'screen')));
  await Promise.all(students.map((s) => s.waitFor(() => liveStatus(s)?.screen, 5_000, 'the tree says a screen is shared')));
  await sleep(500);

  const from = Date.now();
  await sleep(WINDOW_MS);
  await sleep(300);
  const to = from + WINDOW_MS;
  for (const kinds of [['screen', 'screen-audio'], ['video', 'audio']] as const) {
    const sent = packetsAt(host, to, kinds) - packetsAt(host, from, kinds);
    assert.ok(sent > (WINDOW_MS / 1000) * 40, `the host took in ${sent} ${kinds.join('+')} packets`);
    const ratios = students.map((s) => (packetsAt(s, to, kinds) - packetsAt(s, from, kinds)) / sent);
    console.log(`    ${kinds.join('+')}: ${Math.round(sent)} packets in ${WINDOW_MS / 1000} s; students received ${ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(' ')}`);
    for (const [i, r] of ratios.entries()) assert.ok(r >= 0.95, `student${i} received ${(r * 100).toFixed(1)}% of ${kinds.join('+')}`);
  }
  const depths = host.roster.filter((m) => m.parentId && m.parentId !== host.roster.find((h) => h.role === 'host')!.id);
  assert.ok(depths.length > 0, 'some students are below a relay');
  for (const s of [host, ...students]) {
    const st = latestStats(s)!;
    assert.is(st.dropped.malformed + st.dropped.oversized + st.dropped.unexpected, 0, `${s.name} dropped nothing as bad`);
    assert.ok(st.senderReports.in.screen > 0, `${s.name} got the screen's sender reports: ${JSON.stringify(st.senderReports)}`);
    assert.ok(st.in.screen.keyframes > 0, `${s.name} counted screen key frames`);
  }

  // A latecomer: the screen must start within 1.5 s of its joining (a key frame at least every second).
  const late = ctx.cluster.startStudent('late', `127.0.0.1:${port}`, STATS);
  await late.waitForLine(/^joined /, 60_000);
  const joinedAt = Date.now();
  const firstScreen = await late.waitFor(() => {
    const st = latestStats(late);
    return st && st.in.screen.packets > 0 && st.lastScreenAt ? st.lastScreenAt : undefined;
  }, 10_000, 'the screen at the latecomer');
  const first = late.lines.filter((l) => l.startsWith('event {"type":"media-stats"')).length;
  console.log(`    latecomer: screen ${firstScreen - joinedAt} ms after "joined" (${first} stats lines)`);
  assert.ok(firstScreen - joinedAt < 1500, `the latecomer had the screen ${firstScreen - joinedAt} ms after joining`);
});

test('a bad --screen is a usage error', async () => {
  const agent = ctx.cluster.start('host', ['host', '--password', 'secret', '--port', '0', '--no-ui', '--screen', 'desktop']);
  assert.is(await agent.exited, 2);
  assert.match(agent.output, /--screen must be "testsrc" or "ffmpeg:<input>"/);
});

test.run();
