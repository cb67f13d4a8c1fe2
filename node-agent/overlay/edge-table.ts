/**
 * The tree edges of one agent: at most one link up to its parent and any number down to its
 * children. It owns those PeerLinks, routes signalling to them by edge id, and reports opens and
 * closes. The session with the host (or, on the host, the member sessions) carries the signalling.
 *
 * Standby edges (docs/media.md, "A relay dies"): at most one up to a warm standby parent and any
 * number down to children that keep this agent as theirs. They are connected but outside the tree:
 * features never see them (no `open`, not in `children()`, not `parent`) until `promote()` makes
 * one a tree edge and emits its `open` then; `standby-open` tells the owner one is up.
 */
import type { CtlMessage } from '../../protocol/ctl.js';
import { CamvidError } from '../../protocol/errors.js';
import type { SignalData } from '../../protocol/session.js';
import { TypedEmitter } from '../typed-emitter.js';
import { PeerLink, type EdgeKind, type LinkCloseReason } from './peer-link.js';

export interface EdgeTableOptions {
  bindAddress?: string;
  iceServers?: string[];
  /** the IP path MTU SCTP may fill (LAN_MTU on a LAN); absent = libdatachannel's safe 1280 */
  mtu?: number;
  /** carries one signalling message to the peer at the other end of `edge` */
  sendSignal(edge: string, peer: string, data: SignalData): void;
}

export type EdgeTableEvents = {
  open: [link: PeerLink];
  /** a standby edge (either end) connected */
  'standby-open': [link: PeerLink];
  closed: [link: PeerLink, reason: LinkCloseReason];
  ctl: [link: PeerLink, message: CtlMessage];
  bulk: [link: PeerLink, data: Buffer];
};

export class EdgeTable extends TypedEmitter<EdgeTableEvents> {
  #parent: PeerLink | null = null;
  readonly #children = new Map<string, PeerLink>();
  readonly #direct = new Map<string, PeerLink>();
  /** child end: the link to our warm standby parent */
  #standby: PeerLink | null = null;
  /** parent end: links to children that keep us as their standby, by edge */
  readonly #standbyChildren = new Map<string, PeerLink>();
  /** links that became tree edges by `promote()` (a relay's media continues a stream there) */
  readonly #promoted = new WeakSet<PeerLink>();
  #closed = false;

  constructor(private readonly opts: EdgeTableOptions) {
    super();
  }

  get parent(): PeerLink | null {
    return this.#parent;
  }

