/**
 * Uploads from a student into the host's `<data>/uploads/<student>/`, over a direct edge to the
 * host: `upload-begin` (id = the file's SHA-256, name, size) → `upload-accept` or a refusal (too
 * large) → chunks on `bulk` (the download framing) → `upload-end` → the host checks size and hash
 * and answers `upload-result` with where it stored the file. Names are sanitised, cut to 255
 * bytes of UTF-8, and never overwrite: "report.pdf" becomes "report (1).pdf". Every begin and end
 * is answered at once, also when the host's disk fails (BAD_UPLOAD, the temp file removed), so a
 * student never waits out its timeout for a host that is still there. The student's side is
 * upload-sender.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CHUNK_SIZE, decodeChunk } from '../../protocol/files.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { studentFolder } from './student-folder.js';
import { TypedEmitter } from '../typed-emitter.js';
import { sha256File } from './hash.js';
import { fitFileName, sanitizeFileName } from './share-path.js';

const log = createLogger('agent:files');
export const DEFAULT_UPLOAD_CAP = 100 * 1024 * 1024;
/**
 * How long an ended upload waits for chunks still on their way: `upload-end` rides ctl and the
 * chunks bulk, separate SCTP streams delivered independently, so the last chunk may arrive after
 * the end. Each chunk that comes restarts the wait.
 */
export const TAIL_WAIT_MS = 5_000;
/**
 * Uploads one member may have open at once (each holds a file open on the host), and all members
 * together; past either, `upload-begin` is refused THROTTLED at once. A member's open uploads end
 * with its direct edge.
 */
export const MAX_OPEN_UPLOADS_PER_MEMBER = 4;
export const MAX_OPEN_UPLOADS = 64;
/** what a student hears when the host's file system fails (the reason, with the host's paths, goes to its log) */
const CANNOT_STORE = "The instructor's computer could not store the file; send it again, or tell the instructor.";

interface Incoming {
  /** the member sending it */
  peerId: string;
  /** the direct edge it arrives on */
  edge: string;
  name: string;
  size: number;
  received: number;
  fh: FileHandle;
  temp: string;
  /** its upload-end came: a second one is ignored */
  ending?: boolean;
  /** called on each chunk and when the upload is discarded, while its end waits for the tail */
  wake?: () => void;
}

/** `student`: the display name; `peer`: the peer id its folder is filed by (student-folder.ts) */
export type UploadReceiverEvents = { uploaded: [info: { student: string; peer: string; name: string; size: number; path: string }] };

/** The host's side: accepts uploads on direct edges from members. */
export class UploadReceiver extends TypedEmitter<UploadReceiverEvents> {
  readonly #incoming = new Map<string, Incoming>();
  /** uploads whose file is being created: key → member */
  readonly #opening = new Map<string, string>();
  readonly #off: (() => void)[];
  /** upload-begins refused for too many open uploads */
  refusedOpen = 0;
  #closed = false;

