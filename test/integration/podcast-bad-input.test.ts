/**
 * Bad input to the podcast, from every side it can come: a rogue parent (an in-process RoomHost
 * that holds the password) feeds a listening student good Opus packets with malformed, oversized
 * and foreign ones mixed in on the podcast track; a rogue child sends its parent broken
 * `podcast-want` messages; and a page sends malformed or out-of-place UI requests. Everything bad
 * is dropped and counted, or answered with a typed error code; nothing crashes, the good audio goes on.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { isRtcpPacket, PAYLOAD_TYPES } from '../../protocol/media.js';
import type { PlayerView } from '../../protocol/podcast.js';
import { type AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { requireCapability } from '../helpers/require.js';
import { joinRogueMember, startRogueHost } from '../helpers/rogue-peers.js';
import { UiSocket } from '../helpers/smtp.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('bad podcast input');
// No nodeDataChannel.cleanup() at the end: with the rogue peers' wrappers still alive it crashed
// this process (SIGSEGV) in about half the runs; scripts/run-tests.mjs ends a finished file anyway.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATS = ['--media-stats-ms', '200'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

function opus(ssrc: number, seq: number): Buffer {
  const b = Buffer.alloc(12 + 120, 0x3c);
  b[0] = 0x80;
  b[1] = PAYLOAD_TYPES.podcast;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

/** Broken podcast packets the agent itself must catch (libdatachannel passes these through). */
function badOpus(ssrc: number, seq: number): { packet: Buffer; counter: 'malformed' | 'oversized' | 'unexpected' }[] {
  const padPastEnd = opus(ssrc, seq);
  padPastEnd[0] = 0xa0;
  padPastEnd[padPastEnd.length - 1] = 250;
  const empty = opus(ssrc, seq).subarray(0, 12); // a header and no audio
  const foreign = opus(ssrc, seq);
  foreign[1] = 63; // not our payload type
  const huge = Buffer.concat([opus(ssrc, seq), Buffer.alloc(1400, 1)]);
  return [
    { packet: padPastEnd, counter: 'malformed' },
    { packet: empty, counter: 'unexpected' },
    { packet: foreign, counter: 'unexpected' },
    { packet: huge, counter: 'oversized' },
  ];
}

const lastPlayer = (a: AgentProcess): PlayerView | undefined => {
  const line = a.lines.filter((l) => l.startsWith('event {"type":"podcast-player"')).at(-1);
  return line ? (JSON.parse(line.slice(6)).data as PlayerView) : undefined;
};

test('a parent mixing malformed, empty, foreign and oversized packets into the podcast: the listener drops and counts them, records exactly the good ones, and its listening child gets only those', async () => {
  const { host: rogue, port } = await startRogueHost();
  try {
    const victim = ctx.cluster.startStudent('victim', `127.0.0.1:${port}`, [...STATS, '--podcast-listen']);
    await victim.waitForLine(/^joined /, 30_000);
    const child = ctx.cluster.startStudent('child', `127.0.0.1:${port}`, [...STATS, '--podcast-listen']);
    await child.waitForLine(/^joined /, 30_000);
    // The victim's edge open at the rogue (a fixed 500 ms wait was short on a loaded machine: the
    // test then threw on a missing edge and hung in the rogue's close, 300 s with no output, in CI).
    let down: PeerLink | undefined;
    for (const until = Date.now() + 20_000; !(down = rogue.edges.children().find((l) => l.isOpen)) && Date.now() < until; ) await sleep(50);
    assert.ok(down, 'the victim is the rogue host’s child');
    await sleep(300);
    const ssrc = down.localSsrc('podcast')!;
    const expected = { malformed: 0, oversized: 0, unexpected: 0 };
    let good = 0;
    let goodBytes = 0;
    let seq = 1000;
    for (let i = 0; i < 200; i++) {
      const p = opus(ssrc, ++seq);
      if (down.sendMedia('podcast', p)) {
        good++;
        goodBytes += p.length;
      }
      if (i % 4 === 3) {
        for (const bad of badOpus(ssrc, seq)) {
          if (!isRtcpPacket(bad.packet)) bad.packet.writeUInt16BE(++seq & 0xffff, 2); // SRTP would drop a replay first
          if (down.sendMedia('podcast', bad.packet)) expected[bad.counter]++;
        }
      }
      await sleep(20);
    }
    await sleep(1500);
    const v = latestStats(victim)!;
    const recorded = lastPlayer(victim)!;
    console.log(`    victim: ${v.in.podcast.packets}/${good} good in (${recorded.bufferedBytes}/${goodBytes} bytes recorded), dropped ${JSON.stringify(v.dropped)}; sent bad ${JSON.stringify(expected)}`);
    assert.ok(expected.malformed > 0 && expected.oversized > 0 && expected.unexpected > 0, 'every kind of bad packet left the rogue');
    assert.is(v.in.podcast.packets, good, 'every good packet was taken in');
    assert.is(v.dropped.malformed, expected.malformed);
    assert.is(v.dropped.oversized, expected.oversized);
    assert.is(v.dropped.unexpected, expected.unexpected);
    assert.is(recorded.bufferedBytes, goodBytes, 'the recording holds exactly the good packets');
    const c = latestStats(child)!;
    assert.is(c.in.podcast.packets, good, 'the listening child got every good packet');
    assert.is(c.dropped.malformed + c.dropped.oversized + c.dropped.unexpected, 0, 'and nothing bad');
    assert.is(victim.exitCode, null, 'the listener is still running');
  } finally {
    await rogue.close();
  }
});

