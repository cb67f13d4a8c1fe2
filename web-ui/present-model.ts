/**
 * Who presents, as a page shows it (protocol/present.ts): the roster says who is invited or
 * presenting (so a page opened later knows at once); `present-status` events add why the last one
 * ended, said once to the person concerned. One per AgentClient: `client.model(PresentModel)`.
 */
import type { RosterEntry } from '../protocol/common.js';
import type { PresentStatus } from '../protocol/present.js';
import type { AgentClient } from './agent-client.js';
import { Listeners } from './loopback-peer.js';

/** What a page says when a presentation or invitation ended, by reason; `who` names the student. */
export function endedText(ended: NonNullable<PresentStatus['ended']>, who: string | null): string {
  const student = who ?? 'The student';
  switch (ended) {
    case 'taken':
      return who ? `You took the screen back from ${who}.` : 'The instructor took the screen back.';
    case 'replaced':
      return who ? `Your own screen replaced ${who}'s.` : 'The instructor shared their own screen instead of yours.';
    case 'failed':
      return who ? `${who}'s screen could not reach this computer; invite them again.` : 'Your screen could not reach the instructor; ask to be invited again.';
    case 'declined':
      return who ? `${who} declined to present.` : 'You declined to present.';
    case 'stopped':
      return who ? `${who} stopped presenting.` : 'You stopped presenting.';
    case 'left':
      return `${student} left the room.`;
  }
}

export class PresentModel {
  /** the last ending, until the next invitation */
  ended: { reason: NonNullable<PresentStatus['ended']>; name: string | null } | null = null;
  readonly #listeners = new Listeners();

  constructor(readonly client: AgentClient) {
    client.onEvent('present-status', ({ status }) => {
      this.ended = status.state === 'none' && status.ended ? { reason: status.ended, name: status.name ?? null } : null;
      this.#listeners.emit();
    });
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The student invited or presenting, from the roster. */
  presenter(): RosterEntry | undefined {
    return this.client.roster.find((m) => m.presenting);
  }

  dismiss(): void {
    this.ended = null;
    this.#listeners.emit();
  }
}
