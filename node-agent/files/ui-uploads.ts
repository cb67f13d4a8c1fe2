/**
 * The UI side of uploads. A browser cannot give the agent a path, so the page sends the picked
 * file in base64 pieces (each request well under the UI socket's 64 KiB) into a staging folder in
 * the agent's data folder; then the agent uploads it to the host like `--put`. The host's UI lists
 * what arrived in `<data>/uploads/<student>/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import type { Agent } from '../agent.js';
import { sanitizeFileName } from './share-path.js';

interface Staged {
  file: string;
  fh: FileHandle;
  size: number;
  written: number;
}

export function registerUiUploads(agent: Agent): () => Promise<void> {
  const staging = path.join(agent.store.dir, 'outgoing');
  const staged = new Map<string, Staged>();
  const take = (id: string) => {
    const s = staged.get(id);
    if (!s) throw new CamvidError('BAD_MESSAGE', 'No such upload in progress.');
    return s;
  };
  agent.onUiRequest('files-put-begin', async (req) => {
    const upload = randomBytes(8).toString('hex');
    const dir = path.join(staging, upload);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, sanitizeFileName(req.name));
    staged.set(upload, { file, fh: await open(file, 'w'), size: req.size, written: 0 });
    return { upload };
  });
  agent.onUiRequest('files-put-chunk', async (req) => {
    const s = take(req.upload);
    const data = Buffer.from(req.data, 'base64');
    if (req.offset + data.length > s.size) throw new CamvidError('BAD_MESSAGE', 'More data than the file’s size.');
    await s.fh.write(data, 0, data.length, req.offset);
    s.written += data.length;
  });
  agent.onUiRequest('files-put-end', async (req) => {
    const s = take(req.upload);
    staged.delete(req.upload);
    await s.fh.close();
    try {
      if (s.written !== s.size) throw new CamvidError('BAD_MESSAGE', 'The file did not arrive whole from the page.');
      return { stored: await agent.features.files.upload(s.file) };
    } finally {
      await rm(path.dirname(s.file), { recursive: true, force: true });
    }
  });
  agent.onUiRequest('files-uploads', async () => {
    const root = path.join(agent.store.dir, 'uploads');
    const out: { student: string; name: string; size: number }[] = [];
    for (const student of await readdir(root).catch(() => [] as string[])) {
      if (student.startsWith('.')) continue;
      for (const name of await readdir(path.join(root, student)).catch(() => [] as string[])) {
        const s = await stat(path.join(root, student, name)).catch(() => null);
        if (s?.isFile()) out.push({ student, name, size: s.size });
      }
    }
    return { uploads: out };
  });
  return async () => {
    for (const s of staged.values()) await s.fh.close().catch(() => {});
    staged.clear();
  };
}
