/**
 * The ARQ lab between two members of a room. Sending: open (or reuse) a direct edge to the peer and
 * run one ArqPeerSend over it. Receiving: answer a peer's `lab-arq-start` with an ArqPeerReceive,
 * which writes the file into this agent's data folder. Frames on a direct edge's `lab` channel
 * are routed to their transfer by kind and transfer id; anything else is counted and dropped, so
 * garbage from a peer never reaches a state machine it does not belong to (and the machines reject
 * bad checksums themselves). Owned by the agent (node-agent/features.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CtlMessage } from '../../protocol/ctl.js';
import { CamvidError, errorFromWire, toCamvidError } from '../../protocol/errors.js';
import { ArqConfigError, type ArqProtocol, FRAME_HEADER_BYTES, FRAME_KINDS, resolveArqConfig } from '../../protocol/labs/arq.js';
import type { LabArqNetResult, LabArqReceived } from '../../protocol/labs/lab-messages.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { TypedEmitter } from '../typed-emitter.js';
import { ArqPeerReceive } from './arq-peer-receive.js';
import { ArqPeerSend } from './arq-peer-send.js';

const log = createLogger('agent:labs');
/** The sample a run sends when no file is given. */
export const SAMPLE_SEND_FILE = new URL('./send.txt', import.meta.url);
/** A LAN round trip is a few ms; 50 ms leaves room for a busy machine without stalling long. */
export const DEFAULT_NET_TIMEOUT_MS = 50;
const MAX_INCOMING = 4;
const MAX_OUTGOING = 4;
const MAX_UI_EVENTS = 400;
const MAX_DURATION_MS = 10 * 60_000;

export interface LabArqRunOptions {
  protocol: ArqProtocol;
  window?: number;
  timeout?: number;
  segmentSize?: number;
  seqBits?: number;
  loss: number;
  ackLoss?: number;
  corruption?: number;
  seed?: number;
  /** the bytes to send and what to call them; default the sample send.txt */
  data?: Uint8Array;
  fileName?: string;
}

export type LabServiceEvents = {
  /** a classmate's file arrived and was written */
  received: [received: LabArqReceived];
};

type LabCtl = Extract<CtlMessage, { type: `lab-${string}` }>;
const isLabCtl = (m: CtlMessage): m is LabCtl => m.type.startsWith('lab-');
const key = (link: PeerLink, transfer: number) => `${link.edge}/${transfer}`;

export class LabService extends TypedEmitter<LabServiceEvents> implements Feature {
  /** lab frames and messages that belonged to no transfer (late, foreign or garbage) */
  stray = 0;
  readonly #outgoing = new Map<string, ArqPeerSend>();
  readonly #incoming = new Map<string, ArqPeerReceive>();
  readonly #watched = new WeakSet<PeerLink>();
  #roomOff: (() => void)[] = [];
  #closed = false;

  constructor(private readonly agent: FeatureHost) {
    super();
    agent.ui.handle('lab-arq-run', (req) =>
      this.runArq(req.peer, {
        protocol: req.protocol,
        window: req.window,
        timeout: req.timeout,
        loss: req.loss,
        ackLoss: req.ackLoss,
        seed: req.seed,
        ...(req.size === undefined ? {} : { data: randomBytes(req.size), fileName: `${req.size} random bytes` }),
      }),
    );
  }

  /** Where received files go: `<data folder>/labs/receive.txt`. */
  get receiveDir(): string {
    return path.join(this.agent.store.dir, 'labs');
  }

