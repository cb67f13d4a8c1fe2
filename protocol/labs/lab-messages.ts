/**
 * Messages of the ARQ lab between two members and between the UI and its agent.
 *
 * Peer (on the direct edge's `ctl` channel, spread into protocol/ctl.ts); the frames themselves go
 * on the `lab` channel:
 *
 *   sender → receiver   lab-arq-start  {transfer, config, size, sha256, ackLoss, corruption, seed}
 *   receiver → sender   lab-arq-ready  {transfer}                      or lab-arq-abort
 *   …data frames and ACKs on `lab`, data loss applied by the sender, ACK loss by the receiver…
 *   sender → receiver   lab-arq-end    {transfer}                      (every frame acknowledged)
 *   receiver → sender   lab-arq-done   {transfer, size, sha256, file, stats}   or lab-arq-abort
 *
 * Either end may send lab-arq-abort {transfer, code, message} at any time. Everything here comes
 * from a peer: the shapes bound every number and string, and the receiving agent checks the
 * configuration again with resolveArqConfig.
 */
import { peerId } from '../common.js';
import { HEX_ID, int, literal, num, object, optional, str, wireErrorFields } from '../validate.js';
import { ARQ_PROTOCOLS, MAX_SEGMENT_SIZE, MAX_SEQ_BITS, type ArqConfig, type ArqEvent } from './arq-config.js';
import type { ArqRunStats } from './arq-stats.js';

/** The largest file a member accepts over the lab channel: the receiver holds it in memory. */
export const MAX_LAB_FILE_BYTES = 64 * 1024 * 1024;
/** Loss probabilities stay below 1, or a transfer could never finish. */
export const MAX_LAB_LOSS = 0.95;
/** Timeouts a person can choose, in ms. */
export const MIN_LAB_TIMEOUT_MS = 1;
export const MAX_LAB_TIMEOUT_MS = 60_000;
/** The receiver's file in its data folder. */
export const LAB_RECEIVE_FILE = 'receive.txt';

const transfer = int(0, 0xffff);
const count = int(0, Number.MAX_SAFE_INTEGER);
const sha256 = HEX_ID(64);
const loss = num(0, MAX_LAB_LOSS);

/** The receiver's counters, as it reports them in lab-arq-done. */
export const labReceiverStats = object({
  framesReceived: count,
  delivered: count,
  bytesDelivered: count,
  buffered: count,
  discarded: count,
  rejected: count,
  acksSent: count,
  acksDropped: count,
  corrupted: count,
});
export type LabReceiverStats = ReturnType<typeof labReceiverStats>;

export const labCtlShapes = {
  'lab-arq-start': {
    transfer,
    protocol: literal(...ARQ_PROTOCOLS),
    window: int(1, 2 ** (MAX_SEQ_BITS - 1)),
    seqBits: int(1, MAX_SEQ_BITS),
    timeout: num(MIN_LAB_TIMEOUT_MS, MAX_LAB_TIMEOUT_MS),
    segmentSize: int(1, MAX_SEGMENT_SIZE),
    size: int(0, MAX_LAB_FILE_BYTES),
    sha256,
    ackLoss: loss,
    corruption: loss,
    seed: int(0, 2 ** 32 - 1),
  },
  'lab-arq-ready': { transfer },
  'lab-arq-end': { transfer },
  'lab-arq-done': { transfer, size: int(0, MAX_LAB_FILE_BYTES), sha256, file: str({ min: 1, max: 200 }), stats: labReceiverStats },
  'lab-arq-abort': { transfer, ...wireErrorFields },
};

/** UI → agent: run the ARQ lab over the network with another member (the agent sends). */
export const labUiRequests = {
  'lab-arq-run': {
    peer: peerId,
    protocol: literal(...ARQ_PROTOCOLS),
    window: optional(int(1, 2 ** (MAX_SEQ_BITS - 1))),
    timeout: optional(num(MIN_LAB_TIMEOUT_MS, MAX_LAB_TIMEOUT_MS)),
    loss,
    ackLoss: optional(loss),
    seed: optional(int(0, 2 ** 32 - 1)),
    /** bytes of random data to send instead of the sample send.txt */
    size: optional(int(0, MAX_LAB_FILE_BYTES)),
  },
};

/** What one transfer over the network did: the sender's view, with the receiver's report. */
export interface LabArqNetResult {
  peer: string;
  peerName: string;
  config: ArqConfig;
  dataLoss: number;
  ackLoss: number;
  seed: number;
  fileName: string;
  stats: ArqRunStats;
  sentSha256: string;
  receivedSha256: string;
  identical: boolean;
  /** where the receiver wrote the file, as it reported it */
  receivedFile: string;
  /** the sender's first events (wall clock, ms since start) for a timeline */
  events: ArqEvent[];
  eventsTotal: number;
}

/** Pushed to the receiver's UI when a classmate's file has arrived. */
export interface LabArqReceived {
  from: string;
  fromName: string;
  size: number;
  sha256: string;
  identical: boolean;
  file: string;
  /** the receiver's page saves a copy through the browser at `/file/<ticket>` */
  ticket: string;
}

/** What the agent replies to each request above (merged in protocol/ui-features.ts). */
export interface LabUiReplies {
  'lab-arq-run': LabArqNetResult;
}

export type LabUiEvent = { type: 'lab-arq-received'; received: LabArqReceived };
