/**
 * Recording the lecture on the instructor's agent (docs/record.md): Record on the page, `camvid
 * host --record`, or `record start|stop` on its stdin. One file per recording in `recordings/` of
 * the share (recorder.ts), so students list and download it like any shared file, and beside it one
 * `…-screen.webm` per time the screen was shared during the recording (the relay's `source` event). Refused with
 * DISK_FULL when the share's disk has less than `minFreeBytes` free; stopped by itself when a
 * recording brings it under half of that. The page hears the file's size and the free space every
 * 2 s. A feature of the agent (node-agent/features.ts); the room's end stops the recording.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { RecordingStatus } from '../../protocol/recording.js';
import { background } from '../background.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import type { FileService } from '../files/file-service.js';
import { createLogger } from '../log.js';
import type { MediaRelay } from '../media/media-relay.js';
import { TypedEmitter } from '../typed-emitter.js';
import { freeBytes, Recorder } from './recorder.js';

const log = createLogger('agent:recording');
/** default free space a recording needs to start: 720p VP8 + Opus is ~10 MB a minute, so ~1.5 h */
export const DEFAULT_MIN_FREE_BYTES = 1024 ** 3;
const STATUS_PERIOD_MS = 2000;

export type RecordingEvents = { status: [status: RecordingStatus] };

