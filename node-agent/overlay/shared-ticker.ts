/**
 * One timer per period for the whole agent: every peer link checks its silence each TREE_CHECK_MS
 * (or HEARTBEAT_INTERVAL_MS), and a relay has a dozen links; each with its own timer woke the
 * process that many times more for the same work. Subscribers of one period run together, in the
 * order they came; one that throws is logged and the others still run. The timer is made with the
 * first subscriber of its period and cleared with the last, and never keeps the process alive.
 */
import { createLogger } from '../log.js';

const log = createLogger('agent:tick');

interface Period {
  timer: NodeJS.Timeout;
  subscribers: Set<() => void>;
}

const periods = new Map<number, Period>();

/** Calls `fn` every `ms`, beside every other subscriber of that period; returns its remover. */
export function everyTick(ms: number, fn: () => void): () => void {
  let period = periods.get(ms);
  if (!period) {
    const subscribers = new Set<() => void>();
    const timer = setInterval(() => runAll(subscribers), ms);
    timer.unref();
    periods.set(ms, (period = { timer, subscribers }));
  }
  const own = period;
  const entry = () => fn();
  own.subscribers.add(entry);
  return () => {
    own.subscribers.delete(entry);
    if (own.subscribers.size || periods.get(ms) !== own) return;
    clearInterval(own.timer);
    periods.delete(ms);
  };
}

function runAll(subscribers: Set<() => void>): void {
  // A copy: a subscriber may remove itself or another (a link that closes) or add one.
  for (const fn of [...subscribers]) {
    if (!subscribers.has(fn)) continue;
    try {
      fn();
    } catch (err) {
      log.warn('a tick subscriber failed', err);
    }
  }
}
