/**
 * Moves file chunks down the tree. Every agent answers its children's `chunk-get`: the host from
 * its share, a relay from its cache or, on a miss, by asking its own parent once however many
 * children want the same chunk (pull-through). Every chunk is checked against its SHA-256 where it
 * arrives; a bad or missing one is asked for again, from whoever is the parent by then.
 */
import { createHash } from 'node:crypto';
import { CamvidError, errorFromWire, toCamvidError } from '../../protocol/errors.js';
import { decodeChunk, encodeChunk } from '../../protocol/files.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { BulkSender } from './bulk-sender.js';
import type { ChunkCache } from './chunk-cache.js';
import type { ShareHost } from './share-host.js';

const log = createLogger('agent:files');
/**
 * The `bulk` channel is reliable and a dead parent is noticed by heartbeats within 1.5 s (then
 * everything pending is asked of the new parent at once), so this timer only guards against a
 * parent that silently drops requests. Short timers resend chunks that are merely queued behind
 * others and make the host send more than one copy per child.
 */
const RETRY_MS = 30_000;
/**
 * Asks of a parent that stayed silent for RETRY_MS before a chunk fails. Only silence counts: while
 * the parent keeps sending (our request is queued behind others on a slow, lossy link) or while we
 * have no parent at all (cut off; a new parent is asked everything at once), a request waits. The
 * soak found downloads failing with "Chunk N did not arrive" after 3 minutes of a busy but healthy
 * 0.2 MB/s link, every 30 s re-ask counting as a failure and adding a duplicate to the queue.
 */
const MAX_TRIES = 6;

export interface ChunkRelayOptions {
  /** default RETRY_MS; tests shorten it */
  retryMs?: number;
}

type AskReason = 'first' | 'new parent' | 'silence' | 'corrupt';

interface Pending {
  file: string;
  index: number;
  hash: string;
  path: string | null;
  tries: number;
  timer: NodeJS.Timeout | null;
  waiters: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[];
}

export interface ChunkRelayStats {
  /** bytes sent to children */
  served: number;
  /** chunks received from the parent (including ones asked for again) */
  fetched: number;
  /** chunks from the parent that failed their hash */
  corrupt: number;
}

export class ChunkRelay {
  readonly stats: ChunkRelayStats = { served: 0, fetched: 0, corrupt: 0 };
  readonly #pending = new Map<string, Pending>();
  /** chunks received but not yet on disk in the cache: a child asking now must not cost a refetch */
  readonly #writing = new Map<string, Buffer>();
  readonly #senders = new WeakMap<PeerLink, BulkSender>();
  readonly #disposables: (() => void)[] = [];
  readonly #retryMs: number;
  /** when the parent last sent us a chunk (or became our parent) */
  #lastFromParent = 0;
  #closed = false;

