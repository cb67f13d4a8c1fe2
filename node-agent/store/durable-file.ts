/**
 * Small file helpers for what the agent must not lose or leak (mail, the hosted room's record):
 * a new file is created with mode 0600 (never readable by others, not even for a moment) and
 * fsynced before anyone points to it.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Creates `file` (it must not exist) with mode 0600, writes `data` and fsyncs it. */
export async function writeNewSynced(file: string, data: string | Buffer): Promise<void> {
  const fh = await open(file, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Fsyncs a folder, so a file just created or renamed in it survives a power cut too. */
export async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    /* some file systems cannot fsync a folder; the files themselves are synced */
  } finally {
    await dh.close();
  }
}

/**
 * Replaces `file` through a 0600 temporary file, fsynced and renamed, so the file is never readable
 * by others (not even for a moment) and a crash leaves the old or the new content, never half.
 */
export async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeNewSynced(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}