  /** Open links to children; a copy, so callers may close links while iterating. */
  children(): PeerLink[] {
    return [...this.#children.values()];
  }

  /** Becomes the child end of `edge`; any previous parent link is closed first. */
  attach(edge: string, parentId: string): PeerLink {
    this.#parent?.close();
    const link = this.#create(edge, 'child', parentId);
    this.#parent = link;
    return link;
  }

  /** Becomes the parent end of `edge` (a tree edge, or a child's standby) and starts the offer. */
  adopt(edge: string, childId: string, standby = false): PeerLink {
    this.#children.get(edge)?.close();
    this.#standbyChildren.get(edge)?.close();
    const link = this.#create(edge, 'parent', childId);
    (standby ? this.#standbyChildren : this.#children).set(edge, link);
    return link;
  }

  /** The link to our warm standby parent (open or opening), or null. */
  get standby(): PeerLink | null {
    return this.#standby;
  }

  /** Becomes the child end of a standby edge; a previous standby link is closed first. */
  standbyTo(edge: string, parentId: string): PeerLink {
    this.#standby?.close();
    const link = this.#create(edge, 'child', parentId);
    this.#standby = link;
    return link;
  }

  /**
   * Makes the standby edge `edge` a tree edge, at either end: the child end takes it as its parent
   * (the old parent link is closed after the switch), the parent end as a child. Emits `open` for
   * it when it is open. False when `edge` is no standby edge of ours.
   */
  promote(edge: string): boolean {
    let link: PeerLink;
    if (this.#standby?.edge === edge) {
      link = this.#standby;
      const old = this.#parent;
      this.#standby = null;
      this.#parent = link;
      old?.close();
    } else {
      const child = this.#standbyChildren.get(edge);
      if (!child) return false;
      link = child;
      this.#standbyChildren.delete(edge);
      this.#children.set(edge, link);
    }
    this.#promoted.add(link);
    if (link.isOpen) this.emit('open', link);
    return true;
  }

  /** True for a tree edge that was a standby edge (media on it continues a stream: no key frame wait). */
  wasPromoted(link: PeerLink): boolean {
    return this.#promoted.has(link);
  }

  /** Direct edges (not in the tree), open or opening. */
  directLinks(): PeerLink[] {
    return [...this.#direct.values()];
  }

  /** Becomes one end of a direct edge to another member (`present`: a student's screen up to the host). */
  direct(edge: string, peerId: string, end: 'parent' | 'child', kind: 'direct' | 'present' = 'direct'): PeerLink {
    this.#direct.get(edge)?.close();
    const link = this.#create(edge, end, peerId, kind);
    this.#direct.set(edge, link);
    return link;
  }

  drop(edge: string): void {
    this.#find(edge)?.close();
  }

  /** Routes signalling from `peer` for `edge`; anything for an edge we do not hold is ignored. */
  onSignal(edge: string, peer: string, data: SignalData): void {
    const link = this.#find(edge);
    if (link && link.peerId === peer) link.handleSignal(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.directLinks()) link.close();
    for (const link of [...this.#standbyChildren.values()]) link.close();
    for (const link of this.children().reverse()) link.close();
    this.#standby?.close();
    this.#parent?.close();
    this.removeAllListeners();
  }

  #find(edge: string): PeerLink | undefined {
    if (this.#parent?.edge === edge) return this.#parent;
    if (this.#standby?.edge === edge) return this.#standby;
    return this.#children.get(edge) ?? this.#standbyChildren.get(edge) ?? this.#direct.get(edge);
  }

  #isStandby(link: PeerLink): boolean {
    return link === this.#standby || this.#standbyChildren.get(link.edge) === link;
  }

  #create(edge: string, end: 'parent' | 'child', peerId: string, kind: EdgeKind = 'tree'): PeerLink {
    if (this.#closed) throw new TypeError('edge table closed');
    const link = new PeerLink({ edge, end, peerId, kind, bindAddress: this.opts.bindAddress, iceServers: this.opts.iceServers, mtu: this.opts.mtu });
    link.on('signal', (data) => this.opts.sendSignal(edge, peerId, data));
    link.on('open', () => this.emit(this.#isStandby(link) ? 'standby-open' : 'open', link));
    link.on('ctl', (message) => this.emit('ctl', link, message));
    link.on('bulk', (data) => this.emit('bulk', link, data));
    link.on('closed', (reason) => {
      if (this.#parent === link) this.#parent = null;
      if (this.#children.get(edge) === link) this.#children.delete(edge);
      if (this.#direct.get(edge) === link) this.#direct.delete(edge);
      if (this.#standby === link) this.#standby = null;
      if (this.#standbyChildren.get(edge) === link) this.#standbyChildren.delete(edge);
      if (!this.#closed) this.emit('closed', link, reason);
    });
    return link;
  }
}

/** Resolves with the next direct link to `peerId` that opens (either end may have asked). */
export function whenDirectOpen(edges: EdgeTable, peerId: string, timeoutMs: number): Promise<PeerLink> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new CamvidError('TIMEOUT', 'The direct connection did not open.'));
    }, timeoutMs);
    const off = edges.on('open', (link) => {
      if (link.opts.kind !== 'direct' || link.peerId !== peerId) return;
      clearTimeout(timer);
      off();
      resolve(link);
    });
  });
}
