/**
 * A headless camera for labs, tests and benchmarks: ffmpeg (the Debian package) encodes VP8 +
 * Opus and sends RTP to two UDP sockets this source binds on 127.0.0.1; the agent forwards it like
 * the instructor's browser stream. `testsrc` is a moving test pattern with a tone; any other
 * input is handed to ffmpeg's `-i` (a file loops).
 *
 * ffmpeg has no RTCP path back from us, so it cannot answer a key frame request: it forces a key
 * frame every KEYFRAME_SECONDS instead, which bounds a newcomer's wait for a picture. The source
 * owns the ffmpeg process and both sockets; ffmpeg is started under `setpriv --pdeathsig` where
 * available, so a `kill -9`ed agent does not leave an encoder running.
 *
 * `FfmpegSource.launch` is the general form: any ffmpeg command line that sends RTP of some kinds
 * to the ports it is given (the podcast sends Opus only, and raw samples on stdout for its level
 * meter: node-agent/podcast/podcast-source.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { CamvidError, type ErrorCode } from '../../protocol/errors.js';
import { CLOCK_RATES, PAYLOAD_TYPES, type MediaKind } from '../../protocol/media.js';
import { createLogger } from '../log.js';
import type { MediaSource } from './media-relay.js';

const log = createLogger('agent:ffmpeg');
export const KEYFRAME_SECONDS = 1;
const START_TIMEOUT_MS = 10_000;
const SETPRIV = '/usr/bin/setpriv';
/** Under the tracks' 1220-byte message limit (1280-byte MTU minus SRTP/UDP/IPv6 overhead). */
const RTP_PACKET_BYTES = 1200;

export interface FfmpegSourceOptions {
  /** `testsrc` or an ffmpeg input (file, device, URL) */
  input: string;
  /** WxH; default 640x360 for testsrc, the input's own size otherwise */
  size?: string;
  fps?: number;
  videoKbps?: number;
  audioKbps?: number;
  ffmpegPath?: string;
  /**
   * The camera in SIMULCAST_LAYERS simulcast layers (`--simulcast`): the size at ¼, ½ and whole,
   * at 150 kbit/s, 500 kbit/s and `videoKbps`, each its own encoder and RTP stream; headless
   * tests and benchmarks get what the instructor's page sends (web-ui/simulcast.ts).
   */
  simulcast?: boolean;
}

/** The layers of a simulcast testsrc camera, lowest first: scale divisor and bitrate (the top one's is `videoKbps`). */
export const SIMULCAST_LAYERS = [
  { divisor: 4, kbps: 150 },
  { divisor: 2, kbps: 500 },
  { divisor: 1, kbps: 0 },
] as const;

/** `testsrc` or `ffmpeg:<input>` (the `--source` and `--screen` of `camvid host`); throws TypeError otherwise. */
export function parseSourceSpec(spec: string, flag = '--source'): { input: string } {
  if (spec === 'testsrc') return { input: 'testsrc' };
  if (spec.startsWith('ffmpeg:') && spec.length > 'ffmpeg:'.length) return { input: spec.slice('ffmpeg:'.length) };
  throw new TypeError(`${flag} must be "testsrc" or "ffmpeg:<input>", got "${spec}"`);
}

/** `ports.video`: one port, or with `simulcast` one per layer, lowest first. */
export function ffmpegArgs(opts: FfmpegSourceOptions, ports: { video: number | readonly number[]; audio: number }): string[] {
  const fps = opts.fps ?? 30;
  const gop = Math.max(1, Math.round(fps * KEYFRAME_SECONDS));
  const input: string[] =
    opts.input === 'testsrc'
      ? ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '640x360'}:rate=${fps}`, '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000']
      : [...(existsSync(opts.input) && statSync(opts.input).isFile() ? ['-re', '-stream_loop', '-1'] : []), '-i', opts.input];
  const audioMap = opts.input === 'testsrc' ? '1:a:0' : '0:a:0?';
  const url = (port: number) => `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=${RTP_PACKET_BYTES}`;
  const vp8 = (kbps: number, port: number) => [
    '-r', String(fps), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`,
    '-g', String(gop), '-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`, '-auto-alt-ref', '0', '-error-resilient', '1',
    '-payload_type', String(PAYLOAD_TYPES.video), '-f', 'rtp', url(port),
  ];
  const scale = opts.size && opts.input !== 'testsrc' ? `scale=${opts.size.replace('x', ':')},` : '';
  const videoPorts = typeof ports.video === 'number' ? [ports.video] : ports.video;
  const video = opts.simulcast
    ? [
        '-filter_complex',
        `[0:v:0]${scale}split=${SIMULCAST_LAYERS.length}${SIMULCAST_LAYERS.map((_, i) => `[s${i}]`).join('')};` +
          SIMULCAST_LAYERS.map((l, i) => `[s${i}]scale=trunc(iw/${l.divisor * 2})*2:trunc(ih/${l.divisor * 2})*2[l${i}]`).join(';'),
        ...SIMULCAST_LAYERS.flatMap((l, i) => ['-map', `[l${i}]`, ...vp8(l.kbps || (opts.videoKbps ?? 1800), videoPorts[i]!)]),
      ]
    : ['-map', '0:v:0', ...(scale ? ['-vf', scale.slice(0, -1)] : []), ...vp8(opts.videoKbps ?? 800, videoPorts[0]!)];
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', ...input, ...video,
    '-map', audioMap, '-c:a', 'libopus', '-b:a', `${opts.audioKbps ?? 64}k`, '-ar', String(CLOCK_RATES.audio), '-application', 'lowdelay',
    '-frame_duration', '20', '-payload_type', String(PAYLOAD_TYPES.audio), '-f', 'rtp', url(ports.audio),
  ];
}

