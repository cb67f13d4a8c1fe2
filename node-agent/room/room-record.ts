/**
 * What a host needs to bring its room back after a crash, a reboot or `kill -9`: the room's id,
 * name, fan-out and signalling port (so students' agents, which keep dialling the same address,
 * find it again), the room key (so nobody types the password again) and the host's signing
 * identity (so students keep trusting its chat records). Kept in `<data>/hosted-room.json`, mode
 * 0600 like the mail settings: it is as good as the room password for this room.
 *
 * Written when a room is hosted; removed when the instructor ends the class (leaves the room).
 * An agent that stops without leaving (Ctrl-C, a crash) keeps it, and `camvid host --resume` or
 * the start page's "Resume" opens the same room again. Chat history needs nothing here: it is
 * kept by room id in LevelDB.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { writePrivate } from '../store/durable-file.js';

export const ROOM_RECORD_FILE = 'hosted-room.json';
const RECORD_VERSION = 1;

export interface RoomRecord {
  roomId: string;
  name: string;
  hostName: string;
  fanout: number;
  rootFanout?: number;
  /** `--max-members`, when it was given */
  maxMembers?: number;
  /** the signalling port the room listened on */
  port: number;
  /** exportRoomKey (node-agent/auth/room-key.ts) */
  roomKey: string;
  /** HostIdentity.export() */
  identity: string;
}

const isRecord = (v: unknown): v is RoomRecord & { v: number } => {
  const r = v as Record<string, unknown>;
  return (
    !!r &&
    r.v === RECORD_VERSION &&
    typeof r.roomId === 'string' &&
    typeof r.name === 'string' &&
    typeof r.hostName === 'string' &&
    Number.isInteger(r.fanout) &&
    (r.rootFanout === undefined || Number.isInteger(r.rootFanout)) &&
    (r.maxMembers === undefined || Number.isInteger(r.maxMembers)) &&
    Number.isInteger(r.port) &&
    typeof r.roomKey === 'string' &&
    typeof r.identity === 'string'
  );
};

export class RoomRecordFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, ROOM_RECORD_FILE);
  }

  /** The record, or null when there is none; a damaged one is an error that says where it is. */
  async read(): Promise<RoomRecord | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!isRecord(parsed)) throw new CamvidError('BAD_MESSAGE', `The saved room in ${this.file} is damaged; host a new room.`);
    const { v: _v, ...record } = parsed;
    return record;
  }

  write(record: RoomRecord): Promise<void> {
    return writePrivate(this.file, JSON.stringify({ v: RECORD_VERSION, ...record }));
  }

  remove(): Promise<void> {
    return rm(this.file, { force: true });
  }
}
