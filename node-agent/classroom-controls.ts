/**
 * Classroom controls from the UI: a student raises or lowers a hand; the instructor lowers hands,
 * mutes a member's chat and removes a member (blocked for the rest of the lecture when asked). The host's RoomHost holds the state (it travels in
 * the roster); this only checks who may do what.
 */
import { CamvidError } from '../protocol/errors.js';
import { background } from './background.js';
import { BlockedRecordFile } from './blocked-record.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from './feature-host.js';
import { createLogger } from './log.js';

const log = createLogger('agent:classroom');

export class ClassroomControls implements Feature {
  readonly #blocked: BlockedRecordFile;

  constructor(private readonly agent: FeatureHost) {
    this.#blocked = new BlockedRecordFile(agent.store.dir);
    agent.ui.handle('hand-raise', async (req) => this.raiseHand(req.up));
    agent.ui.handle('hand-lower', async (req) => this.#host().setHand(req.member, false));
    agent.ui.handle('chat-mute', async (req) => this.#host().setMuted(req.member, req.muted));
    agent.ui.handle('member-remove', async (req) => this.#host().remove(req.member, { block: req.block === true }));
  }

  /** A hosted lecture keeps its blocked students across a restart: kept as they are blocked, blocked again on a resume. */
  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    const host = ctx.host;
    if (!host) return;
    const off = host.on('blocked', (ids) => background(this.#blocked.write(ctx.roomId, ids), log, 'keeping the blocked students'));
    onAbort(signal, off);
    background(
      this.#blocked.read(ctx.roomId).then((ids) => !signal.aborted && host.block(ids)),
      log,
      'blocking this lecture’s blocked students again',
    );
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
