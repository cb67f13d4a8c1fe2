/**
 * The host's shared folder: listings, manifests (SHA-256 per chunk and of the whole file, computed
 * once per file version and cached), and chunk reads. Every path a peer sends goes through
 * resolveInShare first, with this share's rules: no dot-files unless asked, never the data folder
 * (share-path.ts). A chunk is read only from a file whose manifest was made that way.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { CHUNK_SIZE, MANIFEST_PAGE, MAX_LISTING, type FileEntry, type ManifestPage } from '../../protocol/files.js';
import { resolveInShare, shareSegments, type ShareRules } from './share-path.js';

interface Manifest {
  file: string;
  name: string;
  real: string;
  size: number;
  mtimeMs: number;
  hashes: string[];
}

export class ShareHost {
  /** by real path; a changed size or mtime means a new version */
  readonly #byPath = new Map<string, Promise<Manifest>>();
  /** by file id, for chunk reads */
  readonly #byId = new Map<string, Manifest>();

  constructor(
    readonly root: string,
    readonly rules: ShareRules = {},
  ) {}

  async list(rel: string): Promise<FileEntry[]> {
    const dir = await resolveInShare(this.root, rel, this.rules);
    if (!(await stat(dir)).isDirectory()) throw new CamvidError('FILE_NOT_FOUND', 'That is a file, not a folder.');
    const entries: FileEntry[] = [];
    for (const d of (await readdir(dir, { withFileTypes: true })).slice(0, MAX_LISTING)) {
      try {
        const real = await resolveInShare(this.root, [...shareSegments(rel), d.name].join('/'), this.rules);
        const s = await stat(real);
        entries.push({ name: d.name, kind: s.isDirectory() ? 'dir' : 'file', size: s.isDirectory() ? 0 : s.size, mtime: Math.floor(s.mtimeMs) });
      } catch {
        /* a symlink out of the share, a file that vanished, a dot-file, the data folder: not listed */
      }
    }
    // Folders first, then by name, as file managers show them.
    return entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  }

  async manifest(rel: string, from: number): Promise<ManifestPage> {
    const real = await resolveInShare(this.root, rel, this.rules);
    const s = await stat(real);
    if (!s.isFile()) throw new CamvidError('FILE_NOT_FOUND', 'That is a folder, not a file.');
    let m = this.#byPath.get(real);
    const current = await m?.catch(() => undefined);
    if (!m || !current || current.size !== s.size || current.mtimeMs !== s.mtimeMs) {
      m = hashFile(real, s.size, s.mtimeMs);
      this.#byPath.set(real, m);
    }
    const manifest = await m;
    this.#byId.set(manifest.file, manifest);
    return {
      file: manifest.file,
      name: manifest.name,
      size: manifest.size,
      chunkSize: CHUNK_SIZE,
      chunks: manifest.hashes.length,
      from,
      hashes: manifest.hashes.slice(from, from + MANIFEST_PAGE),
    };
  }

  /** Reads chunk `index` of the file with this id (it must have had a manifest made). */
  async readChunk(file: string, index: number): Promise<Buffer> {
    const m = this.#byId.get(file);
    if (!m || index >= m.hashes.length) throw new CamvidError('FILE_NOT_FOUND', 'Unknown file or chunk.');
    const s = await stat(m.real);
    if (s.size !== m.size || s.mtimeMs !== m.mtimeMs) throw new CamvidError('FILE_NOT_FOUND', 'The file changed; download it again.');
    const fh = await open(m.real, 'r');
    try {
      const length = Math.min(CHUNK_SIZE, m.size - index * CHUNK_SIZE);
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, index * CHUNK_SIZE);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
}

function hashFile(real: string, size: number, mtimeMs: number): Promise<Manifest> {
  return new Promise((resolve, reject) => {
    const whole = createHash('sha256');
    const hashes: string[] = [];
    let chunk = createHash('sha256');
    let inChunk = 0;
    const stream = createReadStream(real, { highWaterMark: 1024 * 1024 });
    stream.on('data', (chunkData) => {
      const data = chunkData as Buffer;
      whole.update(data);
      for (let at = 0; at < data.length; ) {
        const take = Math.min(CHUNK_SIZE - inChunk, data.length - at);
        chunk.update(data.subarray(at, at + take));
        inChunk += take;
        at += take;
        if (inChunk === CHUNK_SIZE) {
          hashes.push(chunk.digest('base64'));
          chunk = createHash('sha256');
          inChunk = 0;
        }
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (inChunk > 0) hashes.push(chunk.digest('base64'));
      resolve({ file: whole.digest('hex'), name: path.basename(real), real, size, mtimeMs, hashes });
    });
  });
}