  constructor(
    edges: EdgeTable,
    private readonly dir: string,
    private readonly nameOf: (peerId: string) => string | undefined,
    readonly cap = DEFAULT_UPLOAD_CAP,
  ) {
    super();
    this.#off = [
      edges.on('ctl', (link, msg) => background(this.#onCtl(link, msg), log, `handling ${msg.type}`)),
      edges.on('bulk', (link, data) => background(this.#onBulk(link, data), log, 'writing an upload chunk')),
      // The edge is gone (the member left, or closed it): nothing more can arrive on it.
      edges.on('closed', (link) => {
        for (const [key, u] of this.#incoming) {
          if (u.edge !== link.edge) continue;
          this.#incoming.delete(key);
          discard(u);
        }
      }),
    ];
  }

  close(): void {
    this.#closed = true;
    for (const off of this.#off) off();
    for (const u of this.#incoming.values()) discard(u);
    this.#incoming.clear();
    this.removeAllListeners();
  }

  async #onCtl(link: PeerLink, msg: CtlMessage): Promise<void> {
    if (link.opts.kind !== 'direct') return;
    const key = `${link.edge}:${'id' in msg ? msg.id : ''}`;
    if (msg.type === 'upload-begin') await this.#begin(link, key, msg);
    else if (msg.type === 'upload-end') await this.#end(link, key, msg.id);
  }

  /** Creates the upload's temp file; a failure is answered at once, not by the student's timeout. */
  async #begin(link: PeerLink, key: string, msg: Extract<CtlMessage, { type: 'upload-begin' }>): Promise<void> {
    if (msg.size > this.cap) {
      link.sendCtl({ type: 'upload-result', id: msg.id, ok: false, code: 'TOO_LARGE', message: `The file is larger than the instructor's upload limit of ${formatMb(this.cap)}; send a smaller file.` });
      return;
    }
    const busy = this.#openFor(link.peerId, key);
    if (busy) {
      this.refusedOpen++;
      link.sendCtl({ type: 'upload-result', id: msg.id, ok: false, code: 'THROTTLED', message: busy });
      return;
    }
    const temp = path.join(this.dir, '.partial', randomBytes(8).toString('hex'));
    let fh: FileHandle;
    // Its place is held while the file is created, so begins arriving together cannot pass the cap.
    const slot = `${key}#opening`;
    this.#opening.set(slot, link.peerId);
    try {
      await mkdir(path.dirname(temp), { recursive: true });
      fh = await open(temp, 'w');
    } catch (err) {
      log.warn('could not create the file of an upload', err);
      link.sendCtl({ type: 'upload-result', id: msg.id, ok: false, code: 'BAD_UPLOAD', message: CANNOT_STORE });
      return;
    } finally {
      this.#opening.delete(slot);
    }
    const u: Incoming = { peerId: link.peerId, edge: link.edge, name: msg.name, size: msg.size, received: 0, fh, temp };
    if (this.#closed || link.closed) {
      // The room was left while the file was being created: nothing would ever close it.
      discard(u);
      link.sendCtl({ type: 'upload-result', id: msg.id, ok: false, code: 'CLOSED', message: 'The upload ended before it started (the room or the connection closed).' });
      return;
    }
    const earlier = this.#incoming.get(key);
    if (earlier) discard(earlier); // the same file begun again on the same edge: the new one goes on
    this.#incoming.set(key, u);
    link.sendCtl({ type: 'upload-accept', id: msg.id });
  }

  /** Checks and stores a finished upload; whatever fails, the student hears at once and the temp file goes. */
  async #end(link: PeerLink, key: string, id: string): Promise<void> {
    const u = this.#incoming.get(key);
    if (!u || u.ending) return;
    u.ending = true;
    await tail(u, () => this.#incoming.get(key) !== u);
    if (this.#incoming.get(key) !== u) return; // discarded meanwhile: the edge or the receiver closed
    this.#incoming.delete(key);
    const fail = (message: string) => {
      background(rm(u.temp, { force: true }), log, 'removing a refused upload');
      link.sendCtl({ type: 'upload-result', id, ok: false, code: 'BAD_UPLOAD', message });
    };
    let final: string;
    let student: string;
    try {
      await u.fh.close();
      if (u.received !== u.size) return fail('The upload arrived incomplete.');
      if ((await sha256File(u.temp)) !== id) return fail('The upload arrived damaged.');
      student = this.nameOf(link.peerId) ?? 'unknown';
      const folder = await studentFolder(this.dir, student, link.peerId);
      final = await freeName(folder, sanitizeFileName(u.name));
      await rename(u.temp, final);
    } catch (err) {
      log.warn('could not store an upload', err);
      return fail(CANNOT_STORE);
    }
    // Told as a person reads it: the display name and the file (the folder also carries the peer id).
    link.sendCtl({ type: 'upload-result', id, ok: true, path: `${student}/${path.basename(final)}` });
    this.emit('uploaded', { student, peer: link.peerId, name: path.basename(final), size: u.size, path: final });
  }

  async #onBulk(link: PeerLink, data: Buffer): Promise<void> {
    if (link.opts.kind !== 'direct') return;
    const chunk = decodeChunk(data);
    const u = chunk && this.#incoming.get(`${link.edge}:${chunk.file}`);
    if (!chunk || !u) return;
    const at = chunk.index * CHUNK_SIZE;
    if (at + chunk.data.length > u.size) return; // more than announced: dropped, then refused at the end
    u.received += chunk.data.length;
    u.wake?.();
    await u.fh.write(Buffer.from(chunk.data), 0, chunk.data.length, at);
  }

  /** Why one more open upload from `peerId` is refused, or null (`key` begun again replaces itself). */
  #openFor(peerId: string, key: string): string | null {
    let mine = 0;
    let all = 0;
    for (const [k, u] of this.#incoming) {
      if (k === key) continue;
      all++;
      if (u.peerId === peerId) mine++;
    }
    for (const [k, from] of this.#opening) {
      if (k === `${key}#opening`) continue;
      all++;
      if (from === peerId) mine++;
    }
    if (mine >= MAX_OPEN_UPLOADS_PER_MEMBER) return `You are sending ${MAX_OPEN_UPLOADS_PER_MEMBER} files already; send this one when one of them is done.`;
    if (all >= MAX_OPEN_UPLOADS) return 'The instructor is receiving many files right now; send this one again in a moment.';
    return null;
  }
}

/** Resolves once `u` has all its bytes, or it is `gone`, or no chunk came for TAIL_WAIT_MS. */
function tail(u: Incoming, gone: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      u.wake = undefined;
      resolve();
    };
    const check = () => {
      clearTimeout(timer);
      if (u.received >= u.size || gone()) finish();
      else timer = setTimeout(finish, TAIL_WAIT_MS);
    };
    u.wake = check;
    check();
  });
}

const formatMb = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;

/** Gives up an upload: closes its temp file, then removes it. */
function discard(u: Incoming): void {
  u.wake?.();
  background(u.fh.close().finally(() => rm(u.temp, { force: true })), log, 'removing a partial upload');
}

/** `name` in `folder`, or `name (1)`, `name (2)`…: the first that is free, each within MAX_NAME_BYTES. */
async function freeName(folder: string, name: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = path.join(folder, fitFileName(name, n ? ` (${n})` : ''));
    if (!(await stat(candidate).catch(() => null))) return candidate;
  }
}