  /** Sends a file to `peer` (a member id) with ARQ over a direct edge; resolves with the summary. */
  async runArq(peer: string, o: LabArqRunOptions): Promise<LabArqNetResult> {
    if (this.#closed) throw new CamvidError('CLOSED');
    const ctx = this.agent.room;
    if (!ctx) throw new CamvidError('NOT_IN_ROOM');
    if (peer === ctx.me.id) throw new CamvidError('BAD_MESSAGE', 'Pick another member: the lab runs between two people.');
    if (this.#outgoing.size >= MAX_OUTGOING) throw new CamvidError('THROTTLED', `At most ${MAX_OUTGOING} lab transfers at a time.`);
    const peerName = this.agent.roster().find((m) => m.id === peer)?.name;
    if (!peerName) throw new CamvidError('NOT_IN_ROOM', 'That member is not in the room.');
    const data = o.data ?? (await readFile(SAMPLE_SEND_FILE));
    const link = await ctx.connectDirect(peer);
    this.#watch(link);
    let transfer = randomInt(0x10000);
    while (this.#outgoing.has(key(link, transfer))) transfer = (transfer + 1) & 0xffff;
    let config;
    try {
      config = resolveArqConfig({
        protocol: o.protocol,
        window: o.window,
        seqBits: o.seqBits,
        timeout: o.timeout ?? DEFAULT_NET_TIMEOUT_MS,
        segmentSize: o.segmentSize,
        transferId: transfer,
      });
    } catch (err) {
      if (err instanceof ArqConfigError) throw new CamvidError('BAD_MESSAGE', err.message);
      throw err;
    }
    const seed = o.seed ?? randomInt(2 ** 31);
    const ackLoss = o.ackLoss ?? 0;
    const run = new ArqPeerSend(link, {
      config,
      data,
      seed,
      dataLoss: o.loss,
      ackLoss,
      corruption: o.corruption ?? 0,
      maxDurationMs: MAX_DURATION_MS,
      maxEvents: MAX_UI_EVENTS,
    });
    const k = key(link, transfer);
    this.#outgoing.set(k, run);
    log.info(`ARQ ${config.protocol} to ${peerName}: ${data.length} B, loss ${o.loss}, transfer ${transfer}`);
    try {
      const r = await run.run();
      return {
        peer,
        peerName,
        config,
        dataLoss: o.loss,
        ackLoss,
        seed,
        fileName: o.fileName ?? (o.data ? 'data' : 'send.txt'),
        stats: r.stats,
        sentSha256: r.sentSha256,
        receivedSha256: r.receivedSha256,
        identical: r.sentSha256 === r.receivedSha256,
        receivedFile: r.receivedFile,
        events: r.events,
        eventsTotal: r.eventsTotal,
      };
    } finally {
      this.#outgoing.delete(k);
    }
  }

  /** Resolves the member called `name` (waiting up to `waitMs` for them to join), then runArq. */
  async runArqWith(name: string, o: LabArqRunOptions, waitMs = 60_000): Promise<LabArqNetResult> {
    const find = () => {
      const me = this.agent.room?.me.id;
      return this.agent.roster().find((m) => m.name === name && m.id !== me && m.state === 'connected');
    };
    let member = find();
    if (!member) {
      member = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new CamvidError('NOT_IN_ROOM', `No member called "${name}" joined within ${waitMs / 1000} s.`));
        }, waitMs);
        const off = this.agent.onRoster(() => {
          const m = find();
          if (!m) return;
          clearTimeout(timer);
          off();
          resolve(m);
        });
      });
    }
    return this.runArq(member!.id, o);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.removeAllListeners();
  }

  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    if (this.#closed) return;
    onAbort(signal, () => this.#detach());
    const { edges } = ctx;
    this.#roomOff.push(edges.on('open', (link) => this.#watch(link)));
    for (const link of edges.directLinks()) if (link.isOpen) this.#watch(link);
  }

  /** Leaving the room: every transfer ends (the edges close with the room). */
  #detach(): void {
    for (const off of this.#roomOff.splice(0)) off();
    const err = new CamvidError('CLOSED', 'Left the room.');
    for (const run of [...this.#outgoing.values()]) run.abort(err);
    for (const rx of [...this.#incoming.values()]) rx.abort(err, false);
  }

  #watch(link: PeerLink): void {
    if (link.opts.kind !== 'direct' || this.#watched.has(link)) return;
    this.#watched.add(link);
    link.on('lab', (buf) => this.#onLab(link, buf));
    link.on('ctl', (msg) => {
      if (isLabCtl(msg)) this.#onCtl(link, msg);
    });
    link.on('closed', () => {
      const err = new CamvidError('CLOSED', 'The direct connection to the other member closed.');
      for (const [k, run] of [...this.#outgoing]) if (k.startsWith(`${link.edge}/`)) run.abort(err);
      for (const [k, rx] of [...this.#incoming]) if (k.startsWith(`${link.edge}/`)) rx.abort(err, false);
    });
  }

  #onLab(link: PeerLink, buf: Buffer): void {
    if (buf.length < FRAME_HEADER_BYTES) {
      this.stray++;
      return;
    }
    const k = key(link, buf.readUInt16BE(2));
    const target = buf[0] === FRAME_KINDS.data ? this.#incoming.get(k) : buf[0] === FRAME_KINDS.ack ? this.#outgoing.get(k) : undefined;
    if (target) target.onFrame(buf);
    else this.stray++;
  }

  #onCtl(link: PeerLink, msg: LabCtl): void {
    const k = key(link, msg.transfer);
    switch (msg.type) {
      case 'lab-arq-start':
        return this.#accept(link, msg);
      case 'lab-arq-end':
        return void this.#incoming.get(k)?.onEnd();
      case 'lab-arq-ready':
      case 'lab-arq-done':
        return this.#outgoing.get(k)?.onCtl(msg) ?? void this.stray++;
      case 'lab-arq-abort': {
        const run = this.#outgoing.get(k);
        run?.onCtl(msg);
        this.#incoming.get(k)?.abort(errorFromWire(msg), false);
        return;
      }
    }
  }

  #accept(link: PeerLink, start: Extract<LabCtl, { type: 'lab-arq-start' }>): void {
    const k = key(link, start.transfer);
    const refuse = (err: CamvidError) =>
      link.sendCtl({ type: 'lab-arq-abort', transfer: start.transfer, code: err.code, message: err.message.slice(0, 300) });
    if (this.#incoming.has(k)) return void refuse(new CamvidError('BAD_MESSAGE', 'That transfer is already running.'));
    if (this.#incoming.size >= MAX_INCOMING) {
      return void refuse(new CamvidError('THROTTLED', `Already receiving ${MAX_INCOMING} lab transfers; try again later.`));
    }
    const fromName = this.agent.roster().find((m) => m.id === link.peerId)?.name ?? link.peerId;
    try {
      const rx = new ArqPeerReceive(link, start, {
        dir: this.receiveDir,
        onReceived: (info) => {
          const received: LabArqReceived = { from: link.peerId, fromName, ...info, ticket: this.agent.ui.offerFile(info.file, path.basename(info.file)) };
          log.info(`ARQ from ${fromName}: ${info.size} B → ${info.file} (${info.identical ? 'identical' : 'DIFFERENT'})`);
          this.emit('received', received);
          this.agent.ui.push({ type: 'lab-arq-received', received });
        },
        onClosed: () => {
          if (this.#incoming.get(k) === rx) this.#incoming.delete(k);
        },
      });
      this.#incoming.set(k, rx);
    } catch (err) {
      refuse(toCamvidError(err));
    }
  }
}
