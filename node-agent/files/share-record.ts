/**
 * The folder a hosted room shares, kept in `<data>/shared-folder.json` by room id, so a room
 * brought back with `camvid host --resume` (or the start page's Resume) shares it again without the
 * instructor typing it: students browsing before the crash browse again after it. Keyed by room id,
 * a record never applies to a new room (a new room has a new id); the next share overwrites it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writePrivate } from '../store/durable-file.js';

export const SHARE_RECORD_FILE = 'shared-folder.json';

export interface ShareRecord {
  roomId: string;
  /** the folder, resolved; null: the room stopped sharing */
  dir: string | null;
  dotFiles: boolean;
}

const isShareRecord = (v: unknown): v is ShareRecord => {
  const r = v as Record<string, unknown>;
  return !!r && typeof r.roomId === 'string' && (r.dir === null || typeof r.dir === 'string') && typeof r.dotFiles === 'boolean';
};

export class ShareRecordFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, SHARE_RECORD_FILE);
  }

  /** What room `roomId` last shared, or null (no record, another room's, or one that cannot be read). */
  async read(roomId: string): Promise<ShareRecord | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return isShareRecord(parsed) && parsed.roomId === roomId ? parsed : null;
    } catch {
      return null;
    }
  }

  write(record: ShareRecord): Promise<void> {
    return writePrivate(this.file, JSON.stringify(record));
  }
}
