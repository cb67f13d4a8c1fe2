/** The room's members as the relay tree they form: each member indented under its parent. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LinkState, RosterEntry } from '../protocol/common.js';
import { sharedStyles } from './shared-styles.js';

interface TreeNode {
  entry: RosterEntry;
  children: TreeNode[];
}

const STATE_LABEL: Record<LinkState, string> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
};

/**
 * Builds the forest: roots are the host and anyone whose parent is not (yet) in the roster, so a
 * member is never hidden by a roster update that arrives out of order. Cycles are cut.
 */
export function buildTree(members: readonly RosterEntry[]): TreeNode[] {
  const ids = new Set(members.map((m) => m.id));
  const byParent = new Map<string | null, RosterEntry[]>();
  for (const m of members) {
    const parent = m.parentId !== null && ids.has(m.parentId) && m.parentId !== m.id ? m.parentId : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), m]);
  }
  const seen = new Set<string>();
  const grow = (entry: RosterEntry): TreeNode => {
    seen.add(entry.id);
    const kids = (byParent.get(entry.id) ?? []).filter((k) => !seen.has(k.id));
    return { entry, children: kids.sort(byRoleThenName).map(grow) };
  };
  const forest = (byParent.get(null) ?? []).sort(byRoleThenName).map(grow);
  // Members caught in a parent cycle are reachable from no root: show them at the top level.
  for (const m of members) if (!seen.has(m.id)) forest.push(grow(m));
  return forest;
}

const byRoleThenName = (a: RosterEntry, b: RosterEntry): number =>
  a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'host' ? -1 : 1;

@customElement('roster-tree')
export class RosterTree extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      h2 {
        font-size: 1em;
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        margin-bottom: 10px;
      }
      .count {
        font-weight: 400;
        color: var(--muted);
        font-size: 0.9em;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      ul ul {
        margin-left: 10px;
        padding-left: 12px;
        border-left: 1px solid var(--border);
      }
      .member {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 4px 0;
      }
      .dot {
        flex: none;
        width: 9px;
        height: 9px;
        border-radius: 50%;
        background: var(--warn);
      }
      .dot.connected {
        background: var(--ok);
      }
      .dot.reconnecting {
        background: var(--danger);
      }
      .name {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .me {
        margin-left: auto;
        color: var(--muted);
        font-size: 0.85em;
        white-space: nowrap;
      }
      /* Badges line up on the right; "(you)" takes that place and the badge follows it. */
      .badge {
        margin-left: auto;
        font-size: 0.72em;
        font-weight: 700;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        padding: 1px 6px;
        border-radius: 4px;
        background: var(--bg);
        color: var(--muted);
        border: 1px solid var(--border);
      }
      .me + .badge {
        margin-left: 0;
      }
      .badge.host {
        background: var(--accent-soft);
        color: var(--accent);
        border-color: transparent;
      }
      .empty {
        color: var(--muted);
        margin: 0;
      }
      .note {
        margin: 0 0 10px;
        padding: 8px 10px;
        border-radius: 6px;
        border: 1px solid var(--border);
        background: var(--bg);
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) accessor members: RosterEntry[] = [];
  /** This person's id, marked "(you)". */
  @property({ attribute: false }) accessor myId: string | null = null;

  override render() {
    const n = this.members.length;
    return html`
      <h2>
        People
        <span class="count" data-testid="roster-count">${n} in room</span>
      </h2>
      ${this.#isolationNote()}
      ${n ? html`<ul role="tree">${buildTree(this.members).map((node) => this.#renderNode(node))}</ul>` : html`<p class="empty">No one yet.</p>`}
    `;
  }

  /**
   * On the instructor's page: students that cannot reach each other (client isolation on the
   * Wi-Fi, a firewall) get the class straight from this computer, one stream each, whatever the
   * fan-out. Said, with what it costs and what helps, since nothing else would show it.
   */
  #isolationNote(): unknown {
    const me = this.members.find((m) => m.id === this.myId);
    if (me?.role !== 'host') return nothing;
    const served = this.members.filter((m) => m.isolated && m.parentId === me.id).length;
    if (!served) return nothing;
    const direct = this.members.filter((m) => m.role === 'student' && m.parentId === me.id).length;
    const who = served === 1 ? '1 student cannot' : `${served} students cannot`;
    return html`<p class="note" role="status" data-testid="isolation-note" data-served=${served}>
      ${who} reach classmates (the network keeps devices apart, as school Wi-Fi often does), so this
      computer sends the class to ${served === 1 ? 'that student' : 'each of them'} itself: your upload
      carries ${direct} copies of the video and sound. If the picture stalls, use a wired network or
      turn off client isolation on the access point.
    </p>`;
  }

  #renderNode(node: TreeNode): unknown {
    const m = node.entry;
    return html`<li role="treeitem" aria-expanded=${node.children.length ? 'true' : nothing}>
      <div class="member" data-testid="roster-entry" data-member-id=${m.id} data-state=${m.state} data-role=${m.role}>
        <span class="dot ${m.state}" title=${STATE_LABEL[m.state]} aria-label=${STATE_LABEL[m.state]}></span>
        <span class="name">${m.name}</span>
        ${m.id === this.myId ? html`<span class="me">(you)</span>` : nothing}
        ${m.hand ? html`<span class="badge flag" title="Hand raised" data-testid="roster-hand">hand</span>` : nothing}
        ${m.muted ? html`<span class="badge flag" title="Chat muted">muted</span>` : nothing}
        ${m.presenting === 'live' ? html`<span class="badge flag" title="Presenting their screen to the class" data-testid="roster-presenting">presenting</span>` : nothing}
        ${m.isolated ? html`<span class="badge flag" title="Cannot reach classmates: gets the class straight from the instructor" data-testid="roster-isolated">direct</span>` : nothing}
        <span class="badge ${m.role}">${m.role}</span>
      </div>
      ${node.children.length ? html`<ul role="group">${node.children.map((c) => this.#renderNode(c))}</ul>` : nothing}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roster-tree': RosterTree;
  }
}
