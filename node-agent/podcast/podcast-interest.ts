/**
 * Who below this agent wants the podcast, so that a subtree where nobody listens costs the tree
 * nothing (like a multicast prune). Each child tells its parent on `ctl` (`podcast-want`) whether
 * it, or anyone below it, listens; the parent stops or resumes sending that child the `podcast`
 * track (MediaRelay.setKindEnabled) and tells its own parent whether anything at or below itself
 * wants it. A relay keeps receiving while any child wants the podcast, listening or not.
 *
 * Until a child has said anything its parent sends (a lost or late message costs bandwidth, never
 * audio); a child says where it stands as soon as its parent edge opens, and again on each change.
 */
import type { CtlMessage } from '../../protocol/ctl.js';
import type { MediaKind } from '../../protocol/media.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';

/** What the interest needs of the relay: switching the podcast per child edge. */
export interface KindSwitch {
  setKindEnabled(id: string, kind: MediaKind, enabled: boolean): boolean;
}

export class PodcastInterest {
  #local = false;
  /** tree child edge → whether anything at or below that child listens */
  readonly #children = new Map<string, boolean>();
  /** what we last told our parent, on which edge */
  #told: { edge: string; on: boolean } | null = null;
  readonly #disposables: (() => void)[] = [];

  constructor(
    private readonly edges: EdgeTable,
    private readonly relay: KindSwitch,
  ) {
    this.#disposables.push(
      edges.on('open', (link) => this.#onOpen(link)),
      edges.on('closed', (link) => this.#onClosed(link)),
      edges.on('ctl', (link, msg) => this.#onCtl(link, msg)),
    );
    for (const link of edges.children()) if (link.isOpen) this.#onOpen(link);
    if (edges.parent?.isOpen) this.#tellParent(true);
  }

  /** True when this agent listens or any child below it wants the podcast. */
  get wanted(): boolean {
    return this.#local || [...this.#children.values()].some(Boolean);
  }

  /** Whether this agent's own listener is on. */
  setLocal(on: boolean): void {
    this.#local = on;
    this.#tellParent(false);
  }

  /** Children below which nobody listens (their edge ids), for the stats. */
  prunedChildren(): string[] {
    return [...this.#children].filter(([, on]) => !on).map(([edge]) => edge);
  }

  close(): void {
    for (const d of this.#disposables.splice(0).reverse()) d();
    this.#children.clear();
  }

  #isTree(link: PeerLink): boolean {
    return (link.opts.kind ?? 'tree') === 'tree';
  }

  #onOpen(link: PeerLink): void {
    if (!this.#isTree(link)) return;
    if (link.opts.end === 'parent') {
      this.#children.set(link.edge, true);
      this.#tellParent(false);
    } else {
      this.#tellParent(true);
    }
  }

  #onClosed(link: PeerLink): void {
    if (this.#children.delete(link.edge)) this.#tellParent(false);
    if (this.#told?.edge === link.edge) this.#told = null;
  }

  #onCtl(link: PeerLink, msg: CtlMessage): void {
    if (msg.type !== 'podcast-want' || !this.#isTree(link) || link.opts.end !== 'parent' || !this.#children.has(link.edge)) return;
    this.#children.set(link.edge, msg.on);
    this.relay.setKindEnabled(link.edge, 'podcast', msg.on);
    this.#tellParent(false);
  }

  /** Tells the parent where this subtree stands, when that changed (or always, on a new edge). */
  #tellParent(always: boolean): void {
    const parent = this.edges.parent;
    if (!parent?.isOpen) return;
    const on = this.wanted;
    if (!always && this.#told?.edge === parent.edge && this.#told.on === on) return;
    if (parent.sendCtl({ type: 'podcast-want', on })) this.#told = { edge: parent.edge, on };
  }
}
