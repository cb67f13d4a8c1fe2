/**
 * This agent listening to the podcast: every packet the relay accepts on the `podcast` track is
 * recorded by a PodcastPlayer, and what the player plays goes out through one Downstream (the same
 * per-receiver rewriting the tree uses: our SSRC, continuous numbering across pauses and seeks, a
 * clock that advances by the real time that passed) to the page's loopback track, when a page is
 * connected. Without a page (headless `--podcast-listen`) the played packets go nowhere, which
 * still exercises the pacing and lets the bench trace them.
 */
import { randomInt } from 'node:crypto';
import { parseRtp } from '../../protocol/media.js';
import { Downstream } from '../media/downstream.js';
import type { MediaRelay } from '../media/media-relay.js';
import { TypedEmitter } from '../typed-emitter.js';
import { PodcastPlayer, type PlayerClock, REAL_CLOCK } from './podcast-player.js';

/** Sends one packet to the page; false when it cannot go out now (Downstream retries). */
export type PodcastSink = (packet: Buffer) => boolean;

export type PodcastListeningEvents = {
  /** a traced packet handed to the page (upstream sequence number, monotonic µs), for the bench */
  trace: [t: { seq: number; us: number }];
};

export class PodcastListening extends TypedEmitter<PodcastListeningEvents> {
  readonly player: PodcastPlayer;
  readonly #downstream: Downstream;
  readonly #untap: () => void;
  #sink: PodcastSink | null = null;
  #traceEvery = 0;

  /** `ssrc`: what the pages were told for the podcast track (the same for every page of this agent) */
  constructor(
    relay: Pick<MediaRelay, 'onPacket'>,
    capMs: number,
    readonly ssrc: number = randomInt(1, 2 ** 32 - 1),
    clock: PlayerClock = REAL_CLOCK,
  ) {
    super();
    this.#downstream = new Downstream(
      { id: 'local:podcast', ssrc: (kind) => (kind === 'podcast' ? this.ssrc : undefined), send: (_kind, p) => (this.#sink ? this.#sink(p) : true) },
      { keyframeNeeded: () => {}, nackUpstream: () => {} },
    );
    this.player = new PodcastPlayer(
      capMs,
      {
        play: (packet) => {
          const rtp = parseRtp(packet);
          if (!rtp) return; // the relay validated it on the way in; a buffer bug must not throw here
          if (this.#traceEvery > 0 && rtp.seq % this.#traceEvery === 0) this.emit('trace', { seq: rtp.seq, us: Number(process.hrtime.bigint() / 1000n) });
          this.#downstream.push('podcast', packet, rtp, false);
        },
        discontinuity: () => this.#downstream.resync('podcast'),
      },
      clock,
    );
    this.#untap = relay.onPacket('podcast', (packet) => this.player.record(packet));
  }

  /** Where played packets go (the page's track), or nowhere. */
  setSink(sink: PodcastSink | null): void {
    this.#sink = sink;
  }

  setTraceEvery(n: number): void {
    this.#traceEvery = n;
  }

  /** Packets that went out to the page (or nowhere, without one). */
  get sent(): number {
    return this.#downstream.counters.packets;
  }

  close(): void {
    this.#untap();
    this.player.close();
    this.#downstream.close();
    this.removeAllListeners();
  }
}
