/**
 * One incoming ARQ transfer from another member: built from a validated `lab-arq-start`, it feeds
 * the frames LabService routes here to a pure receiver, sends the ACKs on the `lab` channel (seeded
 * ACK loss on top), writes the file once complete, and answers `lab-arq-end` with its hash and
 * counters. The peer is not trusted: the configuration is checked again, the file may not grow
 * past the size announced, and a transfer that goes quiet is dropped.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CtlMessage } from '../../protocol/ctl.js';
import { CamvidError } from '../../protocol/errors.js';
import { ArqConfigError, type ArqConfig, LossyChannel, resolveArqConfig } from '../../protocol/labs/arq.js';
import { LAB_RECEIVE_FILE, type LabReceiverStats } from '../../protocol/labs/lab-messages.js';
import { deriveSeed } from '../../protocol/labs/rng.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { ArqReceiveDriver } from './arq-receive-driver.js';
import { labSink, sha256Hex } from './arq-peer-send.js';

/** A transfer with no frame for this long is abandoned (its memory freed). */
export const RECEIVE_IDLE_TIMEOUT_MS = 30_000;

type StartMessage = Extract<CtlMessage, { type: 'lab-arq-start' }>;

export interface ArqPeerReceiveOptions {
  /** folder the file is written to (created if missing) */
  dir: string;
  /** called once the file is written */
  onReceived(info: { size: number; sha256: string; identical: boolean; file: string }): void;
  /** called once when the transfer ends (done, aborted, idle) so the owner forgets it */
  onClosed(): void;
}

export class ArqPeerReceive {
  readonly config: ArqConfig;
  readonly #link: PeerLink;
  readonly #start: StartMessage;
  readonly #opts: ArqPeerReceiveOptions;
  readonly #channel: LossyChannel;
  readonly #driver: ArqReceiveDriver;
  #idle: NodeJS.Timeout;
  #written: Promise<{ file: string; sha256: string }> | null = null;
  #closed = false;

  /** Throws CamvidError('BAD_MESSAGE') for a configuration the machines refuse. */
  constructor(link: PeerLink, start: StartMessage, opts: ArqPeerReceiveOptions) {
    try {
      this.config = resolveArqConfig({ ...start, transferId: start.transfer });
    } catch (err) {
      if (err instanceof ArqConfigError) throw new CamvidError('BAD_MESSAGE', `${err.reason}: ${err.message}`);
      throw err;
    }
    this.#link = link;
    this.#start = start;
    this.#opts = opts;
    // Its own stream: the sender draws data losses from the seed itself.
    this.#channel = new LossyChannel({ seed: deriveSeed(start.seed, 3), dataLoss: 0, ackLoss: start.ackLoss, corruption: start.corruption });
    const began = performance.now();
    this.#driver = new ArqReceiveDriver(
      labSink(link),
      { config: this.config, channel: this.#channel, clock: () => performance.now() - began, events: null },
    );
    this.#idle = this.#idleTimer();
    this.#send({ type: 'lab-arq-ready', transfer: start.transfer });
  }

  get transfer(): number {
    return this.#start.transfer;
  }

  onFrame(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#idle.refresh();
    this.#driver.onFrame(bytes);
    const got = this.#driver.receiver.stats.bytesDelivered;
    if (got > this.#start.size) {
      this.abort(new CamvidError('BAD_MESSAGE', `received ${got} bytes, more than the ${this.#start.size} announced`));
      return;
    }
    if (this.#driver.complete && !this.#written) this.#written = this.#write();
  }

  /** The sender has every ACK: report the hash and counters, then end. */
  async onEnd(): Promise<void> {
    if (this.#closed) return;
    if (!this.#written) {
      this.abort(new CamvidError('BAD_MESSAGE', 'the sender ended before the file was complete'));
      return;
    }
    try {
      const { file, sha256 } = await this.#written;
      this.#send({ type: 'lab-arq-done', transfer: this.transfer, size: this.#driver.receiver.stats.bytesDelivered, sha256, file, stats: this.#stats() });
      this.close();
    } catch (err) {
      this.abort(new CamvidError('BAD_MESSAGE', `could not write the file: ${(err as Error).message}`));
    }
  }

  /** Ends the transfer and tells the sender why. */
  abort(err: CamvidError, tellPeer = true): void {
    if (this.#closed) return;
    if (tellPeer) this.#send({ type: 'lab-arq-abort', transfer: this.transfer, code: err.code, message: err.message.slice(0, 300) });
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    this.#driver.close();
    this.#opts.onClosed();
  }

  #idleTimer(): NodeJS.Timeout {
    const t = setTimeout(() => this.abort(new CamvidError('TIMEOUT', `no frame for ${RECEIVE_IDLE_TIMEOUT_MS / 1000} s`)), RECEIVE_IDLE_TIMEOUT_MS);
    t.unref();
    return t;
  }

  /** Writes through a temporary name, so receive.txt is always one whole transfer. */
  async #write(): Promise<{ file: string; sha256: string }> {
    const bytes = this.#driver.receiver.output();
    const sha256 = sha256Hex(bytes);
    await mkdir(this.#opts.dir, { recursive: true });
    const file = path.join(this.#opts.dir, LAB_RECEIVE_FILE);
    const tmp = `${file}.${this.transfer}.part`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    this.#opts.onReceived({ size: bytes.length, sha256, identical: sha256 === this.#start.sha256, file });
    return { file, sha256 };
  }

  #stats(): LabReceiverStats {
    const s = this.#driver.receiver.stats;
    const c = this.#channel.counts;
    return {
      framesReceived: s.framesReceived,
      delivered: s.delivered,
      bytesDelivered: s.bytesDelivered,
      buffered: s.buffered,
      discarded: s.discarded,
      rejected: s.rejected,
      acksSent: s.acksSent,
      acksDropped: c.acksDropped,
      corrupted: c.corrupted,
    };
  }

  #send(msg: CtlMessage): void {
    this.#link.sendCtl(msg);
  }
}
