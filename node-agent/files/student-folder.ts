/**
 * Where a student's uploads go on the host: `<uploads>/<display name>-<peer id>/`. Filed by peer id
 * (derived from the agent's key, so no student can write into another's folder by taking a name)
 * with the display name in front for the person browsing the folder. A student whose display name
 * changed (another "Ann" came first this time) keeps the folder its id already has.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PEER_ID_LENGTH } from '../../protocol/common.js';
import { fitFileName, MAX_NAME_BYTES, sanitizeFileName } from './share-path.js';

const FOLDER = new RegExp(`^(.*)-([0-9a-f]{${PEER_ID_LENGTH}})$`, 's');

/** The folder name for `name` and `peerId`, within the file system's 255 bytes. */
export function studentFolderName(name: string, peerId: string): string {
  const suffix = `-${peerId}`;
  return `${fitFileName(sanitizeFileName(name), '', MAX_NAME_BYTES - suffix.length)}${suffix}`;
}

/** A folder name made by studentFolderName, split back; null for anything else. */
export function parseStudentFolder(folder: string): { name: string; peerId: string } | null {
  const m = FOLDER.exec(folder);
  return m ? { name: m[1]!, peerId: m[2]! } : null;
}

/** The folder of `peerId` under `root` (the one it has, else a new one named for `name`), created. */
export async function studentFolder(root: string, name: string, peerId: string): Promise<string> {
  const existing = (await readdir(root).catch(() => [] as string[])).find((f) => parseStudentFolder(f)?.peerId === peerId);
  const folder = path.join(root, existing ?? studentFolderName(name, peerId));
  await mkdir(folder, { recursive: true });
  return folder;
}
