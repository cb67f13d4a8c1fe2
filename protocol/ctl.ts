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
