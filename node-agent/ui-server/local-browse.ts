/**
 * `local-browse`: a folder of this computer as the owner's page lists it in its path pickers
 * (protocol/local-paths.ts). Folders first, then files (when asked), by name; dot-files left out;
 * at most MAX_LOCAL_ENTRIES. A folder that cannot be read is a clear FILE_NOT_FOUND, never a crash.
 */
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { MAX_LOCAL_ENTRIES, type LocalEntry, type LocalPathUiReplies } from '../../protocol/local-paths.js';

export async function browseLocal(req: { path?: string; files?: boolean }): Promise<LocalPathUiReplies['local-browse']> {
  let dir = path.resolve(req.path?.trim() || os.homedir());
  // A file's path (the podcast field holds one): its folder.
  if ((await stat(dir).catch(() => null))?.isFile()) dir = path.dirname(dir);
  let names: import('node:fs').Dirent[];
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (no permission)' : `cannot be read (${code ?? 'error'})`;
    throw new CamvidError('FILE_NOT_FOUND', `${dir} ${why}.`);
  }
  const entries: LocalEntry[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    // A symbolic link counts as what it points to (a link to a folder opens like one).
    const s = d.isSymbolicLink() ? await stat(path.join(dir, d.name)).catch(() => null) : null;
    const isDir = s ? s.isDirectory() : d.isDirectory();
    const isFile = s ? s.isFile() : d.isFile();
    if (isDir) entries.push({ name: d.name, dir: true });
    else if (req.files && isFile) entries.push({ name: d.name, dir: false, size: s?.size ?? (await stat(path.join(dir, d.name)).catch(() => null))?.size ?? 0 });
  }
  entries.sort((a, b) => (a.dir === b.dir ? a.name.localeCompare(b.name) : a.dir ? -1 : 1));
  const parent = path.dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, entries: entries.slice(0, MAX_LOCAL_ENTRIES), more: entries.length > MAX_LOCAL_ENTRIES };
}
