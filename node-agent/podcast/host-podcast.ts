/**
 * The instructor's side of the podcast: starts and stops the input (ffmpeg), makes it the relay's
 * `podcast` source, tells every member whether a podcast is on, and keeps the list of who is
 * listening from what each member reports over its session. Owned by PodcastService while the
 * agent hosts a room.
 */
import type { ListenerEntry, PodcastStatus } from '../../protocol/podcast.js';
import { background } from '../background.js';
import type { FeatureMemberMessage, RoomHost } from '../overlay/room-host.js';
import { createLogger } from '../log.js';
import type { MediaRelay, MediaSource } from '../media/media-relay.js';
import { TypedEmitter } from '../typed-emitter.js';
import { PodcastSource, type PodcastInput } from './podcast-source.js';

const log = createLogger('agent:podcast');
const OFF: PodcastStatus = { on: false, title: null, since: null };

/** What the podcast can play from: ffmpeg (PodcastSource) or the instructor's page (podcast-mic.ts). */
export interface PodcastFeed extends MediaSource {
  readonly title: string;
  /** resolves when the input is over (a file played to its end, the page went away) */
  readonly ended: Promise<void>;
}

export type HostPodcastEvents = {
  status: [status: PodcastStatus];
  level: [rmsDb: number, peakDb: number];
  listeners: [listeners: ListenerEntry[]];
};

export class HostPodcast extends TypedEmitter<HostPodcastEvents> {
  #status: PodcastStatus = OFF;
  #source: PodcastFeed | null = null;
  /** bumps with every start and stop, so a slow start that lost the race is closed, not used */
  #generation = 0;
  readonly #listeners = new Map<string, ListenerEntry>();
  readonly #disposables: (() => void)[] = [];
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly relay: MediaRelay,
  ) {
    super();
    this.#disposables.push(
      host.on('feature', (id, msg) => this.#onMember(id, msg)),
      host.on('roster', (members) => {
        const present = new Set(members.map((m) => m.id));
        let changed = false;
        for (const id of this.#listeners.keys()) if (!present.has(id)) changed = this.#listeners.delete(id) || changed;
        if (changed) this.emit('listeners', this.listeners);
      }),
    );
  }

  get status(): PodcastStatus {
    return this.#status;
  }

  get listeners(): ListenerEntry[] {
    return [...this.#listeners.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Starts the podcast from `input`, replacing what was playing. Rejects with FILE_NOT_FOUND, BAD_AUDIO, MISSING_TOOL. */
  start(input: PodcastInput, kbps?: number): Promise<PodcastStatus> {
    return this.play(() => PodcastSource.start({ input, kbps, onLevel: (rms, peak) => this.emit('level', rms, peak) }));
  }

  /**
   * Starts the podcast from whatever `open` makes, replacing what was playing. The relay owns the
   * source from then on (it closes the one it replaces, and this one when its slot is cleared or
   * it closes): this class closes only a source that lost a race and was never handed over.
   */
  async play(open: () => Promise<PodcastFeed>): Promise<PodcastStatus> {
    const generation = ++this.#generation;
    const source = await open();
    if (generation !== this.#generation || this.#closed) {
      await source.close();
      return this.#status;
    }
    this.#source = source;
    const replaced = this.relay.setSource(source, 'podcast');
    // The file played to its end, or the page that was the microphone went away: the podcast is over.
    background(
      source.ended.then(async () => {
        if (this.#source === source) await this.stop();
      }),
      log,
      'stopping the podcast at its end',
    );
    this.#setStatus({ on: true, title: source.title, since: Date.now() });
    log.debug(`podcast on: ${source.title}`);
    await replaced;
    return this.#status;
  }

  /** Stops the podcast: the relay clears its slot and closes the source (unless it already has). */
  async stop(): Promise<void> {
    this.#generation++;
    const source = this.#source;
    this.#source = null;
    if (this.#status.on) this.#setStatus(OFF);
    if (source && this.relay.source('podcast') === source) await this.relay.setSource(null, 'podcast');
  }

  /** Idempotent: every call gets the same promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const d of this.#disposables.splice(0).reverse()) d();
      await this.stop();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #onMember(id: string, msg: FeatureMemberMessage): void {
    if (msg.type !== 'podcast-listener') return;
    const name = this.host.memberName(id);
    if (!name || this.host.admit('podcast', id) > 0) return;
    const before = JSON.stringify(this.#listeners.get(id) ?? null);
    if (msg.state === 'off') this.#listeners.delete(id);
    else this.#listeners.set(id, { id, name, state: msg.state, behindMs: msg.behindMs });
    if (JSON.stringify(this.#listeners.get(id) ?? null) !== before) this.emit('listeners', this.listeners);
    // Every report is answered with the status: a member that just (re)joined learns it this way.
    this.host.sendTo(id, { type: 'podcast-status', ...this.#status });
  }

  #setStatus(status: PodcastStatus): void {
    this.#status = status;
    this.host.broadcast({ type: 'podcast-status', ...status });
    this.emit('status', status);
  }
}
