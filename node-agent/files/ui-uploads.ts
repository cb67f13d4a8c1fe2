/**
 * The UI side of uploads. A browser cannot give the agent a path, so the page sends the picked
 * file in base64 pieces (each request well under the UI socket's 64 KiB) into a staging folder in
 * the agent's data folder; then the agent uploads it to the host like `--put`. The host's UI lists
 * what arrived in `<data>/uploads/<name>-<peer id>/`.
 *
 * A staged upload belongs to the page that began it: when that page's socket closes, its file is
 * closed and its staging folder removed, so an abandoned tab leaves no open file behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import type { FeatureHost } from '../feature-host.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { UiSession } from '../ui-server/ui-server.js';
import { sanitizeFileName } from './share-path.js';
import { parseStudentFolder } from './student-folder.js';
import type { HandedIn } from '../../protocol/files.js';

const log = createLogger('agent:files');

interface Staged {
  file: string;
  fh: FileHandle;
  size: number;
  written: number;
  session: number;
  offSession: () => void;
}

export class UiUploads {
  readonly #staging: string;
  readonly #staged = new Map<string, Staged>();
  #closing: Promise<void> | null = null;

  /** `upload` sends a whole local file to the host and resolves with where it was stored. */
  constructor(
    host: Pick<FeatureHost, 'store' | 'ui'>,
    upload: (file: string) => Promise<string>,
  ) {
    this.#staging = path.join(host.store.dir, 'outgoing');
    const uploadsDir = path.join(host.store.dir, 'uploads');
    host.ui.handle('files-put-begin', (req, session) => this.#begin(req.name, req.size, session));
    host.ui.handle('files-put-chunk', async (req, session) => {
      const s = this.#take(req.upload, session);
      const data = Buffer.from(req.data, 'base64');
      if (req.offset + data.length > s.size) throw new CamvidError('BAD_MESSAGE', 'More data than the file’s size.');
      await s.fh.write(data, 0, data.length, req.offset);
      s.written += data.length;
    });
    host.ui.handle('files-put-end', async (req, session) => {
      const s = this.#take(req.upload, session);
      this.#forget(req.upload);
      try {
        await s.fh.close();
        if (s.written !== s.size) throw new CamvidError('BAD_MESSAGE', 'The file did not arrive whole from the page.');
        return { stored: await upload(s.file) };
      } finally {
        await rm(path.dirname(s.file), { recursive: true, force: true });
      }
    });
    host.ui.handle('files-uploads', async () => ({
      uploads: (await listUploads(uploadsDir)).map((u) => ({ ...u, ticket: host.ui.offerFile(u.file, u.name) })),
    }));
  }

  /** Closes and removes every staged upload. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.#staged.keys()].map((id) => this.#discard(id))).then(() => {});
    return this.#closing;
  }

  async #begin(name: string, size: number, session: UiSession): Promise<{ upload: string }> {
    if (this.#closing) throw new CamvidError('CLOSED', 'The agent is shutting down.');
    const upload = randomBytes(8).toString('hex');
    const dir = path.join(this.#staging, upload);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, sanitizeFileName(name));
    const staged: Staged = { file, fh: await open(file, 'w'), size, written: 0, session: session.id, offSession: () => {} };
    if (this.#closing) {
      await staged.fh.close();
      await rm(dir, { recursive: true, force: true });
      throw new CamvidError('CLOSED', 'The agent is shutting down.');
    }
    this.#staged.set(upload, staged);
    // Registered last: a page already gone runs it at once, and it must find the entry.
    staged.offSession = session.onClose(() => background(this.#discard(upload), log, 'discarding an abandoned upload'));
    return { upload };
  }

  /** The staged upload `id`, only for the page that began it. */
  #take(id: string, session: UiSession): Staged {
    const s = this.#staged.get(id);
    if (!s || s.session !== session.id) throw new CamvidError('BAD_MESSAGE', 'No such upload in progress.');
    return s;
  }

  #forget(id: string): Staged | undefined {
    const s = this.#staged.get(id);
    this.#staged.delete(id);
    s?.offSession();
    return s;
  }

  async #discard(id: string): Promise<void> {
    const s = this.#forget(id);
    if (!s) return;
    await s.fh.close().catch(() => {});
    await rm(path.dirname(s.file), { recursive: true, force: true });
  }
}

/** What students handed in: `<uploads>/<name>-<peer id>/<file>` (student-folder.ts), dot-entries left out. */
async function listUploads(root: string): Promise<Omit<HandedIn, 'ticket'>[]> {
  const out: Omit<HandedIn, 'ticket'>[] = [];
  for (const folder of await readdir(root).catch(() => [] as string[])) {
    const owner = parseStudentFolder(folder);
    if (!owner) continue;
    for (const name of await readdir(path.join(root, folder)).catch(() => [] as string[])) {
      if (name.startsWith('.')) continue;
      const file = path.join(root, folder, name);
      const s = await stat(file).catch(() => null);
      if (s?.isFile()) out.push({ student: owner.name, peer: owner.peerId, name, size: s.size, at: Math.round(s.mtimeMs), file });
    }
  }
  return out.sort((a, b) => b.at - a.at); // the newest first
}
