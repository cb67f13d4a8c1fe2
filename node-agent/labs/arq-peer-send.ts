/**
 * One outgoing ARQ transfer to another member over a direct edge: announces it on `ctl`, sends the
 * frames on the unreliable `lab` channel (seeded data loss on top of the channel's own), and after
 * the last ACK asks the receiver for its hash and counters. LabService routes this transfer's ctl
 * messages and ACK frames here. Any failure ends the run with a CamvidError and tells the peer.
 */
import { createHash } from 'node:crypto';
import { CamvidError, errorFromWire, toCamvidError } from '../../protocol/errors.js';
import { type ArqConfig, type ArqEvent, type ArqRunStats, computeRunStats, LossyChannel } from '../../protocol/labs/arq.js';
import type { LabReceiverStats } from '../../protocol/labs/lab-messages.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { ArqSendDriver, type FrameSink } from './arq-send-driver.js';

/** The receiver answers a start at once; anything slower means it is not listening. */
const READY_TIMEOUT_MS = 5_000;
/** Time for the receiver to finish writing the file and report. */
const DONE_TIMEOUT_MS = 15_000;

type LabReply = Extract<CtlMessage, { type: 'lab-arq-ready' | 'lab-arq-done' | 'lab-arq-abort' }>;
type DoneMessage = Extract<CtlMessage, { type: 'lab-arq-done' }>;

export interface ArqPeerSendOptions {
  config: ArqConfig;
  data: Uint8Array;
  seed: number;
  dataLoss: number;
  ackLoss: number;
  corruption: number;
  /** gives up (TIMEOUT) when the transfer is not finished by then */
  maxDurationMs: number;
  /** events kept for the UI's timeline (the first ones) */
  maxEvents: number;
}

export interface ArqPeerSendResult {
  stats: ArqRunStats;
  sentSha256: string;
  receivedSha256: string;
  receivedFile: string;
  events: ArqEvent[];
  eventsTotal: number;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Frames onto a link's unreliable `lab` channel; a refused or failed send counts as a loss. */
export const labSink = (link: PeerLink): FrameSink => ({
  send(bytes) {
    const dc = link.channel('lab');
    if (!dc) return false;
    try {
      return dc.sendMessageBinary(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch {
      return false; // closing, or the buffer is full
    }
  },
});

export class ArqPeerSend {
  readonly #link: PeerLink;
  readonly #opts: ArqPeerSendOptions;
  readonly #channel: LossyChannel;
  readonly #driver: ArqSendDriver;
  readonly #events: ArqEvent[] = [];
  #waiting: { type: LabReply['type']; resolve: (m: LabReply) => void; reject: (e: Error) => void } | null = null;
  #failed: CamvidError | null = null;
  #peerAborted = false;
  #fail: (err: CamvidError) => void = () => {};
  readonly #failure: Promise<never>;

  constructor(link: PeerLink, opts: ArqPeerSendOptions) {
    this.#link = link;
    this.#opts = opts;
    this.#channel = new LossyChannel({ seed: opts.seed, dataLoss: opts.dataLoss, corruption: opts.corruption });
    const start = performance.now();
    this.#driver = new ArqSendDriver(labSink(link), {
      config: opts.config,
      data: opts.data,
      channel: this.#channel,
      clock: () => performance.now() - start,
      events: this.#events,
      maxEvents: opts.maxEvents,
    });
    this.#failure = new Promise<never>((_, reject) => {
      this.#fail = (err) => {
        if (this.#failed) return;
        this.#failed = err;
        this.#driver.close();
        this.#waiting?.reject(err);
        reject(err);
      };
    });
    this.#failure.catch(() => {}); // observed through run()
  }

  get transfer(): number {
    return this.#opts.config.transferId;
  }

  /** Runs the whole exchange; resolves once the receiver reported its hash. */
  async run(): Promise<ArqPeerSendResult> {
    const { config, data } = this.#opts;
    const sentSha256 = sha256Hex(data);
    const maxTimer = setTimeout(
      () => this.abort(new CamvidError('TIMEOUT', `The transfer was not finished after ${this.#opts.maxDurationMs / 1000} s.`)),
      this.#opts.maxDurationMs,
    );
    try {
      const ready = this.#expect('lab-arq-ready', READY_TIMEOUT_MS);
      this.#sendCtl({
        type: 'lab-arq-start',
        transfer: config.transferId,
        protocol: config.protocol,
        window: config.window,
        seqBits: config.seqBits,
        timeout: config.timeout,
        segmentSize: config.segmentSize,
        size: data.length,
        sha256: sentSha256,
        ackLoss: this.#opts.ackLoss,
        corruption: this.#opts.corruption,
        seed: this.#opts.seed,
      });
      await ready;
      this.#driver.start();
      await Promise.race([this.#driver.done, this.#failure]);
      const elapsed = this.#driver.sender.stats.doneAt ?? 0;
      const done = this.#expect('lab-arq-done', DONE_TIMEOUT_MS) as Promise<DoneMessage>;
      this.#sendCtl({ type: 'lab-arq-end', transfer: config.transferId });
      const report = await done;
      return {
        stats: this.#stats(report.stats, elapsed),
        sentSha256,
        receivedSha256: report.sha256,
        receivedFile: report.file,
        events: this.#events,
        eventsTotal: this.#events.length + this.#driver.eventsDropped,
      };
    } catch (err) {
      const e = toCamvidError(err, 'CLOSED');
      // Tell the receiver, unless it was the one that gave up.
      if (!this.#peerAborted) {
        this.#sendCtl({ type: 'lab-arq-abort', transfer: config.transferId, code: e.code, message: e.message.slice(0, 300) });
      }
      throw e;
    } finally {
      clearTimeout(maxTimer);
      this.#driver.close();
    }
  }

  /** An ACK (or anything) for this transfer arrived on the lab channel. */
  onFrame(bytes: Uint8Array): void {
    if (!this.#failed) this.#driver.onFrame(bytes);
  }

  /** A ctl message for this transfer arrived from the receiver. */
  onCtl(msg: LabReply): void {
    if (msg.type === 'lab-arq-abort') {
      this.#peerAborted = true;
      this.abort(errorFromWire({ code: msg.code, message: `The receiver stopped the transfer: ${msg.message}` }));
      return;
    }
    if (this.#waiting?.type === msg.type) {
      const w = this.#waiting;
      this.#waiting = null;
      w.resolve(msg);
    }
  }

  /** Ends the run with `err` (link closed, time limit, agent leaving). Idempotent. */
  abort(err: CamvidError): void {
    this.#fail(err);
  }

  #expect(type: LabReply['type'], timeoutMs: number): Promise<LabReply> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<LabReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        reject(new CamvidError('TIMEOUT', `The receiver did not answer (${type.replace('lab-arq-', '')}) within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      this.#waiting = {
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  #sendCtl(msg: CtlMessage): void {
    if (!this.#link.sendCtl(msg) && !this.#failed) this.abort(new CamvidError('CLOSED', 'The direct connection closed.'));
  }

  /** Both ends' counters as one summary, as if one program had watched the whole run. */
  #stats(r: LabReceiverStats, elapsed: number): ArqRunStats {
    const own = this.#channel.counts;
    return computeRunStats(
      this.#driver.sender.stats,
      { ...r, completeAt: null },
      { ...own, acksOffered: r.acksSent, acksDropped: r.acksDropped, corrupted: own.corrupted + r.corrupted },
      elapsed,
    );
  }
}
