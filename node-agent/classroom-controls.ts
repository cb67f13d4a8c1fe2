/**
 * Classroom controls from the UI: a student raises or lowers a hand; the instructor lowers hands,
 * mutes a member's chat and removes a member (blocked for the rest of the lecture when asked). The host's RoomHost holds the state (it travels in
 * the roster); this only checks who may do what.
 */
import { CamvidError } from '../protocol/errors.js';
import type { Feature, FeatureHost } from './feature-host.js';

export class ClassroomControls implements Feature {
  constructor(private readonly agent: FeatureHost) {
    agent.ui.handle('hand-raise', async (req) => this.raiseHand(req.up));
    agent.ui.handle('hand-lower', async (req) => this.#host().setHand(req.member, false));
    agent.ui.handle('chat-mute', async (req) => this.#host().setMuted(req.member, req.muted));
    agent.ui.handle('member-remove', async (req) => this.#host().remove(req.member, { block: req.block === true }));
  }

  raiseHand(up: boolean): void {
    const member = this.agent.room?.member;
    if (!member) throw new CamvidError('NOT_IN_ROOM', this.agent.room ? 'The instructor has no hand to raise.' : undefined);
    if (!member.raiseHand(up)) throw new CamvidError('CLOSED', 'Not connected to the room right now; try again in a moment.');
  }

  #host() {
    const host = this.agent.room?.host;
    if (!host) throw new CamvidError('NOT_IN_ROOM', 'Only the instructor can do that.');
    return host;
  }

  close(): void {}
}
