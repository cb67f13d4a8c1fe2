/**
 * Whether the instructor is live (and sharing a screen), and how far this agent is from the host, as
 * the tree tells it: each parent sends `live-status` on `ctl` to each tree child every
 * STATUS_INTERVAL_MS and at once when `live` or `screen` changes, and the child passes its own on. So a student knows the instructor stopped
 * within a few ms per hop, and a picture that freezes while a relay is replaced is not mistaken for
 * the end of the lecture (which watching the packets alone could not tell apart).
 *
 * Delay to the host = the parent's delay + half the round trip to the parent, measured with the
 * `ctl` heartbeats the link sends anyway (ping every 400 ms, answered by pong with our own clock).
 */
import type { CtlMessage } from '../../protocol/ctl.js';
import { onAbort, type RoomContext } from '../feature-host.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { TypedEmitter } from '../typed-emitter.js';

export const STATUS_INTERVAL_MS = 1000;
/** Weight of a new round-trip sample (an exponential average smooths out scheduling noise). */
const RTT_GAIN = 0.2;

type Status = { live: boolean; screen: boolean; delayMs: number; depth: number };

export type TreeLiveStatusEvents = {
  /** `live` or `screen` changed */
  change: [live: boolean];
};

export class TreeLiveStatus extends TypedEmitter<TreeLiveStatusEvents> {
  #ctx: RoomContext | null = null;
  #live = false;
  #screen = false;
  #fromParent: Status | null = null;
  #rttMs: number | null = null;
  #roomDisposables: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  /** On the host, whether its camera is on and whether a screen is shared (asked on every refresh). */
  constructor(
    private readonly hostLive: () => boolean,
    private readonly hostScreen: () => boolean = () => false,
  ) {
    super();
    this.#timer = setInterval(() => this.refresh(), STATUS_INTERVAL_MS);
    this.#timer.unref();
  }

  get live(): boolean {
    return this.#live;
  }

  /** a screen is being shared in the room */
  get screen(): boolean {
    return this.#screen;
  }

  /** ms from the host along the tree; null until known */
  get delayMs(): number | null {
    if (this.#ctx?.role === 'host') return 0;
    if (!this.#fromParent || this.#rttMs === null) return null;
    return Math.round(this.#fromParent.delayMs + this.#rttMs / 2);
  }

  /** whether this agent hears the host's status: always on the host, while it has a parent elsewhere */
  get connected(): boolean {
    return this.#ctx?.role === 'host' || this.#fromParent !== null;
  }

  get depth(): number | null {
    if (this.#ctx?.role === 'host') return 0;
    return this.#fromParent ? this.#fromParent.depth + 1 : null;
  }

  /** Re-evaluates `live` (e.g. the host's camera started or stopped) and tells the children. */
  refresh(): void {
    if (this.#closed || !this.#ctx) return;
    const host = this.#ctx.role === 'host';
    const live = host ? this.hostLive() : (this.#fromParent?.live ?? false);
    const screen = host ? this.hostScreen() : (this.#fromParent?.screen ?? false);
    const changed = live !== this.#live || screen !== this.#screen;
    this.#live = live;
    this.#screen = screen;
    for (const link of this.#ctx.edges.children()) this.#tell(link);
    if (changed) this.emit('change', live);
  }

  close(): void {
    if (this.#closed) return;
    this.#follow(null);
    this.#closed = true;
    clearInterval(this.#timer);
    this.removeAllListeners();
  }

  /** Follows `ctx`'s tree until `signal` aborts (the room was left). */
  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    this.#follow(ctx);
    onAbort(signal, () => {
      if (this.#ctx === ctx) this.#follow(null);
    });
  }

  #follow(ctx: RoomContext | null): void {
    for (const d of this.#roomDisposables.splice(0).reverse()) d();
    this.#ctx = ctx;
    this.#fromParent = null;
    this.#rttMs = null;
    if (this.#live || this.#screen) {
      this.#live = this.#screen = false;
      this.emit('change', false);
    }
    if (!ctx || this.#closed) return;
    this.#roomDisposables.push(
      ctx.edges.on('open', (link) => {
        if (this.#isChild(link)) this.#tell(link);
      }),
      ctx.edges.on('ctl', (link, message) => {
        if (link === ctx.edges.parent) this.#fromParentLink(message);
      }),
      // The parent is gone (a relay died, the host stopped answering): what it said no longer holds.
      ctx.edges.on('closed', (link) => {
        if ((link.opts.kind ?? 'tree') !== 'tree' || link.opts.end !== 'child' || !this.#fromParent) return;
        if (ctx.edges.parent && ctx.edges.parent !== link) return;
        this.#fromParent = null;
        this.#rttMs = null;
        this.refresh();
      }),
    );
    this.refresh();
  }

  #fromParentLink(message: CtlMessage): void {
    if (message.type === 'pong') {
      const sample = Date.now() - message.t;
      if (sample >= 0 && sample < 60_000) this.#rttMs = this.#rttMs === null ? sample : this.#rttMs + RTT_GAIN * (sample - this.#rttMs);
    } else if (message.type === 'live-status') {
      const was = this.#fromParent;
      const screen = message.screen ?? false;
      this.#fromParent = { live: message.live, screen, delayMs: message.delayMs, depth: message.depth };
      // A change goes down the tree at once, not at the next tick.
      if (was?.live !== message.live || was?.screen !== screen) this.refresh();
    }
  }

  #isChild(link: PeerLink): boolean {
    return (link.opts.kind ?? 'tree') === 'tree' && link.opts.end === 'parent';
  }

  #tell(link: PeerLink): void {
    if (!this.#isChild(link)) return;
    link.sendCtl({ type: 'live-status', live: this.#live, screen: this.#screen, delayMs: this.delayMs ?? 0, depth: this.depth ?? 0 });
  }
}
