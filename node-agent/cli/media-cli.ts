/**
 * The media part of the `camvid` command line, kept here so cli.ts only wires it in:
 * `camvid host --source testsrc|ffmpeg:<input> [--video-size WxH] [--video-kbps N] [--fps N] [--simulcast]`
 * (`--simulcast`: three layers, ¼, ½ and whole size, as the instructor's page sends them),
 * `--screen testsrc|ffmpeg:<input> [--screen-size WxH] [--screen-kbps N] [--screen-fps N]`, and
 * for host and join with `--events`, a `media-stats` event line every `--media-stats-ms` (default
 * 1000) and, with `--trace-every N`, the arrival of each video packet whose sequence number is a
 * multiple of N (machine-wide monotonic clock, for hop latency; `media-trace-batch` lines of
 * `[{kind, seq, us}]` every 200 ms); with
 * `--trace-kind audio|podcast` the packets of that track instead of video.
 */
import type { ParseArgsConfig } from 'node:util';
import { isMediaKind } from '../../protocol/media.js';
import { CamvidError } from '../../protocol/errors.js';
import type { Agent } from '../agent.js';
import { FfmpegSource, parseSourceSpec } from '../media/ffmpeg-source.js';
import { startScreenSource } from '../media/ffmpeg-screen.js';

export const MEDIA_HOST_OPTIONS: ParseArgsConfig['options'] = {
  source: { type: 'string' },
  'video-size': { type: 'string' },
  'video-kbps': { type: 'string' },
  fps: { type: 'string' },
  simulcast: { type: 'boolean' },
  screen: { type: 'string' },
  'screen-size': { type: 'string' },
  'screen-kbps': { type: 'string' },
  'screen-fps': { type: 'string' },
};

export const MEDIA_EVENT_OPTIONS: ParseArgsConfig['options'] = {
  'media-stats-ms': { type: 'string' },
  'trace-every': { type: 'string' },
  'trace-kind': { type: 'string' },
};

type Values = Record<string, unknown>;

const whole = (v: unknown, flag: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new TypeError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
};

/** Checks the media flags; throws TypeError (bad usage) before anything starts. */
export function checkMediaArgs(v: Values): void {
  if (v.source !== undefined) parseSourceSpec(String(v.source));
  if (v.simulcast && v.source === undefined) throw new TypeError('--simulcast needs --source');
  for (const flag of ['video-size', 'screen-size']) {
    if (v[flag] !== undefined && !/^\d{2,4}x\d{2,4}$/.test(String(v[flag]))) throw new TypeError(`--${flag} must look like 1280x720`);
  }
  whole(v['video-kbps'], '--video-kbps', 50, 20_000);
  whole(v.fps, '--fps', 1, 60);
  if (v.screen !== undefined) parseSourceSpec(String(v.screen), '--screen');
  whole(v['screen-kbps'], '--screen-kbps', 50, 20_000);
  whole(v['screen-fps'], '--screen-fps', 1, 30);
  whole(v['media-stats-ms'], '--media-stats-ms', 50, 60_000);
  whole(v['trace-every'], '--trace-every', 1, 65_535);
  if (v['trace-kind'] !== undefined && !isMediaKind(v['trace-kind'])) throw new TypeError('--trace-kind must be video, audio, podcast, screen or screen-audio');
}

/** `--source` / `--screen`: starts ffmpeg as the room's camera and/or its shared screen. */
export async function startHostSource(agent: Agent, v: Values): Promise<void> {
  if (v.screen !== undefined) await shareScreen(agent, v);
  if (v.source === undefined) return;
  const source = await FfmpegSource.start({
    ...parseSourceSpec(String(v.source)),
    size: v['video-size'] as string | undefined,
    videoKbps: whole(v['video-kbps'], '--video-kbps', 50, 20_000),
    fps: whole(v.fps, '--fps', 1, 60),
    simulcast: v.simulcast === true,
  });
  await agent.features.media.setSource(source);
}

/** `--events`: media-stats (and media-trace-batch) lines, and `live-status` {state, screen} on every change. */
export function wireMediaEvents(agent: Agent, v: Values, printEvent: (type: string, data: unknown) => void): void {
  if (!v.events) return;
  let last = '';
  setInterval(() => {
    const { state, screen } = agent.features.live.status();
    const now = JSON.stringify({ state, screen });
    if (now !== last) printEvent('live-status', { state, screen });
    last = now;
  }, LIVE_POLL_MS).unref();
  const media = agent.features.media;
  media.on('stats', (stats) => printEvent('media-stats', stats));
  media.setStatsInterval(whole(v['media-stats-ms'], '--media-stats-ms', 50, 60_000) ?? 1000);
  const every = whole(v['trace-every'], '--trace-every', 1, 65_535);
  if (every) {
    // Stamps are printed in batches from a timer, not one write per packet on the forwarding path:
    // a per-packet write to the pipe (which blocks when the reader lags) was in the latency it measured.
    let pending: unknown[] = [];
    media.on('trace', (t) => pending.push(t));
    setInterval(() => {
      if (!pending.length) return;
      const batch = pending;
      pending = [];
      printEvent('media-trace-batch', batch);
    }, TRACE_FLUSH_MS).unref();
    media.setTraceEvery(every, isMediaKind(v['trace-kind']) ? v['trace-kind'] : 'video');
  }
}

const TRACE_FLUSH_MS = 200;
const LIVE_POLL_MS = 50;

async function shareScreen(agent: Agent, v: Values): Promise<void> {
  const screen = await startScreenSource({
    ...parseSourceSpec(String(v.screen), '--screen'),
    size: v['screen-size'] as string | undefined,
    kbps: whole(v['screen-kbps'], '--screen-kbps', 50, 20_000),
    fps: whole(v['screen-fps'], '--screen-fps', 1, 30),
  });
  await agent.features.media.setSource(screen, 'screen');
}

/** `screen stop|start` on the host's --stdin: ends the shared screen, or shares `--screen` again. */
export function runScreenCommand(agent: Agent, v: Values, verb: string, fail: (err: unknown) => void): void {
  if (verb === 'stop') {
    void agent.features.media.setSource(null, 'screen').then(() => console.log('screen share stopped'), fail);
  } else if (verb === 'start') {
    if (v.screen === undefined) return fail(new CamvidError('BAD_MESSAGE', 'screen start shares what --screen named: start the host with --screen'));
    void shareScreen(agent, v).then(() => console.log('screen shared'), fail);
  } else {
    fail(new CamvidError('BAD_MESSAGE', 'screen commands: start, stop'));
  }
}