/** Any ffmpeg command line that sends RTP of `kinds` to the ports it is given. */
export interface FfmpegLaunch {
  kinds: readonly MediaKind[];
  /** `kinds[0]` in this many simulcast layers, a socket (and port) each, lowest first */
  layers?: number;
  /** `layerPorts`: with `layers`, the port of each layer (`ports[kinds[0]]` is the first) */
  args(ports: Partial<Record<MediaKind, number>>, layerPorts: number[]): string[];
  ffmpegPath?: string;
  /** what ffmpeg writes to stdout (otherwise ignored) */
  onStdout?(chunk: Buffer): void;
  /** the code of the error when ffmpeg exits before its first packet (default BAD_MESSAGE) */
  failCode?: ErrorCode;
}

/** One of the source's sockets: what arrives on it is `kind` (of simulcast `layer`). */
interface Stream {
  kind: MediaKind;
  layer?: number;
  socket: dgram.Socket;
}

export class FfmpegSource implements MediaSource {
  #deliver: ((kind: MediaKind, packet: Buffer, layer?: number) => void) | null = null;
  #closing: Promise<void> | null = null;
  #stderr = '';
  /** resolves when ffmpeg exits by itself (a file played to its end) or is stopped */
  readonly exited: Promise<void>;

  private constructor(
    readonly proc: ChildProcess,
    private readonly streams: readonly Stream[],
  ) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        if (!this.#closing && code !== 0) log.warn(`ffmpeg stopped (${signal ?? code}): ${this.#stderr.trim().slice(-500)}`);
        resolve();
      }),
    );
    for (const { kind, layer, socket } of streams) {
      // Bound to 127.0.0.1, so only local processes reach it. ffmpeg sends RTP and RTCP from two
      // different ports, so there is no single sender to lock onto; the relay validates every packet.
      socket.on('message', (msg) => this.#deliver?.(kind, msg, layer));
      socket.on('error', (err) => log.warn(`${kind} socket: ${err.message}`)); // an 'error' without a listener would throw
    }
  }

  /** Starts ffmpeg as the camera (VP8 + Opus) and resolves once its first video packet arrived. */
  static start(opts: FfmpegSourceOptions): Promise<FfmpegSource> {
    return FfmpegSource.launch({
      kinds: ['video', 'audio'],
      ...(opts.simulcast && { layers: SIMULCAST_LAYERS.length }),
      args: (ports, layerPorts) => ffmpegArgs(opts, { video: opts.simulcast ? layerPorts : ports.video!, audio: ports.audio! }),
      ffmpegPath: opts.ffmpegPath,
    });
  }

  /** Starts ffmpeg with a socket per kind and resolves once the first packet of `kinds[0]` arrived. */
  static async launch(launch: FfmpegLaunch): Promise<FfmpegSource> {
    const streams: Stream[] = [];
    let source: FfmpegSource;
    try {
      const ports: Partial<Record<MediaKind, number>> = {};
      const layerPorts: number[] = [];
      const wanted = launch.kinds.flatMap((kind, i) => (i === 0 && launch.layers ? Array.from({ length: launch.layers }, (_, layer) => ({ kind, layer })) : [{ kind }]));
      for (const w of wanted) {
        const s = dgram.createSocket('udp4');
        streams.push({ ...w, socket: s });
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(0, '127.0.0.1', () => {
            s.off('error', reject);
            resolve();
          });
        });
        s.setRecvBufferSize?.(1 << 20);
        const port = s.address().port;
        ports[w.kind] ??= port;
        if ('layer' in w) layerPorts.push(port);
      }
      const args = launch.args(ports, layerPorts);
      const ffmpeg = launch.ffmpegPath ?? 'ffmpeg';
      const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', ffmpeg, ...args]] : [ffmpeg, args];
      // spawn throws at once on an argument it cannot pass (a NUL byte in a path)
      const proc = spawn(cmd, argv, { stdio: ['ignore', launch.onStdout ? 'pipe' : 'ignore', 'pipe'] });
      if (launch.onStdout) proc.stdout?.on('data', launch.onStdout);
      source = new FfmpegSource(proc, streams);
    } catch (err) {
      // No source owns the sockets yet: close every one opened (one that failed to bind too).
      for (const s of streams) s.socket.close();
      throw err;
    }
    const { proc } = source;
    const first = streams[0]!.socket;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new CamvidError('TIMEOUT', `ffmpeg produced no ${launch.kinds[0]} within 10 s.`)), START_TIMEOUT_MS);
        const done = (err?: Error) => {
          clearTimeout(timer);
          first.off('message', onFirst);
          if (err) reject(err);
          else resolve();
        };
        const onFirst = () => done();
        first.once('message', onFirst);
        proc.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' ? missingFfmpeg() : err));
        proc.once('exit', (code) => {
          // setpriv reports a missing program as exit 127 with "No such file" on stderr
          setTimeout(() => done(code === 127 ? missingFfmpeg() : new CamvidError(launch.failCode ?? 'BAD_MESSAGE', `ffmpeg failed: ${source.#stderr.trim().slice(-500)}`)), 50);
        });
      });
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  attach(deliver: (kind: MediaKind, packet: Buffer, layer?: number) => void): void {
    this.#deliver = deliver;
  }

  /** ffmpeg cannot be asked: it sends a key frame every KEYFRAME_SECONDS anyway. */
  requestKeyframe(): void {}

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#deliver = null;
      const proc = this.proc;
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 1000);
        await exited;
        clearTimeout(timer);
      }
      for (const s of this.streams) s.socket.close();
    })();
    return this.#closing;
  }
}

function missingFfmpeg(): CamvidError {
  return new CamvidError('MISSING_TOOL', 'ffmpeg was not found: install the Debian package "ffmpeg" (sudo apt install ffmpeg).');
}
