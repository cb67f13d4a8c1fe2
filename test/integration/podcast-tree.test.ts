/**
 * The podcast through the relay tree, without a browser: the host plays ffmpeg's test signal as
 * the podcast; students at fan-out 2 listen headless (`--podcast-listen`: record and play). Every
 * listener must receive ≥ 95% of the Opus packets the host took in over the window, counted from
 * `--events` media-stats. Two students do not listen: a relay, which must still receive the
 * podcast for the listeners below it, and a leaf, which must receive none of it (a listener who is
 * not listening costs the tree nothing beyond its relay duties).
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import type { ListenerEntry } from '../../protocol/podcast.js';
import { type AgentProcess } from '../helpers/agents.js';
import { latestStats, packetsAt } from '../helpers/media-stats.js';
import { requireCapability } from '../helpers/require.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const WINDOW_MS = Number(process.env.PODCAST_WINDOW_MS ?? 8000);
const STATS = ['--media-stats-ms', '200'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PODCAST = ['podcast'] as const;

const { test, ctx } = clusterSuite('the podcast through the relay tree');

const podcastIn = (a: AgentProcess) => latestStats(a)?.in.podcast.packets ?? 0;

test('testsrc podcast, 1 host + 6 listeners at fan-out 2: each listener receives ≥ 95% of the Opus packets; a non-listening relay still forwards, a non-listening leaf gets none', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2', '--podcast', 'testsrc', ...STATS]);
  // One at a time, so the tree's shape is known: the first is a child of the host (a relay), the
  // last a leaf at depth 3.
  const join = async (name: string, listen: boolean) => {
    const s = ctx.cluster.startStudent(name, `127.0.0.1:${port}`, [...STATS, ...(listen ? ['--podcast-listen'] : [])]);
    await s.waitForLine(/^joined /, 60_000);
    return s;
  };
  const relay = await join('quiet-relay', false);
  const listeners: AgentProcess[] = [];
  for (let i = 1; i <= 6; i++) listeners.push(await join(`listener${i}`, true));
  const leaf = await join('quiet-leaf', false);
  await Promise.all(listeners.map((l) => l.waitFor(() => podcastIn(l) > 0, 20_000, 'podcast packets')));
  await host.waitFor(() => host.lines.some((l) => l.startsWith('event {"type":"podcast-listeners"') && (JSON.parse(l.slice(6)).data as ListenerEntry[]).length === 6), 10_000, 'six listeners');
  await sleep(1000);

  const leafBefore = podcastIn(leaf);
  const from = Date.now();
  await sleep(WINDOW_MS);
  await sleep(400); // a stats line past the window's end from every process
  const to = from + WINDOW_MS;
  const sent = packetsAt(host, to, PODCAST) - packetsAt(host, from, PODCAST);
  assert.ok(sent > (WINDOW_MS / 1000) * 45, `the host took in ${sent} podcast packets (50 a second expected)`);
  const ratio = (a: AgentProcess) => (packetsAt(a, to, PODCAST) - packetsAt(a, from, PODCAST)) / sent;
  const ratios = listeners.map(ratio);
  console.log(`    ${Math.round(sent)} Opus packets from the host in ${WINDOW_MS / 1000} s; listeners received ${ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(' ')}; the quiet relay ${(ratio(relay) * 100).toFixed(1)}%, the quiet leaf ${podcastIn(leaf) - leafBefore} packets`);
  for (const [i, r] of ratios.entries()) assert.ok(r >= 0.95, `listener${i + 1} received ${(r * 100).toFixed(1)}%`);

  const roster = host.roster;
  const byName = (n: string) => roster.find((m) => m.name === n)!;
  const depth = (id: string): number => {
    const m = roster.find((x) => x.id === id);
    return m?.parentId ? 1 + depth(m.parentId) : 0;
  };
  assert.is(depth(byName('quiet-relay').id), 1, 'the quiet relay is a child of the host');
  assert.ok(roster.some((m) => m.parentId === byName('quiet-relay').id), 'with listeners below it');
  assert.ok(ratio(relay) >= 0.95, `the quiet relay received ${(ratio(relay) * 100).toFixed(1)}% for its subtree`);
  assert.is(depth(byName('quiet-leaf').id), 3, 'the quiet leaf is at depth 3');
  assert.not.ok(roster.some((m) => m.parentId === byName('quiet-leaf').id), 'and has no children');
  assert.is(podcastIn(leaf) - leafBefore, 0, 'the quiet leaf received no podcast packets');

  for (const a of [host, relay, leaf, ...listeners]) {
    const st = latestStats(a)!;
    assert.is(st.dropped.malformed + st.dropped.oversized + st.dropped.unexpected, 0, `${a.name} dropped nothing as bad`);
  }
  // The podcast source's sender reports travel the tree with it (docs/media.md, lip sync).
  for (const l of listeners) assert.ok(latestStats(l)!.senderReports.in.podcast > 0, `${l.name} got the podcast's sender reports`);
  const heard = listeners.map((l) => {
    const players = l.lines.filter((x) => x.startsWith('event {"type":"podcast-player"'));
    return JSON.parse(players.at(-1)!.slice(6)).data as { state: string; behindMs: number; bufferedMs: number };
  });
  for (const [i, p] of heard.entries()) {
    assert.is(p.state, 'live', `listener${i + 1} plays live`);
    assert.ok(p.bufferedMs > WINDOW_MS, `listener${i + 1} recorded ${p.bufferedMs} ms`);
  }
});

test('bad podcast flags are usage errors; a file that is not audio is BAD_AUDIO, a missing one FILE_NOT_FOUND', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const cases: [string[], number, RegExp][] = [
    [['--podcast-kbps', '9000'], 2, /--podcast-kbps must be a number from 6 to 510/],
    [['--podcast-buffer', '0'], 2, /--podcast-buffer must be a number/],
    [['--podcast', '/etc/hostname'], 1, /BAD_AUDIO/],
    [['--podcast', '/nonexistent/talk.mp3'], 1, /FILE_NOT_FOUND/],
  ];
  for (const [args, code, message] of cases) {
    const a = ctx.cluster.start('host', ['host', '--password', 'secret', '--port', '0', '--no-ui', ...args]);
    assert.is(await a.exited, code, args.join(' '));
    assert.match(a.output, message);
  }
});

test.run();
