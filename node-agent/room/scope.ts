/**
 * Teardown helpers for owners: close children one after another in a declared order, where one
 * child's failure is logged and never skips the others; and the CLOSED error of an aborted scope.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { Logger } from '../log.js';

/** A named child to close: its close may be sync or async, and may throw. */
export type Closer = readonly [name: string, close: () => unknown];

/** Closes each child in order, awaiting each; failures are logged and returned, never thrown. */
export async function closeInOrder(log: Logger, children: readonly Closer[]): Promise<Error[]> {
  const failures: Error[] = [];
  for (const [name, close] of children) {
    try {
      await close();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      log.error(`closing ${name} failed:`, e.message);
      failures.push(e);
    }
  }
  return failures;
}

/** Throws CLOSED when `signal` has aborted: the room was left or the agent closed meanwhile. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CamvidError('CLOSED', 'Left the room before it was ready.');
}