test('a child sending broken podcast-want messages: the host ignores them and goes on sending the podcast to everyone who listens', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '4', '--podcast', 'testsrc', ...STATS]);
  const good = ctx.cluster.startStudent('good', `127.0.0.1:${port}`, [...STATS, '--podcast-listen']);
  await good.waitForLine(/^joined /, 30_000);
  const rogue = await joinRogueMember(port);
  try {
    const ctl = rogue.edges.parent!.channel('ctl')!;
    const garbage = ['{"type":"podcast-want","on":"yes"}', '{"type":"podcast-want"}', '{"type":"podcast-want","on":null}', '{"type":"podcast-want","on":true', 'podcast-want'];
    for (let i = 0; i < 50; i++) ctl.sendMessage(garbage[i % garbage.length]!);
    const before = latestStats(good)!.in.podcast.packets;
    await sleep(1500);
    assert.ok(latestStats(good)!.in.podcast.packets > before + 40, 'the good listener still receives the podcast');
    assert.is(host.exitCode, null, 'the host is still running');
  } finally {
    rogue.close();
  }
});

test('malformed or out-of-place podcast requests from a page get typed errors, and the agent carries on', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const [teacher, student] = await Promise.all([ctx.cluster.startUiAgent('teacher'), ctx.cluster.startUiAgent('student')]);
  const t = await UiSocket.open(teacher.url);
  const s = await UiSocket.open(student.url);
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'no code');
  try {
    assert.is(await code(s.request({ type: 'podcast-listen', on: true })), 'NOT_IN_ROOM', 'listening outside a room');
    await t.request({ type: 'host', room: 'R', password: 'pw', name: 'Prof' });
    const state = t.events.filter((e) => e.type === 'state').at(-1) as { state: { joinAddresses: string[] } } | undefined;
    const address = state!.state.joinAddresses[0]!;
    await s.request({ type: 'join', name: 'Grace', password: 'pw', address });
    const malformed: Record<string, unknown>[] = [
      { type: 'podcast-control', action: 'rewind' },
      { type: 'podcast-control', action: 'seek', behindMs: -5 },
      { type: 'podcast-control', action: 'seek', behindMs: 'far' },
      { type: 'podcast-listen', on: 'yes' },
      { type: 'podcast-start', source: 'webcam' },
      { type: 'podcast-start', source: 'file', path: '' },
      { type: 'podcast-watch-answer', link: '../x', sdp: 'v=0' },
      { type: 'podcast-watch-answer', link: 'podcast-1', sdp: 'x'.repeat(40_000) },
    ];
    for (const req of malformed) assert.is(await code(t.request(req as { type: string })), 'BAD_MESSAGE', JSON.stringify(req).slice(0, 80));
    assert.is(await code(t.request({ type: 'podcast-start', source: 'file' })), 'BAD_MESSAGE', 'a file podcast without a path');
    assert.is(await code(s.request({ type: 'podcast-control', action: 'pause' })), 'NOT_LISTENING', 'pause before play');
    assert.is(await code(s.request({ type: 'podcast-control', action: 'seek' })), 'NOT_LISTENING');
    assert.is(await code(s.request({ type: 'podcast-start', source: 'tone' })), 'NOT_IN_ROOM', 'a student cannot broadcast');
    assert.is(await code(s.request({ type: 'podcast-stop' })), 'NOT_IN_ROOM');
    assert.is(await code(s.request({ type: 'podcast-publish', sdp: 'v=0' })), 'NOT_IN_ROOM', 'a student cannot broadcast a microphone');
    assert.is(await code(t.request({ type: 'podcast-publish', sdp: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0' })), 'BAD_MESSAGE', 'a microphone offer without Opus');
    assert.is(await code(t.request({ type: 'podcast-publish', sdp: 'hello' })), 'BAD_MESSAGE', 'not an SDP');
    assert.is(await code(t.request({ type: 'podcast-start', source: 'file', path: '/nonexistent/lecture.mp3' })), 'FILE_NOT_FOUND');
    assert.is(await code(t.request({ type: 'podcast-start', source: 'file', path: '/etc/hostname' })), 'BAD_AUDIO');
    assert.is(await code(s.request({ type: 'podcast-watch-answer', link: 'podcast-99', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111' })), 'CLOSED', 'an answer for no link');
    await s.request({ type: 'podcast-listen', on: true });
    assert.is(await code(s.request({ type: 'podcast-control', action: 'seek' })), 'BAD_MESSAGE', 'seek without behindMs');
    const { link } = await s.request<{ link: string }>({ type: 'podcast-watch' });
    assert.is(await code(s.request({ type: 'podcast-watch-answer', link, sdp: 'v=0\r\nnot an sdp' })), 'BAD_MESSAGE', 'a broken answer');
    // And after all that, the agents still work.
    assert.equal((await t.request<{ on: boolean }>({ type: 'podcast-start', source: 'tone' })).on, true);
    await s.request({ type: 'podcast-control', action: 'pause' });
    assert.is((await s.request<{ player: PlayerView }>({ type: 'podcast-view' })).player.state, 'paused');
  } finally {
    t.close();
    s.close();
  }
  assert.is(teacher.agent.exitCode, null);
  assert.is(student.agent.exitCode, null);
});

test.run();
