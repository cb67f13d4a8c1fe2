/**
 * The tree edges of one agent: at most one link up to its parent and any number down to its
 * children. It owns those PeerLinks, routes signalling to them by edge id, and reports opens and
 * closes. The session with the host (or, on the host, the member sessions) carries the signalling.
 */
import type { CtlMessage } from '../../protocol/ctl.js';
import { CamvidError } from '../../protocol/errors.js';
import type { SignalData } from '../../protocol/session.js';
import { TypedEmitter } from '../typed-emitter.js';
import { PeerLink, type LinkCloseReason } from './peer-link.js';

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
  closed: [link: PeerLink, reason: LinkCloseReason];
  ctl: [link: PeerLink, message: CtlMessage];
  bulk: [link: PeerLink, data: Buffer];
};

export class EdgeTable extends TypedEmitter<EdgeTableEvents> {
  #parent: PeerLink | null = null;
  readonly #children = new Map<string, PeerLink>();
  readonly #direct = new Map<string, PeerLink>();
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

  /** Becomes the parent end of `edge` and starts the offer. */
  adopt(edge: string, childId: string): PeerLink {
    this.#children.get(edge)?.close();
    const link = this.#create(edge, 'parent', childId);
    this.#children.set(edge, link);
    return link;
  }

  /** Direct edges (not in the tree), open or opening. */
  directLinks(): PeerLink[] {
    return [...this.#direct.values()];
  }

  /** Becomes one end of a direct edge to another member. */
  direct(edge: string, peerId: string, end: 'parent' | 'child'): PeerLink {
    this.#direct.get(edge)?.close();
    const link = this.#create(edge, end, peerId, 'direct');
    this.#direct.set(edge, link);
    return link;
  }

  drop(edge: string): void {
    if (this.#parent?.edge === edge) this.#parent.close();
    this.#children.get(edge)?.close();
    this.#direct.get(edge)?.close();
  }

  /** Routes signalling from `peer` for `edge`; anything for an edge we do not hold is ignored. */
  onSignal(edge: string, peer: string, data: SignalData): void {
    const link = this.#parent?.edge === edge ? this.#parent : (this.#children.get(edge) ?? this.#direct.get(edge));
    if (link && link.peerId === peer) link.handleSignal(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.directLinks()) link.close();
    for (const link of this.children().reverse()) link.close();
    this.#parent?.close();
    this.removeAllListeners();
  }

  #create(edge: string, end: 'parent' | 'child', peerId: string, kind: 'tree' | 'direct' = 'tree'): PeerLink {
    if (this.#closed) throw new TypeError('edge table closed');
    const link = new PeerLink({ edge, end, peerId, kind, bindAddress: this.opts.bindAddress, iceServers: this.opts.iceServers, mtu: this.opts.mtu });
    link.on('signal', (data) => this.opts.sendSignal(edge, peerId, data));
    link.on('open', () => this.emit('open', link));
    link.on('ctl', (message) => this.emit('ctl', link, message));
    link.on('bulk', (data) => this.emit('bulk', link, data));
    link.on('closed', (reason) => {
      if (this.#parent === link) this.#parent = null;
      if (this.#children.get(edge) === link) this.#children.delete(edge);
      if (this.#direct.get(edge) === link) this.#direct.delete(edge);
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
