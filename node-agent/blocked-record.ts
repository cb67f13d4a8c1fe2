/**
 * The students blocked for a lecture, kept in `<data>/blocked.json` by room id, so a lecture
 * resumed after the instructor's crash (`camvid host --resume`) still refuses them. Keyed by room
 * id, the list never applies to the next lecture (a new room has a new id); ending the class ends
 * the block. A damaged file blocks nobody: blocking is a classroom courtesy, not the room's key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writePrivate } from './store/durable-file.js';

export const BLOCKED_RECORD_FILE = 'blocked.json';
const MAX_BLOCKED = 1000;

export class BlockedRecordFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, BLOCKED_RECORD_FILE);
  }

  /** The member ids blocked in lecture `roomId` (empty: none, another lecture's, or unreadable). */
  async read(roomId: string): Promise<string[]> {
    try {
      const r = JSON.parse(await readFile(this.file, 'utf8')) as { roomId?: unknown; ids?: unknown };
      if (r.roomId !== roomId || !Array.isArray(r.ids)) return [];
      return r.ids.filter((id): id is string => typeof id === 'string' && /^[0-9a-f]{16}$/.test(id)).slice(0, MAX_BLOCKED);
    } catch {
      return [];
    }
  }

  write(roomId: string, ids: readonly string[]): Promise<void> {
    return writePrivate(this.file, JSON.stringify({ roomId, ids: ids.slice(0, MAX_BLOCKED) }));
  }
}
