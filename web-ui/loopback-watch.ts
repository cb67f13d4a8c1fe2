/**
 * Media from this page's own agent over a loopback RTCPeerConnection: the live class's video and
 * sound (`media-watch`), the podcast's sound (`podcast-watch`). It asks the agent for its offer,
 * answers it, and when the link fails, closes, or the agent closes it (`…-link-closed`), tears it
 * down (`…-unwatch`) and lets its owner connect again after 0.5, 1, 2, then every 4 s. The owner
 * (LiveWatch, PodcastAudio) decides when to connect and what to do with the tracks.
 */
import type { AgentClient } from './agent-client.js';
import { onConnectionLost, whenConnected } from './loopback-peer.js';
import { takeCandidates } from '../protocol/sdp.js';

const RETRY_MS = [500, 1000, 2000, 4000];

export type LoopbackPhase = 'idle' | 'connecting' | 'connected' | 'retrying';

export interface LoopbackWatchHooks {
  /** a track of the agent's arrived */
  track(e: RTCTrackEvent): void;
  /** the link is up */
  connected?(pc: RTCPeerConnection): void;
  /** the link is gone (lost, or torn down by the owner) */
  closed?(): void;
  /** the link was lost and will be retried: `reason` for the person */
  lost(reason: string): void;
  /** the wait after a loss is over: connect again if still wanted */
  retry(): void;
  /** the phase changed */
  changed(): void;
}

export class LoopbackWatch {
  phase: LoopbackPhase = 'idle';
  #pc: RTCPeerConnection | null = null;
  #link: string | null = null;
  #retries = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly client: AgentClient,
    readonly kind: 'media' | 'podcast',
    readonly hooks: LoopbackWatchHooks,
  ) {
    client.onEvent(`${kind}-link-closed`, (ev) => {
      if (ev.link === this.#link) this.#lost(`the agent closed it (${ev.reason})`);
    });
  }

  async connect(): Promise<void> {
    this.phase = 'connecting';
    this.hooks.changed();
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.#pc = pc;
    pc.ontrack = (e) => this.hooks.track(e);
    try {
      const { link, sdp } = await this.client.request({ type: `${this.kind}-watch` as const });
      if (this.#pc !== pc) return void this.client.request({ type: `${this.kind}-unwatch` as const, link }).catch(() => {});
      this.#link = link;
      performance.mark(`camvid-${this.kind}-watch-offer`);
      // The agent's addresses go in only once it has our answer (takeCandidates says why). The
      // answer goes at once, without waiting for our own candidates: the agent learns our address
      // from our checks (we may hide it behind a .local name anyway).
      const offer = takeCandidates(sdp);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription();
      await this.client.request({ type: `${this.kind}-watch-answer` as const, link, sdp: pc.localDescription!.sdp });
      performance.mark(`camvid-${this.kind}-watch-answered`);
      for (const c of offer.candidates) await pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.mid });
      await whenConnected(pc);
      if (this.#pc !== pc) return;
      this.phase = 'connected';
      this.#retries = 0;
      onConnectionLost(pc, () => this.#pc === pc && this.#lost('the connection to the agent was lost'));
      this.hooks.connected?.(pc);
      this.hooks.changed();
    } catch (err) {
      if (this.#pc === pc) this.#lost(err instanceof Error ? err.message : String(err));
    }
  }

  /** Closes the link (and tells the agent, while connected to it); `phase` afterwards. */
  teardown(phase: LoopbackPhase): void {
    clearTimeout(this.#retryTimer);
    this.hooks.closed?.();
    const pc = this.#pc;
    const link = this.#link;
    this.#pc = null;
    this.#link = null;
    pc?.close();
    if (link && this.client.connection === 'open') void this.client.request({ type: `${this.kind}-unwatch` as const, link }).catch(() => {});
    this.phase = phase;
    this.hooks.changed();
  }

  #lost(reason: string): void {
    this.teardown('retrying');
    this.hooks.lost(reason);
    const wait = RETRY_MS[Math.min(this.#retries++, RETRY_MS.length - 1)]!;
    this.#retryTimer = setTimeout(() => {
      this.phase = 'idle';
      this.hooks.retry();
    }, wait);
    this.hooks.changed();
  }
}
