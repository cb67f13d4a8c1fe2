/**
 * The student's side of an upload (the host's is uploads.ts): `upload-begin` on ctl, wait for
 * `upload-accept` or a refusal, the chunks on `bulk`, `upload-end`, then the host's
 * `upload-result`. Every wait is bounded by what it waits for, never by the file's size: the
 * host's answer to a begin or an end within ANSWER_TIMEOUT_MS, and while sending, a channel that
 * takes nothing for STALL_MS. A 100 MB essay over slow Wi-Fi therefore takes as long as it takes,
 * and a dead host is told within a minute.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError, errorFromWire } from '../../protocol/errors.js';
import { CHUNK_SIZE, encodeChunk } from '../../protocol/files.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { BulkSender } from './bulk-sender.js';
import { sha256File } from './hash.js';

type Result = Extract<CtlMessage, { type: 'upload-result' }>;
/** how long the host may take to answer a begin (accept or refuse) or an end (stored or refused) */
export const ANSWER_TIMEOUT_MS = 60_000;
/** how long the bulk channel may take no chunk before the upload is given up */
export const STALL_MS = 30_000;
const RETRY_MS = 20;

/** Sends one local file to the host over `link`; resolves with where the host stored it. */
export async function uploadFile(link: PeerLink, file: string, onProgress?: (sent: number, size: number) => void): Promise<string> {
  const { size } = await stat(file);
  const id = await sha256File(file);
  const answers = new Answers(link, id);
  try {
    link.sendCtl({ type: 'upload-begin', id, name: path.basename(file), size });
    const first = await answers.next('the start of the upload');
    if (first.type === 'upload-result') throw refusal(first); // refused at once: too large, too many
    await sendChunks(link, file, id, size, answers, onProgress);
    link.sendCtl({ type: 'upload-end', id });
    const r = await answers.next('the upload');
    if (r.type !== 'upload-result' || !r.ok) throw refusal(r);
    return r.path ?? path.basename(file);
  } finally {
    answers.close();
  }
}

async function sendChunks(link: PeerLink, file: string, id: string, size: number, answers: Answers, onProgress?: (sent: number, size: number) => void): Promise<void> {
  const dc = link.channel('bulk');
  if (!dc) throw new CamvidError('CLOSED', 'The link to the host closed before the upload.');
  const sender = new BulkSender(dc);
  const fh = await open(file, 'r');
  try {
    for (let index = 0, sent = 0; sent < size; index++) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, size - sent));
      await fh.read(buf, 0, buf.length, sent);
      for (const since = Date.now(); !sender.send(encodeChunk(id, index, buf)); await sleep(RETRY_MS)) {
        answers.throwIfOver();
        if (sender.closed) throw new CamvidError('CLOSED', 'The link to the host closed during the upload.');
        if (Date.now() - since > STALL_MS) throw new CamvidError('TIMEOUT', `The upload stalled: the link to the host took nothing for ${STALL_MS / 1000} s.`);
      }
      sent += buf.length;
      onProgress?.(sent, size);
    }
  } finally {
    await fh.close();
  }
}

const CLOSED = () => new CamvidError('CLOSED', 'The connection to the host closed during the upload.');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function refusal(r: CtlMessage): CamvidError {
  const m = r as Result;
  return errorFromWire({ code: m.code ?? 'BAD_UPLOAD', message: m.message });
}

/** The host's answers about one upload, in order, and whether the link closed under it. */
class Answers {
  readonly #queue: Array<Extract<CtlMessage, { type: 'upload-accept' | 'upload-result' }>> = [];
  #wake: (() => void) | null = null;
  #over: CamvidError | null = null;
  readonly #off: Array<() => void>;

  constructor(link: PeerLink, id: string) {
    if (link.closed) this.#over = CLOSED();
    this.#off = [
      link.on('ctl', (msg) => {
        if ((msg.type !== 'upload-accept' && msg.type !== 'upload-result') || msg.id !== id) return;
        this.#queue.push(msg);
        this.#wake?.();
      }),
      link.once('closed', () => {
        this.#over = CLOSED();
        this.#wake?.();
      }),
    ];
  }

  /** The next answer, or TIMEOUT after ANSWER_TIMEOUT_MS, or CLOSED. */
  async next(what: string): Promise<Extract<CtlMessage, { type: 'upload-accept' | 'upload-result' }>> {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const m = this.#queue.shift();
      if (m) return m;
      this.throwIfOver();
      const left = deadline - Date.now();
      if (left <= 0) throw new CamvidError('TIMEOUT', `The instructor's computer did not confirm ${what}.`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** Throws when the link closed, or the host already answered mid-send (it refused the upload). */
  throwIfOver(): void {
    if (this.#over) throw this.#over;
    const early = this.#queue.find((m) => m.type === 'upload-result');
    if (early) throw refusal(early);
  }

  close(): void {
    for (const off of this.#off) off();
    this.#wake?.();
  }
}
