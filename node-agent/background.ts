/**
 * Fire-and-forget work: `background(promise, log, what)` for a promise nobody awaits. Its rejection
 * becomes one log line (`<what> failed: …`) instead of an unhandled rejection, which would end the
 * agent (Node's default). Use it wherever an event handler starts async work it cannot wait for.
 * `level` is `debug` for failures that are expected and say nothing new (a DHT lookup while offline).
 */
import { CamvidError } from '../protocol/errors.js';
import type { Logger } from './log.js';

export function background(promise: Promise<unknown>, log: Logger, what: string, level: 'warn' | 'debug' = 'warn'): void {
  // A CamvidError is an expected failure with a message for people; anything else keeps its stack.
  promise.catch((err: unknown) => log[level](`${what} failed:`, err instanceof CamvidError ? err.toString() : err));
}
