/**
 * The host's podcast input: ffmpeg (the Debian package) plays a file in real time, or makes the
 * test signal, and sends Opus RTP to the agent like the headless camera does (FfmpegSource). A
 * second ffmpeg output writes the same audio as 8 kHz mono samples to stdout, from which the host
 * computes the level meter (RMS and peak every 100 ms): the agent never decodes Opus, and ffmpeg
 * already has the samples in hand.
 *
 * The test signal is a chirp that rises from 300 to 1100 Hz over 8 s and starts again, so a
 * listener's page can tell from the pitch it hears which moment of the stream it is playing
 * (the browser test measures "3 s behind live" that way, not only from the agent's own figure).
 * A file plays once; when it ends the podcast ends.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { PAYLOAD_TYPES, type MediaKind } from '../../protocol/media.js';
import { PODCAST_DEFAULT_KBPS } from '../../protocol/podcast.js';
import { FfmpegSource } from '../media/ffmpeg-source.js';
import type { MediaSource } from '../media/media-relay.js';
import { createLogger } from '../log.js';

const log = createLogger('agent:podcast');

/** Seconds of one sweep of the test chirp; its pitch at time T (mod this) is 300 + 100·T Hz. */
export const TONE_PERIOD_S = 8;
export const TONE_BASE_HZ = 300;
export const TONE_HZ_PER_S = 100;
const LEVEL_RATE = 8000;
const LEVEL_WINDOW = LEVEL_RATE / 10;
const RTP_PACKET_BYTES = 1200;

export type PodcastInput = { kind: 'tone' } | { kind: 'file'; path: string };

export interface PodcastSourceOptions {
  input: PodcastInput;
  kbps?: number;
  ffmpegPath?: string;
  /** the level of the last ~100 ms, dBFS */
  onLevel?(rmsDb: number, peakDb: number): void;
}

/** `testsrc` or a file path (the `--podcast` of `camvid host`). */
export function parsePodcastSpec(spec: string): PodcastInput {
  if (spec === 'testsrc' || spec === 'tone') return { kind: 'tone' };
  if (!spec) throw new TypeError('--podcast needs "testsrc" or an audio file');
  return { kind: 'file', path: spec };
}

export function podcastTitle(input: PodcastInput): string {
  return input.kind === 'tone' ? 'Test tone' : path.basename(input.path);
}

export function podcastArgs(input: PodcastInput, kbps: number, port: number): string[] {
  const T = `mod(t,${TONE_PERIOD_S})`;
  // phase = 2π ∫ f dt with f = BASE + K·T  →  2π (BASE·T + K·T²/2)
  const chirp = `0.5*sin(2*PI*(${TONE_BASE_HZ}*${T}+${TONE_HZ_PER_S / 2}*${T}*${T}))`;
  const source = input.kind === 'tone' ? ['-re', '-f', 'lavfi', '-i', `aevalsrc=exprs='${chirp}':s=48000`] : ['-re', '-i', input.path];
  const url = `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=${RTP_PACKET_BYTES}`;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', ...source,
    // Constrained VBR: `--podcast-kbps` is what the tree carries and what a listener records (plain
    // VBR spent ~100 kbit/s of a "64 kbit/s" stream on the test chirp).
    '-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', `${kbps}k`, '-vbr', 'constrained', '-ar', '48000', '-ac', '2', '-application', 'audio',
    '-frame_duration', '20', '-payload_type', String(PAYLOAD_TYPES.podcast), '-f', 'rtp', url,
    '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(LEVEL_RATE), '-f', 's16le', 'pipe:1',
  ];
}

/** RMS and peak of 16-bit samples, dBFS (silence is -100). */
export function levelDb(samples: Int16Array): { rmsDb: number; peakDb: number } {
  let sum = 0;
  let peak = 0;
  for (const s of samples) {
    sum += s * s;
    peak = Math.max(peak, Math.abs(s));
  }
  const db = (x: number) => (x > 0 ? Math.max(-100, Math.round(20 * Math.log10(x / 32768) * 10) / 10) : -100);
  return { rmsDb: db(Math.sqrt(sum / Math.max(1, samples.length))), peakDb: db(peak) };
}

export class PodcastSource implements MediaSource {
  readonly title: string;
  #pending: Buffer = Buffer.alloc(0);

  private constructor(
    readonly ffmpeg: FfmpegSource,
    input: PodcastInput,
  ) {
    this.title = podcastTitle(input);
  }

  /** Starts ffmpeg; resolves once the first Opus packet arrived. FILE_NOT_FOUND, BAD_AUDIO, MISSING_TOOL. */
  static async start(opts: PodcastSourceOptions): Promise<PodcastSource> {
    if (opts.input.kind === 'file' && !(existsSync(opts.input.path) && statSync(opts.input.path).isFile())) {
      throw new CamvidError('FILE_NOT_FOUND', `No audio file at ${opts.input.path}.`);
    }
    let self: PodcastSource | null = null;
    const early: Buffer[] = [];
    const ffmpeg = await FfmpegSource.launch({
      kinds: ['podcast'],
      args: (ports) => podcastArgs(opts.input, opts.kbps ?? PODCAST_DEFAULT_KBPS, ports.podcast!),
      ffmpegPath: opts.ffmpegPath,
      failCode: 'BAD_AUDIO',
      onStdout: (chunk) => (self ? self.#samples(chunk, opts.onLevel) : early.push(chunk)),
    });
    self = new PodcastSource(ffmpeg, opts.input);
    for (const chunk of early) self.#samples(chunk, opts.onLevel);
    return self;
  }

  /** Resolves when the input ended (a file played to its end) or the source was closed. */
  get ended(): Promise<void> {
    return this.ffmpeg.exited;
  }

  attach(deliver: (kind: MediaKind, packet: Buffer) => void): void {
    this.ffmpeg.attach(deliver);
  }

  requestKeyframe(): void {}

  close(): Promise<void> {
    return this.ffmpeg.close();
  }

  #samples(chunk: Buffer, onLevel: PodcastSourceOptions['onLevel']): void {
    if (!onLevel) return;
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const bytes = LEVEL_WINDOW * 2;
    while (this.#pending.length >= bytes) {
      const window = Buffer.from(this.#pending.subarray(0, bytes));
      this.#pending = this.#pending.subarray(bytes);
      const { rmsDb, peakDb } = levelDb(new Int16Array(window.buffer, window.byteOffset, LEVEL_WINDOW));
      try {
        onLevel(rmsDb, peakDb);
      } catch (err) {
        log.warn('a level listener failed', err);
      }
    }
  }
}
