/**
 * File sharing for one agent: the host's share (listings and manifests answered over member
 * sessions), the chunk relay on every agent, downloads and uploads. A feature of the agent
 * (node-agent/features.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError, errorFromWire } from '../../protocol/errors.js';
import type { FileEntry, ManifestPage } from '../../protocol/files.js';
import { background } from '../background.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import type { FeatureMemberMessage } from '../overlay/room-host.js';
import type { FeatureHostMessage } from '../overlay/room-member.js';
import { ChunkCache } from './chunk-cache.js';
import { ChunkRelay } from './chunk-relay.js';
import { Download } from './download.js';
import { ShareHost } from './share-host.js';
import { ShareRecordFile } from './share-record.js';
import { UiUploads } from './ui-uploads.js';
import { DEFAULT_UPLOAD_CAP, UploadReceiver } from './uploads.js';
import { uploadFile } from './upload-sender.js';

const log = createLogger('agent:files');
const REQUEST_TIMEOUT_MS = 30_000;

interface Waiting {
  resolve: (msg: Extract<FeatureHostMessage, { type: 'files-reply' }>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class FileService implements Feature {
  relay: ChunkRelay | null = null;
  uploads: UploadReceiver | null = null;
  /** largest upload the host accepts, bytes */
  uploadCap = DEFAULT_UPLOAD_CAP;
  #shareDir: string | null = null;
  #shareDotFiles = false;
  #share: ShareHost | null = null;
  readonly #shareRecord: ShareRecordFile;
  #ctx: RoomContext | null = null;
  readonly #cache: ChunkCache;
  readonly #waiting = new Map<number, Waiting>();
  /** room-scoped listeners */
  #roomOff: (() => void)[] = [];
  #nextReq = 1;
  #closing: Promise<void> | null = null;
  readonly #uiUploads: UiUploads;

  constructor(private readonly agent: FeatureHost) {
    this.#cache = new ChunkCache(path.join(agent.store.dir, 'cache', 'chunks'));
    this.#shareRecord = new ShareRecordFile(agent.store.dir);
    this.#uiUploads = new UiUploads(agent, (file) => this.upload(file));
    agent.ui.handle('files-list', async (req) => ({ entries: await this.list(req.path) }));
    agent.ui.handle('files-get', async (req) => this.#downloadForUi(req.path));
    agent.ui.handle('files-share', async (req) => {
      const s = await stat(req.dir).catch(() => null);
      if (!s?.isDirectory()) throw new CamvidError('FILE_NOT_FOUND', `No folder at ${req.dir}.`);
      this.setShare(req.dir, req.dotFiles === true);
      return { dir: this.#shareDir };
    });
  }

  /** Starts a download into `<data>/downloads`, reporting progress to the UI; resolves at once. */
  #downloadForUi(rel: string): { started: true } {
    const dl = this.download(rel, path.join(this.agent.store.dir, 'downloads'));
    const started = performance.now();
    let last = 0;
    const push = (p: { done: number; chunks: number; size: number; resumed: number }, state: 'running' | 'done' | 'failed', extra = {}) => {
      const secs = (performance.now() - started) / 1000;
      const rate = ((p.done - p.resumed) * (p.size / Math.max(1, p.chunks))) / Math.max(0.001, secs);
      this.agent.ui.push({ type: 'files-progress', path: rel, done: p.done, chunks: p.chunks, size: p.size, rate, state, ...extra });
    };
    dl.on('progress', (p) => {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      push(p, 'running');
    });
    background(
      dl.run().then(
        (r) => push(r, 'done', { out: r.out, ticket: this.agent.ui.offerFile(r.out, path.basename(r.out)) }),
        (err: CamvidError) => push({ done: 0, chunks: 0, size: 0, resumed: 0 }, 'failed', { error: err.message }),
      ),
      log,
      `download of ${rel}`,
    );
    return { started: true };
  }

  /** The folder the host shares, or null. */
  get shareDir(): string | null {
    return this.#shareDir;
  }

  /**
   * The folder the host shares (set before or while hosting). Dot-files stay unserved unless
   * `dotFiles`; this agent's data folder is never served, wherever it sits in the share.
   */
  setShare(dir: string | null, dotFiles = false): void {
    this.#shareDir = dir && path.resolve(dir);
    this.#shareDotFiles = dotFiles;
    this.#share = this.#shareDir ? new ShareHost(this.#shareDir, { dotFiles, hidden: [this.agent.store.dir] }) : null;
    const ctx = this.#ctx;
    if (ctx) {
      this.#detach();
      this.#attach(ctx);
    }
    if (ctx?.host) this.#keepShare(ctx.roomId);
    // Students' open Files views list again at once, instead of showing "no folder" until reopened.
    const sharing = this.#share !== null;
    ctx?.host?.broadcast({ type: 'files-shared', sharing });
    this.agent.ui.push({ type: 'files-shared', sharing });
  }

  async list(rel: string): Promise<FileEntry[]> {
    if (this.#ctx?.host) return this.#requireShare().list(rel);
    const reply = await this.#request({ type: 'files-list', req: 0, path: rel });
    return reply.entries ?? [];
  }

  async manifest(rel: string, from = 0): Promise<ManifestPage> {
    if (this.#ctx?.host) return this.#requireShare().manifest(rel, from);
    const reply = await this.#request({ type: 'files-manifest', req: 0, path: rel, from });
    if (!reply.manifest) throw new CamvidError('FILE_NOT_FOUND');
    return reply.manifest;
  }

  download(rel: string, outDir: string): Download {
    if (!this.relay) throw new CamvidError('NOT_IN_ROOM');
    return new Download(this.relay, this.agent.store.sublevel('downloads'), (p, from) => this.manifest(p, from), rel, outDir);
  }

  /** Sends a local file into the host's uploads folder; resolves with where the host stored it. */
  async upload(file: string, onProgress?: (sent: number, size: number) => void): Promise<string> {
    const ctx = this.#ctx;
    const hostId = ctx?.member?.info?.hostId;
    if (!ctx || !hostId) throw new CamvidError('NOT_IN_ROOM', 'Only students upload to the instructor.');
    const link = await ctx.connectDirect(hostId);
    return uploadFile(link, file, onProgress);
  }

  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    this.#attach(ctx);
    // A hosted room keeps its share across a restart: recorded now, or brought back on a resume.
    if (ctx.host && this.#shareDir) this.#keepShare(ctx.roomId);
    else if (ctx.host) background(this.#restoreShare(ctx), log, 'bringing back the share');
    onAbort(signal, () => {
      this.#detach();
      this.#ctx = null;
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#detach();
      this.#ctx = null;
      await this.#uiUploads.close();
    })();
    return this.#closing;
  }

  #keepShare(roomId: string): void {
    background(this.#shareRecord.write({ roomId, dir: this.#shareDir, dotFiles: this.#shareDotFiles }), log, 'keeping the share for a resume');
  }

  async #restoreShare(ctx: RoomContext): Promise<void> {
    const record = await this.#shareRecord.read(ctx.roomId);
    if (!record?.dir || this.#ctx !== ctx || this.#shareDir) return;
    const s = await stat(record.dir).catch(() => null);
    if (!s?.isDirectory()) return log.warn(`the shared folder ${record.dir} is gone; not sharing it again`);
    this.setShare(record.dir, record.dotFiles);
  }

  #requireShare(): ShareHost {
    if (!this.#share) throw new CamvidError('FILE_NOT_FOUND', 'This room shares no folder.');
    return this.#share;
  }

  #attach(ctx: RoomContext): void {
    this.#ctx = ctx;
    this.relay = new ChunkRelay(ctx.edges, ctx.host ? this.#share : null, this.#cache);
    if (ctx.host) {
      const host = ctx.host;
      this.#roomOff.push(host.on('feature', (id, msg) => background(this.#answer(id, msg), log, 'a share request')));
      this.uploads = new UploadReceiver(ctx.edges, path.join(this.agent.store.dir, 'uploads'), (id) => host.memberName(id), this.uploadCap);
      this.uploads.on('uploaded', (u) => this.agent.ui.push({ type: 'files-uploaded', student: u.student, peer: u.peer, name: u.name, size: u.size }));
    } else if (ctx.member) {
      this.#roomOff.push(ctx.member.on('feature', (msg) => this.#onReply(msg)));
    }
  }

  #detach(): void {
    this.relay?.close();
    this.relay = null;
    this.uploads?.close();
    this.uploads = null;
    for (const w of this.#waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new CamvidError('NOT_IN_ROOM', 'Left the room.'));
    }
    this.#waiting.clear();
    for (const off of this.#roomOff.splice(0)) off();
  }

  async #answer(memberId: string, msg: FeatureMemberMessage): Promise<void> {
    if (msg.type !== 'files-list' && msg.type !== 'files-manifest') return;
    const host = this.#ctx?.host;
    try {
      const wait = host?.admit('files', memberId) ?? 0;
      if (wait > 0) throw new CamvidError('THROTTLED', `Too many requests for the share; try again in ${Math.ceil(wait / 1000)} s.`);
      if (msg.type === 'files-list') host?.sendTo(memberId, { type: 'files-reply', req: msg.req, entries: await this.#requireShare().list(msg.path) });
      else host?.sendTo(memberId, { type: 'files-reply', req: msg.req, manifest: await this.#requireShare().manifest(msg.path, msg.from) });
    } catch (err) {
      const e = err instanceof CamvidError ? err : new CamvidError('FILE_NOT_FOUND', 'The share could not read that.');
      host?.sendTo(memberId, { type: 'files-reply', req: msg.req, error: { code: e.code, message: e.message } });
    }
  }

  #request(msg: Extract<FeatureMemberMessage, { type: 'files-list' | 'files-manifest' }>) {
    const member = this.#ctx?.member;
    if (!member) return Promise.reject(new CamvidError('NOT_IN_ROOM'));
    const req = this.#nextReq++;
    return new Promise<Extract<FeatureHostMessage, { type: 'files-reply' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(req);
        reject(new CamvidError('TIMEOUT', 'The host did not answer.'));
      }, REQUEST_TIMEOUT_MS);
      this.#waiting.set(req, { resolve, reject, timer });
      if (!member.send({ ...msg, req })) {
        clearTimeout(timer);
        this.#waiting.delete(req);
        reject(new CamvidError('CLOSED', 'Not connected to the host right now.'));
      }
    }).then((reply) => {
      if (reply.error) throw errorFromWire(reply.error);
      return reply;
    });
  }

  #onReply(msg: FeatureHostMessage): void {
    if (msg.type === 'files-shared') return this.agent.ui.push({ type: 'files-shared', sharing: msg.sharing });
    if (msg.type !== 'files-reply') return;
    const w = this.#waiting.get(msg.req);
    if (!w) return;
    this.#waiting.delete(msg.req);
    clearTimeout(w.timer);
    w.resolve(msg);
  }
}
