/**
 * The one list of rooms a person sees: rooms seen on the LAN (mDNS) and rooms found on the swarm,
 * merged by room id, so a room reachable both ways appears once, with both ways in `via` and its
 * LAN address (the faster path) kept.
 */
import type { DiscoveredRoom } from '../../protocol/ui.js';

export function mergeRooms(lan: readonly DiscoveredRoom[], swarm: readonly DiscoveredRoom[]): DiscoveredRoom[] {
  const byId = new Map<string, DiscoveredRoom>();
  for (const r of lan) byId.set(r.id, { ...r, via: ['lan'] });
  for (const r of swarm) {
    const seen = byId.get(r.id);
    byId.set(r.id, seen ? { ...seen, via: ['lan', 'swarm'] } : { id: r.id, name: r.name, hostName: r.hostName, via: ['swarm'] });
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
