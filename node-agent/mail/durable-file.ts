/**
 * Small file helpers for what the mail service must not lose: a new file is created with mode
 * 0600 (never readable by others, not even for a moment) and fsynced before anyone points to it.
 */
import { open } from 'node:fs/promises';

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
