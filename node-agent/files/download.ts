/**
 * One download into a folder: manifest pages from the host, chunks through the tree (ChunkRelay)
 * with a window of requests in flight, each written at its offset in `<name>.part` and recorded in
 * LevelDB as soon as it is on disk. A download interrupted by a dead relay, a reconnect or an
 * agent restart continues from the recorded chunks; at the end the whole file's SHA-256 must match
 * its id, else every chunk is checked again and the bad ones fetched again.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import type { ManifestPage } from '../../protocol/files.js';
import type { Sublevel } from '../store/store.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { ChunkRelay } from './chunk-relay.js';
import { sha256File } from './hash.js';
import { sanitizeFileName } from './share-path.js';

const WINDOW = 16;

export interface DownloadProgress {
  path: string;
  file: string;
  done: number;
  chunks: number;
  bytes: number;
  size: number;
  /** chunks that were already on disk when this run started */
  resumed: number;
}

export interface DownloadResult extends DownloadProgress {
  out: string;
  /** chunks fetched by this run (a resumed download fetches only what was missing) */
  fetched: number;
}

interface SavedState {
  path: string;
  out: string;
  done: string; // base64 bitmap
}

export type DownloadEvents = { progress: [p: DownloadProgress] };

export class Download extends TypedEmitter<DownloadEvents> {
  #fetched = 0;

  constructor(
    private readonly relay: ChunkRelay,
    private readonly state: Sublevel,
    private readonly getManifest: (path: string, from: number) => Promise<ManifestPage>,
    readonly sharePath: string,
    readonly outDir: string,
  ) {
    super();
  }

  async run(): Promise<DownloadResult> {
    const first = await this.getManifest(this.sharePath, 0);
    const hashes = [...first.hashes];
    while (hashes.length < first.chunks) hashes.push(...(await this.getManifest(this.sharePath, hashes.length)).hashes);
    const m = first;
    await mkdir(this.outDir, { recursive: true });
    const out = path.join(this.outDir, sanitizeFileName(m.name));
    const part = `${out}.part`;
    const key = `${m.file}!${path.resolve(out)}`;
    const saved = await this.state.get(key).then((v) => (v ? (JSON.parse(v) as SavedState) : null));
    const partExists = await stat(part).then((s) => s.size === m.size, () => false);
    const done = saved && partExists ? Buffer.from(saved.done, 'base64') : Buffer.alloc(Math.ceil(m.chunks / 8));
    const isDone = (i: number) => (done[i >> 3]! & (1 << (i & 7))) !== 0;
    const resumed = countBits(done, m.chunks);
    const fh = await open(part, partExists ? 'r+' : 'w+');
    try {
      if (!partExists) await fh.truncate(m.size);
      const progress = (): DownloadProgress => {
        const n = countBits(done, m.chunks);
        return { path: this.sharePath, file: m.file, done: n, chunks: m.chunks, bytes: Math.min(m.size, n * m.chunkSize), size: m.size, resumed };
      };
      let persisting = Promise.resolve();
      const markDone = (i: number) => {
        done[i >> 3]! |= 1 << (i & 7);
        const value = JSON.stringify({ path: this.sharePath, out, done: done.toString('base64') } satisfies SavedState);
        persisting = persisting.then(() => this.state.put(key, value));
        this.emit('progress', progress());
      };
      for (let round = 0; round < 3; round++) {
        const missing = Array.from({ length: m.chunks }, (_, i) => i).filter((i) => !isDone(i));
        let next = 0;
        const worker = async () => {
          while (next < missing.length) {
            const i = missing[next++]!;
            const data = await this.relay.fetch(m.file, i, hashes[i]!, this.sharePath);
            this.#fetched++;
            await fh.write(data, 0, data.length, i * m.chunkSize);
            markDone(i);
          }
        };
        await Promise.all(Array.from({ length: Math.min(WINDOW, missing.length) }, worker));
        await persisting;
        await fh.sync();
        if ((await sha256File(part)) === m.file) {
          await fh.close();
          await rename(part, out);
          await this.state.del(key);
          return { ...progress(), out, fetched: this.#fetched };
        }
        // The whole file is wrong although every chunk passed: check each again (a disk error, or
        // a part file from another version) and fetch the bad ones.
        for (let i = 0; i < m.chunks; i++) {
          const buf = Buffer.alloc(Math.min(m.chunkSize, m.size - i * m.chunkSize));
          await fh.read(buf, 0, buf.length, i * m.chunkSize);
          if (createHash('sha256').update(buf).digest('base64') !== hashes[i]) done[i >> 3]! &= ~(1 << (i & 7));
        }
      }
      throw new CamvidError('FILE_NOT_FOUND', 'The download did not verify after three attempts.');
    } finally {
      await fh.close().catch(() => {});
    }
  }
}

function countBits(bits: Buffer, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (bits[i >> 3]! & (1 << (i & 7))) c++;
  return c;
}
