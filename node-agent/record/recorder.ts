/**
 * One recording (docs/record.md): the RTP the host's relay accepts for the camera (VP8) and the
 * microphone (Opus), or for the shared screen and its sound, is copied, packet by packet, to an
 * ffmpeg that writes it into a WebM file
 * without re-encoding (`-c copy`: the agent's CPU cost is a UDP send per packet, ffmpeg's a remux).
 * Why ffmpeg rather than a muxer from npm: the agent already depends on Debian's ffmpeg for the
 * headless camera and the podcast; ffmpeg's RTP depacketizers handle VP8 partitions and Opus, its
 * WebM muxer writes cues on a clean end (seeking) and a cluster at least every second, so what was
 * written up to a crash stays playable; the npm muxers we looked at take encoded frames
 * from a browser's MediaRecorder, not RTP.
 *
 * A stop sends ffmpeg `q`, and it ends the file (cues, duration). ffmpeg reads `q` only between
 * packets: when none come any more (a shared screen that stopped), its RTP input gives up by itself
 * 10 s after the last one and ends the file just as cleanly, so a stop then waits for that instead
 * of a signal (which would cut the trailer). ffmpeg runs under `setpriv
 * --pdeathsig TERM`: when the agent dies (`kill -9`) ffmpeg gets SIGTERM and ends the file with what
 * it had. (With `-flush_packets 1` a SIGTERM aborted the trailer's writes: no duration.) The recorder owns ffmpeg,
 * its UDP sender socket and the SDP file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { CLOCK_RATES, PAYLOAD_TYPES, type MediaKind, type VideoKind } from '../../protocol/media.js';
import { createLogger } from '../log.js';
import type { MediaRelay } from '../media/media-relay.js';

const log = createLogger('agent:recording');
const SETPRIV = '/usr/bin/setpriv';
/** the folder of the share recordings go to */
export const RECORDINGS_DIR = 'recordings';
/** how long ffmpeg gets to end the file after `q` before it is killed (SIGTERM at half of it) */
const STOP_TIMEOUT_MS = 5000;
/** when no packet came after `q`, ffmpeg ends by itself (its RTP input's 10 s timeout); killed after this */
const IDLE_STOP_TIMEOUT_MS = 16_000;
/** how often a key frame is asked for until ffmpeg has one */
const KEYFRAME_ASK_MS = 1000;

/** Free bytes on the disk holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Two free UDP ports p (even, RTP) and p + 1 (RTCP) on 127.0.0.1 for ffmpeg to listen on. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + 2 * Math.floor(Math.random() * 20000);
    const sockets = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    const ok = await Promise.all(
      sockets.map((s, j) => new Promise<boolean>((resolve) => s.once('error', () => resolve(false)).bind(p + j, '127.0.0.1', () => resolve(true)))),
    );
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())).catch(() => {})));
    if (ok.every(Boolean)) return p;
  }
  throw new CamvidError('CLOSED', 'No free UDP ports for the recorder.');
}

/** What a recording holds: the camera with the microphone, or the shared screen with its sound. */
export type RecordedTrack = 'camera' | 'screen';
const KINDS: Record<RecordedTrack, { video: VideoKind; audio: MediaKind }> = {
  camera: { video: 'video', audio: 'audio' },
  screen: { video: 'screen', audio: 'screen-audio' },
};

export function recordingSdp(ports: { video: number; audio: number }, track: RecordedTrack = 'camera'): string {
  const { video, audio } = KINDS[track];
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=CAMVID recording',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=video ${ports.video} RTP/AVP ${PAYLOAD_TYPES[video]}`,
    `a=rtpmap:${PAYLOAD_TYPES[video]} VP8/${CLOCK_RATES[video]}`,
    `m=audio ${ports.audio} RTP/AVP ${PAYLOAD_TYPES[audio]}`,
    `a=rtpmap:${PAYLOAD_TYPES[audio]} opus/${CLOCK_RATES[audio]}/2`,
    '',
  ].join('\n');
}

export interface RecorderOptions {
  relay: MediaRelay;
  /** the share folder; the file goes to its `recordings/` */
  shareDir: string;
  /** the file's name without folder or extension */
  name: string;
  /** default camera */
  track?: RecordedTrack;
  ffmpegPath?: string;
}

export class Recorder {
  readonly started = Date.now();
  #stopping: Promise<void> | null = null;
  readonly #offs: (() => void)[] = [];
  readonly #exited: Promise<void>;
  #stderr = '';
  /** what ffmpeg says it has written (`-progress`), ahead of the file's size on disk */
  #written = 0;
  #lastPacketAt = Date.now();