export class RecordingService extends TypedEmitter<RecordingEvents> implements Feature {
  /** free space a recording needs to start (it stops itself under half of it) */
  minFreeBytes = DEFAULT_MIN_FREE_BYTES;
  ffmpegPath: string | undefined;
  #rec: Recorder | null = null;
  /** the recording being finished after a stop: the status names it until it is saved */
  #saving: Recorder | null = null;
  /** the shared screen's recorder, while the screen is shared during a recording */
  #screen: Recorder | null = null;
  #lastScreen: { file: string; bytes: number; started: number } | null = null;
  /** screen recorders start one after another, in the order asked */
  #screenOps: Promise<void> = Promise.resolve();
  /** screen files being ended (a share that stopped ends its file ~10 s later: recorder.ts) */
  readonly #ending = new Set<Promise<void>>();
  /** the recording's file name, without extension: the screen's files take it with `-screen` */
  #name = '';
  readonly #offSource: () => void;
  #starting: Promise<RecordingStatus> | null = null;
  #stopping: Promise<RecordingStatus> | null = null;
  #last: { file: string; bytes: number; stopped?: string } | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly agent: FeatureHost,
    private readonly relay: MediaRelay,
    private readonly files: FileService,
  ) {
    super();
    agent.ui.handle('record-start', () => this.start());
    agent.ui.handle('record-stop', () => this.stop());
    agent.ui.handle('record-status', () => this.status());
    this.#offSource = relay.on('source', (slot, on) => {
      if (slot === 'screen') this.#followScreen(on);
    });
  }

  async status(): Promise<RecordingStatus> {
    const dir = this.files.shareDir;
    const free = dir ? await freeBytes(dir).catch(() => 0) : 0;
    const rec = this.#rec;
    const last = this.#lastScreen;
    const screen = this.#screen ? { file: this.#screen.rel, bytes: await this.#screen.bytes() } : last && { file: last.file, bytes: last.bytes };
    const withScreen = screen ? { screen } : {};
    if (rec) return { recording: true, file: rec.rel, bytes: await rec.bytes(), freeBytes: free, since: rec.started, ...withScreen };
    const saving = this.#saving;
    if (saving) return { recording: false, saving: true, file: saving.rel, bytes: await saving.bytes(), freeBytes: free, since: null, ...withScreen };
    return { recording: false, file: this.#last?.file ?? null, bytes: this.#last?.bytes ?? 0, freeBytes: free, since: null, ...(this.#last?.stopped ? { stopped: this.#last.stopped } : {}), ...withScreen };
  }

  start(): Promise<RecordingStatus> {
    if (this.#rec) return this.status();
    // a Record while the last one is being saved starts once it is
    this.#starting ??= (this.#stopping?.catch(() => {}) ?? Promise.resolve()).then(() => this.#start()).finally(() => (this.#starting = null));
    return this.#starting;
  }

  async #start(): Promise<RecordingStatus> {
    const room = this.agent.room;
    if (!room?.host) throw new CamvidError('NOT_IN_ROOM', 'Only the instructor of a room records it.');
    const dir = this.files.shareDir;
    if (!dir) throw new CamvidError('FILE_NOT_FOUND', 'Recordings go into the shared folder, where students download them: share a folder first.');
    const free = await freeBytes(dir);
    if (free < this.minFreeBytes) {
      throw new CamvidError('DISK_FULL', `The disk of ${dir} has ${mb(free)} free; recording needs at least ${mb(this.minFreeBytes)}. Free some space first.`);
    }
    const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-');
    const name = `${room.host.roomName.replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, 60)}-${stamp}`;
    const rec = await Recorder.start({ relay: this.relay, shareDir: dir, name, ffmpegPath: this.ffmpegPath });
    if (this.agent.room !== room) {
      await rec.stop();
      throw new CamvidError('NOT_IN_ROOM', 'The room ended before the recording started.');
    }
    this.#rec = rec;
    this.#name = name;
    this.#last = null;
    this.#lastScreen = null;
    if (this.relay.source('screen')) this.#followScreen(true);
    this.#timer = setInterval(() => background(this.#check(), log, 'checking the recording'), STATUS_PERIOD_MS);
    this.#timer.unref();
    return this.#push();
  }

  /** Stops the recording (if any); resolves once the file is complete (every caller, however many). */
  stop(stopped?: string): Promise<RecordingStatus> {
    if (this.#stopping) return this.#stopping;
    const rec = this.#rec;
    if (!rec) return this.status();
    this.#stopping = this.#stop(rec, stopped).finally(() => (this.#stopping = null));
    return this.#stopping;
  }

  async #stop(rec: Recorder, stopped?: string): Promise<RecordingStatus> {
    this.#rec = null;
    this.#saving = rec;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#screenOps = this.#screenOps.then(() => this.#endScreen(false));
    try {
      await this.#push();
      await Promise.all([rec.stop(), this.#screenOps.then(() => Promise.all(this.#ending))]);
      this.#last = { file: rec.rel, bytes: await rec.bytes(), ...(stopped ? { stopped } : {}) };
    } finally {
      this.#saving = null;
    }
    if (stopped) log.warn(`recording stopped: ${stopped}`);
    return this.#push();
  }

  /**
   * Starts or ends the screen's file: the screen was shared or stopped during a recording, or the
   * recording started or stopped while it was shared. A failure costs the screen's file only.
   */
  #followScreen(on: boolean): void {
    this.#screenOps = this.#screenOps.then(async () => {
      const shareDir = this.files.shareDir;
      if (on && this.#rec && !this.#screen && this.relay.source('screen') && shareDir) {
        try {
          this.#screen = await Recorder.start({ relay: this.relay, shareDir, name: `${this.#name}-screen`, track: 'screen', ffmpegPath: this.ffmpegPath });
        } catch (err) {
          return log.warn('recording the shared screen failed', err);
        }
        if (!this.#rec) this.#endScreen(false); // the recording stopped meanwhile
      } else if (!on && this.#screen) {
        this.#endScreen(true);
      } else {
        return;
      }
      await this.#push();
    });
  }

  /**
   * Ends the screen's file in the background: a new share meanwhile starts its own at once. When
   * the share ended (`sourceGone`) ffmpeg takes ~10 s to end the file (recorder.ts).
   */
  #endScreen(sourceGone: boolean): void {
    const screen = this.#screen;
    if (!screen) return;
    this.#screen = null;
    const ending = (async () => {
      await screen.stop({ sourceGone });
      // The status shows the latest share's file, whichever ended last.
      if (!this.#lastScreen || this.#lastScreen.started <= screen.started) {
        this.#lastScreen = { file: screen.rel, bytes: await screen.bytes(), started: screen.started };
      }
      log.info(`shared screen recorded in ${screen.file}`);
      await this.#push();
    })();
    this.#ending.add(ending);
    void ending.catch((err) => log.warn('ending the shared screen’s file failed', err)).finally(() => this.#ending.delete(ending));
  }

  async #check(): Promise<void> {
    const rec = this.#rec;
    if (!rec) return;
    if (rec.failure) return void (await this.stop(rec.failure));
    const status = await this.#push();
    if (status.recording && status.freeBytes < this.minFreeBytes / 2) await this.stop(`the disk has only ${mb(status.freeBytes)} left`);
  }

  async #push(): Promise<RecordingStatus> {
    const status = await this.status();
    this.emit('status', status);
    this.agent.ui.push({ type: 'record-status', status });
    return status;
  }

  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    if (ctx.host) onAbort(signal, () => background(this.stop(), log, 'ending the recording with the room'));
  }

  async close(): Promise<void> {
    await this.#starting?.catch(() => {});
    await this.stop();
    this.#offSource();
    this.removeAllListeners();
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MB`;
