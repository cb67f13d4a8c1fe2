/**
 * The last file a classmate sent this agent over the ARQ lab, kept for the page whatever tab is
 * open: the room page says so at once (the receiver used to learn of it only on the Labs tab, if it
 * happened to be open), and the Labs tab shows it when opened later. One per AgentClient:
 * `client.model(ArqInbox)`.
 */
import type { LabArqReceived } from '../protocol/labs/lab-messages.js';
import type { AgentClient } from './agent-client.js';
import { Listeners } from './loopback-peer.js';

export class ArqInbox {
  received: LabArqReceived | null = null;
  /** the room page's notice was dismissed (or the Labs tab opened) since it arrived */
  seen = true;
  readonly #listeners = new Listeners();

  constructor(readonly client: AgentClient) {
    client.onEvent('lab-arq-received', (ev) => {
      this.received = ev.received;
      this.seen = false;
      this.#listeners.emit();
    });
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  markSeen(): void {
    if (this.seen) return;
    this.seen = true;
    this.#listeners.emit();
  }
}
