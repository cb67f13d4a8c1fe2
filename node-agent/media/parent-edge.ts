/**
 * An agent's media side of its tree edge to its parent (docs/media.md): what comes down (each
 * camera packet with the layer its SSRC names, edge-downstream.ts `parentLayer`) and what goes up
 * besides the tree's feedback: key frame requests and NACKs, each to the SSRC it is about; the
 * camera layers this agent's subtree wants (`want-layers`, when that changes); and the repair of
 * what the edge lost (hop-repair.ts: the relay owns the HopRepair, so its counters outlive a
 * parent). MediaRelay makes one per parent and closes it when the parent goes.
 */
import { buildNack, buildPli, type MediaKind, type VideoKind } from '../../protocol/media.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { parentLayer, TOP_LAYER } from './edge-downstream.js';
import type { HopRepair } from './hop-repair.js';

/** The SSRC this agent signs its own feedback (PLI, NACK, reports) with; receivers only read the media SSRC. */
export const FEEDBACK_SSRC = 1;
/**
 * How often what the edge lost is looked at (hop-repair.ts asks after REORDER_MS), while something
 * is missing: a clock that ran always was 100 of an idle student's 148 wakeups a second.
 */
const REPAIR_TICK_MS = 10;
/** How often the subtree's wanted layers are compared with what the parent was last told. */
const WANT_LAYERS_MS = 200;

export interface ParentEdgePorts {
  /** a packet from the parent, with its camera layer where the parent sends layers */
  media(kind: MediaKind, packet: Buffer, layer: number | undefined): void;
  /** the camera layers this agent's subtree wants now (edge-downstream.ts `wantedLayers`) */
  wanted(): number[];
}

export class ParentEdge {
  readonly #off: () => void;
  readonly #timers: NodeJS.Timeout[];
  /** runs while the repair waits for a packet */
  #repairTimer: NodeJS.Timeout | null = null;
  /** what the parent was last told the subtree wants; a new parent assumes the top layer alone */
  #wantedSent = String(TOP_LAYER);

  constructor(
    readonly link: PeerLink,
    private readonly repair: HopRepair,
    private readonly ports: ParentEdgePorts,
  ) {
    repair.reset();
    this.#off = link.on('media', (kind, packet) => {
      ports.media(kind, packet, parentLayer(link, kind, packet));
      if (!this.#repairTimer && repair.pending) {
        this.#repairTimer = setInterval(() => this.#tickRepair(), REPAIR_TICK_MS);
        this.#repairTimer.unref();
      }
    });
    this.#timers = [setInterval(() => this.#tellWanted(), WANT_LAYERS_MS)];
    for (const t of this.#timers) t.unref();
  }

  /** Whether the repair's clock runs (only while a packet of the parent's is waited for). */
  get repairing(): boolean {
    return this.#repairTimer !== null;
  }

  /** Asks for a key frame of `kind`: of camera `layer`, or (none given) of each layer in `flowing` (every one announced, if none flows yet). */
  askKeyframe(kind: VideoKind, layer: number | undefined, flowing: readonly number[]): void {
    const all = this.link.remoteSsrcs(kind);
    const layers = layer !== undefined ? [layer] : flowing.length ? flowing : all.map((_, l) => l);
    for (const l of layers) {
      const ssrc = all[l];
      if (ssrc !== undefined) this.link.sendMedia(kind, buildPli(FEEDBACK_SSRC, ssrc));
    }
  }

  /** NACKs `seqs` of `kind` (of camera `layer`) but those this agent already asks for itself; how many went. */
  nack(kind: MediaKind, seqs: number[], layer: number | undefined): number {
    const ssrc = layer === undefined ? this.link.remoteSsrc(kind) : this.link.remoteSsrcs(kind)[layer];
    if (ssrc === undefined) return 0;
    const ask = seqs.filter((seq) => !this.repair.awaiting(ssrc, seq));
    if (ask.length) this.nackSsrc(kind, ssrc, ask);
    return ask.length;
  }

  /** NACKs `seqs` of the stream `ssrc` (the HopRepair's own asks come here). */
  nackSsrc(kind: MediaKind, ssrc: number, seqs: number[]): void {
    this.link.sendMedia(kind, buildNack(FEEDBACK_SSRC, ssrc, seqs));
  }

  close(): void {
    this.#off();
    for (const t of this.#timers) clearInterval(t);
    this.#stopRepair();
    this.repair.reset();
  }

  #tickRepair(): void {
    this.repair.tick(performance.now());
    if (!this.repair.pending) this.#stopRepair();
  }

  #stopRepair(): void {
    if (this.#repairTimer) clearInterval(this.#repairTimer);
    this.#repairTimer = null;
  }

  #tellWanted(): void {
    if (!this.link.isOpen) return;
    const wanted = this.ports.wanted();
    if (String(wanted) === this.#wantedSent) return;
    if (this.link.sendCtl({ type: 'want-layers', video: wanted })) this.#wantedSent = String(wanted);
  }
}