  private constructor(
    readonly file: string,
    /** the file relative to the share */
    readonly rel: string,
    private readonly proc: ChildProcess,
    private readonly socket: dgram.Socket,
    private readonly sdpPath: string,
  ) {
    this.#exited = new Promise((r) => proc.once('exit', () => r()));
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-2000)));
    // `-progress pipe:1`: key=value lines every second; total_size is what the muxer has written.
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      for (const m of d.matchAll(/^total_size=(\d+)$/gm)) this.#written = Math.max(this.#written, Number(m[1]));
    });
  }

  /** Starts ffmpeg on a new file and copies the relay's camera and microphone (or screen) RTP to it. */
  static async start(opts: RecorderOptions): Promise<Recorder> {
    const dir = path.join(opts.shareDir, RECORDINGS_DIR);
    await mkdir(dir, { recursive: true });
    let name = `${opts.name}.webm`;
    for (let n = 2; existsSync(path.join(dir, name)); n++) name = `${opts.name}-${n}.webm`;
    const file = path.join(dir, name);
    const [video, audio] = [await freePortPair(), await freePortPair()];
    const sdpPath = path.join(os.tmpdir(), `camvid-rec-${process.pid}-${video}.sdp`);
    const track = opts.track ?? 'camera';
    const kinds = KINDS[track];
    await writeFile(sdpPath, recordingSdp({ video: video!, audio: audio! }, track), { mode: 0o600 });
    const args = [
      '-hide_banner', '-loglevel', 'error', '-progress', 'pipe:1', '-stats_period', '1', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath,
      '-map', '0', '-c', 'copy', '-f', 'webm', '-cluster_time_limit', '1000', file,
    ];
    const ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
    const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'TERM', '--', ffmpeg, ...args]] : [ffmpeg, args];
    let proc: ChildProcess;
    try {
      // stdin: `q` ends the file cleanly (a signal would also abort ffmpeg's last writes)
      proc = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      await rm(sdpPath, { force: true });
      throw err;
    }
    const socket = dgram.createSocket('udp4');
    const rec = new Recorder(file, path.posix.join(RECORDINGS_DIR, name), proc, socket, sdpPath);
    const failed = await new Promise<Error | null>((resolve) => {
      proc.once('error', (err: NodeJS.ErrnoException) =>
        resolve(err.code === 'ENOENT' ? new CamvidError('MISSING_TOOL', 'ffmpeg was not found: install the Debian package "ffmpeg".') : err),
      );
      proc.once('exit', (code) => resolve(code === 127 ? new CamvidError('MISSING_TOOL', 'ffmpeg was not found: install the Debian package "ffmpeg".') : new CamvidError('CLOSED', `ffmpeg stopped: ${rec.#stderr.trim().slice(-300)}`)));
      setTimeout(() => resolve(null), 400); // ffmpeg listening: it reads the SDP and binds at once
    });
    if (failed) {
      await rec.stop();
      throw failed;
    }
    const send = (port: number) => (packet: Buffer) => {
      rec.#lastPacketAt = Date.now();
      socket.send(packet, port, '127.0.0.1');
    };
    rec.#offs.push(opts.relay.onPacket(kinds.video, send(video!)), opts.relay.onPacket(kinds.audio, send(audio!)));
    // ffmpeg learns the picture's size from a key frame, and a browser sends one only when asked:
    // ask every second until ffmpeg has written the file's header (one asked for before it listened is lost)
    opts.relay.requestKeyframe(kinds.video);
    const asking = setInterval(() => {
      void rec.bytes().then((n) => (n > 0 || rec.#stopping ? clearInterval(asking) : opts.relay.requestKeyframe(kinds.video)));
    }, KEYFRAME_ASK_MS);
    asking.unref();
    rec.#offs.push(() => clearInterval(asking));
    log.info(`recording to ${file}`);
    return rec;
  }

  /** ffmpeg stopped by itself (it failed): why, else null while it runs. */
  get failure(): string | null {
    return this.proc.exitCode !== null && !this.#stopping ? `ffmpeg stopped: ${this.#stderr.trim().slice(-300) || `exit ${this.proc.exitCode}`}` : null;
  }

  /**
   * How much is recorded: ffmpeg's own count, or the file's size when that is more. The file alone
   * grows in 256 KiB steps (ffmpeg's write buffer): a thumbnail camera at 150 kbit/s showed
   * "0.0 MB" for its first 13 s, as if nothing were recorded.
   */
  async bytes(): Promise<number> {
    return Math.max(this.#written, (await stat(this.file).catch(() => null))?.size ?? 0);
  }

  /**
   * Stops copying and lets ffmpeg end the file (cues, duration); resolves once it has. With
   * `sourceGone` (the shared screen stopped) nothing more is copied from now on, not even a next
   * share's packets, and ffmpeg ends by its input's timeout.
   */
  stop(opts: { sourceGone?: boolean } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      const proc = this.proc;
      if (opts.sourceGone) for (const off of this.#offs.splice(0)) off();
      if (proc.exitCode === null && proc.signalCode === null) {
        // ffmpeg reads `q` between packets: the RTP keeps coming until it is out (or, when it has
        // stopped coming, ffmpeg's input times out and ends the file: no signal before that)
        proc.stdin?.end('q\n');
        const askedAt = Date.now();
        const reading = () => this.#lastPacketAt > askedAt; // a packet came since `q`: ffmpeg has read it
        const timers = [
          setTimeout(() => reading() && proc.kill('SIGTERM'), STOP_TIMEOUT_MS / 2),
          setTimeout(() => reading() && proc.kill('SIGKILL'), STOP_TIMEOUT_MS),
          setTimeout(() => proc.kill('SIGTERM'), IDLE_STOP_TIMEOUT_MS - STOP_TIMEOUT_MS / 2),
          setTimeout(() => proc.kill('SIGKILL'), IDLE_STOP_TIMEOUT_MS),
        ];
        await this.#exited;
        timers.forEach(clearTimeout);
      }
      for (const off of this.#offs.splice(0)) off();
      await new Promise<void>((r) => this.socket.close(() => r()));
      await rm(this.sdpPath, { force: true });
    })();
    return this.#stopping;
  }
}
