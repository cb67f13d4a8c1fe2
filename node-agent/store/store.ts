/**
 * The agent's one LevelDB (classic-level via `level`) in its data folder. Features get their own
 * sublevel. LevelDB allows one process per folder: a second agent on the same folder gets
 * DATA_IN_USE with a clear message instead of a stack trace.
 *
 * The data folder holds the agent's identity key, the room key, the UI token and the mail password (each 0600, written by
 * store/durable-file.ts): a folder it creates is 0700, readable by this user only. A folder that
 * already exists keeps its mode (`--data` may name any folder).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import { CamvidError } from '../../protocol/errors.js';

import type { AbstractSublevel } from 'abstract-level';

export type Sublevel = AbstractSublevel<Level<string, string>, string | Buffer | Uint8Array, string, string>;

export const DATA_DIR_MODE = 0o700;

export class Store {
  #closing: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    readonly db: Level<string, string>,
  ) {}

  static async open(dir: string): Promise<Store> {
    await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
    const db = new Level<string, string>(path.join(dir, 'db'), { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if ((err as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') {
        throw new CamvidError('DATA_IN_USE', `Another agent is using ${dir}; give this one its own folder with --data DIR.`);
      }
      throw err;
    }
    return new Store(dir, db);
  }

  sublevel(name: string): Sublevel {
    return this.db.sublevel<string, string>(name, { valueEncoding: 'utf8' });
  }

  close(): Promise<void> {
    this.#closing ??= this.db.close();
    return this.#closing;
  }
}
