/**
 * Which students can reach each other, as the host learns it from their tree and standby edges
 * (pure, no I/O; RoomHost feeds it and asks it). School Wi-Fi often isolates clients: every device
 * reaches the access point and the instructor, none reaches another. There every edge between two
 * students fails, and the tree must fall back to a star (everyone under the host), whatever the
 * fan-out says. Elsewhere one laptop may be unreachable (a firewall) while the rest are fine.
 *
 * What it learns from (only edges between two students; the host's own edges prove nothing):
 * - a pair whose edge never connected is never planned again (either way round);
 * - a member that failed with 2 different classmates and never connected to one is unreachable:
 *   it is no one's parent and is served by the host;
 * - a pair of networks (IPv4 /24, IPv6 /64) is isolated once two failed pairs there share no
 *   member and no edge there ever connected: no edge between them is planned. Failures that all
 *   share one member blame that member, not the network, so one student (broken or hostile) cannot
 *   push the class into a star; one edge that connects proves the network pair for good.
 * - until a network pair is proven, a relay there gets one new child at a time, so that the first
 *   failures of an isolated network are disjoint and found in one connect timeout, not several.
 */
import net from 'node:net';

/** distinct classmates a member must fail with (and never connect to) before it is unreachable */
export const UNREACHABLE_AFTER = 2;

/** The network an address is on, for isolation: IPv4 /24, IPv6 /64, anything else itself. */
export function networkOf(address: string): string {
  const v4 = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (net.isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (net.isIPv6(address)) {
    const groups = expandIpv6(address);
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return address;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const a = head ? head.split(':') : [];
  const b = address.includes('::') && tail ? tail.split(':') : [];
  const fill = address.includes('::') ? Array(Math.max(0, 8 - a.length - b.length)).fill('0') : [];
  return [...a, ...fill, ...b].map((g) => g.toLowerCase());
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

interface NetPair {
  /** failed member pairs here, as [a, b] */
  failed: Array<[string, string]>;
  proven: boolean;
  isolated: boolean;
}

export class Reachability {
  readonly #network = new Map<string, string>();
  readonly #blocked = new Set<string>();
  /** member → classmates it failed with */
  readonly #failedWith = new Map<string, Set<string>>();
  /** members that have connected to a classmate */
  readonly #reached = new Set<string>();
  readonly #nets = new Map<string, NetPair>();

  /** A member's network, from the address its session comes from (kept across its reconnects). */
  setAddress(id: string, address: string): void {
    this.#network.set(id, networkOf(address));
  }

  /**
   * The edge between classmates `parent` and `child` failed before it ever connected. True when
   * this isolated their networks (the caller moves the members that now cannot stay where they are).
   */
  failed(parent: string, child: string): boolean {
    if (parent === child) return false;
    this.#blocked.add(pairKey(parent, child));
    for (const [a, b] of [[parent, child], [child, parent]] as const) {
      const set = this.#failedWith.get(a) ?? new Set<string>();
      set.add(b);
      this.#failedWith.set(a, set);
    }
    const np = this.#netPair(parent, child);
    if (!np || np.proven || np.isolated) return false;
    // Two failed pairs with no member in common: no one member explains both.
    const disjoint = np.failed.some(([a, b]) => a !== parent && a !== child && b !== parent && b !== child);
    np.failed.push([parent, child]);
    np.isolated = disjoint;
    return disjoint;
  }

  /** The edge between classmates `parent` and `child` connected: both reach others, their networks do. */
  connected(parent: string, child: string): void {
    if (parent === child) return;
    this.#reached.add(parent);
    this.#reached.add(child);
    this.#blocked.delete(pairKey(parent, child));
    const np = this.#netPair(parent, child);
    if (np) {
      np.proven = true;
      np.isolated = false;
      np.failed = [];
    }
  }

  /** A member that failed with UNREACHABLE_AFTER classmates and never connected to one. */
  unreachable(id: string): boolean {
    return !this.#reached.has(id) && (this.#failedWith.get(id)?.size ?? 0) >= UNREACHABLE_AFTER;
  }

  /** Whether classmate `parent` may be planned as `child`'s parent or standby. */
  canServe(parent: string, child: string): boolean {
    if (this.#blocked.has(pairKey(parent, child)) || this.unreachable(parent) || this.unreachable(child)) return false;
    return !this.#netPair(parent, child)?.isolated;
  }

  /** True once an edge between the two members' networks connected. */
  proven(a: string, b: string): boolean {
    return !!this.#netPair(a, b)?.proven;
  }

  /**
   * Until an edge between their networks has connected, a relay gets one new child at a time: on
   * an isolating Wi-Fi the first failures are then between different pairs, which is what tells
   * the host the network (not one student) is the cause, in one connect timeout.
   */
  oneAtATime(parentId: string, childId: string, members: Iterable<{ id: string; parentId: string | null; state: string }>): boolean {
    if (this.proven(parentId, childId)) return true;
    for (const m of members) if (m.parentId === parentId && m.id !== childId && m.state !== 'connected') return false;
    return true;
  }

  /**
   * A member that no classmate can serve as things stand: it goes under the host, beyond its
   * fan-out if need be (a class on an isolating Wi-Fi becomes a star).
   */
  needsHost(id: string): boolean {
    if (this.unreachable(id)) return true;
    const own = this.#network.get(id);
    return own !== undefined && !!this.#nets.get(pairKey(own, own))?.isolated;
  }

  /**
   * No classmate can serve `id` as things stand: it needs the host (above), or it has failed and
   * none of the `connected` classmates may serve it. A member that failed with one parent while
   * others may serve it waits for a place like anyone else. `connected` is read only when needed.
   */
  noClassmateServes(id: string, connected: () => Iterable<string>): boolean {
    if (this.needsHost(id)) return true;
    if (!this.constrained(id)) return false;
    for (const m of connected()) if (m !== id && this.canServe(m, id)) return false;
    return true;
  }

  /** True when anything has been learned against `id` (a failed pair, an isolated network). */
  constrained(id: string): boolean {
    if ((this.#failedWith.get(id)?.size ?? 0) > 0) return true;
    const own = this.#network.get(id);
    if (own === undefined) return false;
    for (const [key, np] of this.#nets) if (np.isolated && key.split('|').includes(own)) return true;
    return false;
  }

  #netPair(a: string, b: string): NetPair | undefined {
    const na = this.#network.get(a);
    const nb = this.#network.get(b);
    if (na === undefined || nb === undefined) return undefined;
    const key = pairKey(na, nb);
    let np = this.#nets.get(key);
    if (!np) {
      np = { failed: [], proven: false, isolated: false };
      this.#nets.set(key, np);
    }
    return np;
  }
}
