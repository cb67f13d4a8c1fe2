/**
 * A relay's cache of the chunks it fetched, on disk under the agent's data folder, bounded in
 * size (oldest files evicted first), so a class-wide download costs the host about `fan-out`
 * copies: each relay fetches a chunk once and serves all its children from here.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;

export class ChunkCache {
  readonly #sizes = new Map<string, number>(); // file id → bytes cached, in insertion (age) order
  #total = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {}

  #path(file: string, index: number): string {
    return path.join(this.dir, file, String(index));
  }

  async get(file: string, index: number): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(file, index));
    } catch {
      return null;
    }
  }

  async put(file: string, index: number, data: Buffer): Promise<void> {
    await mkdir(path.join(this.dir, file), { recursive: true });
    await writeFile(this.#path(file, index), data);
    this.#sizes.set(file, (this.#sizes.get(file) ?? 0) + data.length);
    this.#total += data.length;
    while (this.#total > this.maxBytes && this.#sizes.size > 1) {
      const [oldest, bytes] = this.#sizes.entries().next().value as [string, number];
      if (oldest === file) break;
      this.#sizes.delete(oldest);
      this.#total -= bytes;
      await rm(path.join(this.dir, oldest), { recursive: true, force: true });
    }
  }
}
