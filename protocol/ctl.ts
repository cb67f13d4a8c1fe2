/**
 * Messages on an edge's `ctl` data channel (reliable, ordered JSON). Heartbeats let either end
 * notice a dead peer when no socket closes (a cut cable, a frozen machine).
 */
import { chatCtlShapes } from './chat.js';
import { filesCtlShapes } from './files.js';
import { labCtlShapes } from './labs/lab-messages.js';
import { podcastCtlShapes } from './podcast.js';
import { liveCtlShapes } from './live.js';
import { num, union } from './validate.js';

export const ctlMessage = union({
  ...chatCtlShapes,
  ...filesCtlShapes,
  ...labCtlShapes,
  ...podcastCtlShapes,
  ...liveCtlShapes,
  ping: { t: num(0, Number.MAX_SAFE_INTEGER) },
  pong: { t: num(0, Number.MAX_SAFE_INTEGER) },
});
export type CtlMessage = ReturnType<typeof ctlMessage>;

/**
 * Heartbeat period; an edge with no message for HEARTBEAT_TIMEOUT_MS is declared lost. The limit
 * stretches (up to HEARTBEAT_MAX_TIMEOUT_MS) when the link's recent gaps between messages were
 * long: a busy or starved machine, not a dead peer (node-agent/overlay/silence-clock.ts).
 */
export const HEARTBEAT_INTERVAL_MS = 400;
export const HEARTBEAT_TIMEOUT_MS = 1500;
export const HEARTBEAT_MAX_TIMEOUT_MS = 5000;
/**
 * A tree edge is checked this often, and an end that sent nothing (no media, no message) for this
 * long sends a 1-byte keepalive on its `lab` channel (unordered, never retransmitted: no head-of-line
 * wait behind a lost ping). So a live tree edge is never quiet for much longer than this.
 */
export const TREE_CHECK_MS = 100;
/**
 * The shortest silence after which a child with a warm standby parent takes its parent as lost and
 * switches (a child without one keeps HEARTBEAT_TIMEOUT_MS: being wrong costs it a new edge). It
 * stretches like any link's limit to 3× the longest recent gap (node-agent/overlay/silence-clock.ts).
 * Tuned with the soak: docs/media.md, "A relay dies".
 */
export const TREE_SILENCE_FLOOR_MS = 500;
