/**
 * A direct edge to another member (labs, uploads), reused when one is open, else asked for and
 * retried. libdatachannel sometimes fails a new connection at once ("Got a remote candidate
 * without ICE transport", ~3 in 63 here): the failed link closes, which ends the attempt at once
 * (rather than after the open timeout), and the next attempt usually connects.
 */
import { CamvidError, toCamvidError } from '../../protocol/errors.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from './edge-table.js';
import type { PeerLink } from './peer-link.js';

const log = createLogger('agent:edges');
export const DIRECT_CONNECT_ATTEMPTS = 3;

/** `start` asks for a new direct edge to `peer` and resolves once it is open. */
export async function openDirect(edges: EdgeTable, peer: string, start: () => Promise<PeerLink>, attempts = DIRECT_CONNECT_ATTEMPTS): Promise<PeerLink> {
  const open = edges.directLinks().find((l) => l.opts.kind === 'direct' && l.peerId === peer && l.isOpen);
  if (open) return open;
  for (let attempt = 1; ; attempt++) {
    let off = () => {};
    try {
      const failed = new Promise<never>((_, reject) => {
        off = edges.on('closed', (link) => {
          if (link.opts.kind === 'direct' && link.peerId === peer) reject(new CamvidError('UNREACHABLE', 'The direct connection failed.'));
        });
      });
      const opening = start();
      opening.catch(() => {}); // settled by the race below, or abandoned for a retry
      return await Promise.race([opening, failed]);
    } catch (err) {
      const e = toCamvidError(err, 'UNREACHABLE');
      if (attempt >= attempts || (e.code !== 'UNREACHABLE' && e.code !== 'TIMEOUT')) throw e;
      log.warn(`direct edge to ${peer} failed (${e.message}); retrying`);
    } finally {
      off();
    }
  }
}