  constructor(
    private readonly edges: Pick<EdgeTable, 'on' | 'parent'>,
    private readonly share: ShareHost | null,
    private readonly cache: Pick<ChunkCache, 'get' | 'put'>,
    opts: ChunkRelayOptions = {},
  ) {
    this.#retryMs = opts.retryMs ?? RETRY_MS;
    this.#disposables.push(
      edges.on('ctl', (link, msg) => this.#onCtl(link, msg)),
      edges.on('bulk', (link, data) => link === edges.parent && this.#onChunk(data)),
      edges.on('open', (link) => {
        // A new parent: everything still missing is asked of it at once.
        if (link !== edges.parent) return;
        this.#lastFromParent = Date.now();
        for (const p of this.#pending.values()) this.#ask(p, 'new parent');
      }),
    );
  }

  /** One chunk, from the share (host), the cache, or the parent. */
  async fetch(file: string, index: number, hash: string, path: string | null): Promise<Buffer> {
    if (this.#closed) throw new CamvidError('CLOSED');
    if (this.share) return this.share.readChunk(file, index);
    const key = `${file}:${index}`;
    const inMemory = this.#writing.get(key);
    if (inMemory) return inMemory;
    const cached = this.#pending.has(key) ? null : await this.cache.get(file, index);
    if (cached && sha256(cached) === hash) return cached;
    const written = this.#writing.get(key); // it may have arrived while we read the disk
    if (written) return written;
    return new Promise((resolve, reject) => {
      let p = this.#pending.get(key);
      if (!p) {
        p = { file, index, hash, path, tries: 0, timer: null, waiters: [] };
        this.#pending.set(key, p);
        this.#ask(p, 'first');
      }
      p.waiters.push({ resolve, reject });
    });
  }

  close(): void {
    this.#closed = true;
    for (const d of this.#disposables.splice(0)) d();
    for (const p of this.#pending.values()) this.#settle(p, new CamvidError('CLOSED'));
  }

  #ask(p: Pending, why: AskReason): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => this.#ask(p, 'silence'), this.#retryMs);
    p.timer.unref();
    const parent = this.edges.parent;
    // No parent to blame (a new one is asked everything when it opens), or one that is busy sending
    // us other chunks (this request is queued behind them): wait, do not send a duplicate.
    if (why === 'silence' && (!parent || Date.now() - this.#lastFromParent < this.#retryMs)) return;
    if ((why === 'silence' || why === 'corrupt') && ++p.tries > MAX_TRIES) {
      return this.#settle(p, new CamvidError('TIMEOUT', `Chunk ${p.index} did not arrive.`));
    }
    log.debug(`chunk ${p.index} of ${p.file.slice(0, 8)}: asked of ${parent?.peerId ?? 'no parent'} (${why}, ${p.tries} silent)`);
    parent?.sendCtl({ type: 'chunk-get', file: p.file, index: p.index, hash: p.hash, path: p.path });
  }

  #settle(p: Pending, result: Buffer | Error): void {
    if (p.timer) clearTimeout(p.timer);
    this.#pending.delete(`${p.file}:${p.index}`);
    for (const w of p.waiters) result instanceof Error ? w.reject(result) : w.resolve(result);
  }

  #onChunk(data: Buffer): void {
    const chunk = decodeChunk(data);
    if (chunk) this.#lastFromParent = Date.now(); // even a late duplicate shows the parent at work
    const p = chunk && this.#pending.get(`${chunk.file}:${chunk.index}`);
    if (!chunk || !p) return; // late, duplicate or garbage
    this.stats.fetched++;
    if (sha256(chunk.data) !== p.hash) {
      this.stats.corrupt++;
      log.warn(`chunk ${p.index} of ${p.file.slice(0, 8)} failed its hash; asking again`);
      return this.#ask(p, 'corrupt');
    }
    const copy = Buffer.from(chunk.data); // the message buffer may be reused
    const key = `${p.file}:${p.index}`;
    this.#writing.set(key, copy);
    background(this.cache.put(p.file, p.index, copy).finally(() => this.#writing.delete(key)), log, 'cache write');
    this.#settle(p, copy);
  }

  #onCtl(link: PeerLink, msg: CtlMessage): void {
    if (msg.type === 'chunk-error' && link === this.edges.parent) {
      const p = this.#pending.get(`${msg.file}:${msg.index}`);
      if (p && msg.code !== 'TIMEOUT') this.#settle(p, errorFromWire({ code: msg.code }));
      return;
    }
    if (msg.type !== 'chunk-get' || link.opts.end !== 'parent' || link.opts.kind === 'direct') return;
    log.debug(`chunk ${msg.index} of ${msg.file.slice(0, 8)}: asked by ${link.peerId}`);
    this.fetch(msg.file, msg.index, msg.hash, msg.path).then(
      (data) => {
        const dc = link.channel('bulk');
        if (!dc) return;
        let sender = this.#senders.get(link);
        if (!sender) this.#senders.set(link, (sender = new BulkSender(dc)));
        if (sender.send(encodeChunk(msg.file, msg.index, data))) this.stats.served += data.length;
      },
      (err: unknown) => link.sendCtl({ type: 'chunk-error', file: msg.file, index: msg.index, code: toCamvidError(err, 'FILE_NOT_FOUND').code }),
    ).catch((err: Error) => log.warn(`chunk ${msg.index} for a child not sent: ${err.message}`)); // the child asks its new parent
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
