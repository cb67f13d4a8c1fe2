/**
 * Shared vocabulary of the ARQ lab: protocol names, configuration (validated once, here), the
 * event log record the UI draws as a timeline, and the step every state machine returns.
 */

export const ARQ_PROTOCOLS = ['sr', 'gbn', 'sw'] as const;
/** Selective Repeat, Go-Back-N, Stop-and-Wait. */
export type ArqProtocol = (typeof ARQ_PROTOCOLS)[number];

export const ARQ_PROTOCOL_NAMES: Record<ArqProtocol, string> = {
  sr: 'Selective Repeat',
  gbn: 'Go-Back-N',
  sw: 'Stop-and-Wait',
};

/** Segment size of the original app; small enough that a text file makes a visible timeline. */
export const DEFAULT_SEGMENT_SIZE = 128;
/** Sequence numbers travel as u16, so at most 16 bits of sequence space. */
export const MAX_SEQ_BITS = 16;
/** A u16 carries the payload length; libdatachannel's default message limit is 256 KiB. */
export const MAX_SEGMENT_SIZE = 65535;

/** What the caller may set; anything left out gets the protocol's default. */
export interface ArqConfigInput {
  protocol: ArqProtocol;
  /** Sender window in frames. Default 5 (1 for Stop-and-Wait, which only allows 1). */
  window?: number;
  /** Bits of sequence number: space = 2^bits. Default: the fewest bits the window allows. */
  seqBits?: number;
  /** Retransmission timeout, in the clock's unit (ms). */
  timeout: number;
  /** Payload bytes per data frame. Default 128. */
  segmentSize?: number;
  /** Id carried by every frame of this run (u16); frames of other runs are ignored. Default 0. */
  transferId?: number;
}

/** A validated configuration: every field present and mutually consistent. */
export interface ArqConfig {
  protocol: ArqProtocol;
  window: number;
  seqBits: number;
  /** 2^seqBits. */
  seqSpace: number;
  timeout: number;
  segmentSize: number;
  transferId: number;
}

/** Why a configuration was refused; the UI branches on these, never on the message. */
export const ARQ_CONFIG_REASONS = {
  BAD_PROTOCOL: 'BAD_PROTOCOL',
  BAD_WINDOW: 'BAD_WINDOW',
  WINDOW_TOO_LARGE: 'WINDOW_TOO_LARGE',
  BAD_SEQ_BITS: 'BAD_SEQ_BITS',
  BAD_TIMEOUT: 'BAD_TIMEOUT',
  BAD_SEGMENT_SIZE: 'BAD_SEGMENT_SIZE',
  BAD_TRANSFER_ID: 'BAD_TRANSFER_ID',
} as const;
export type ArqConfigReason = (typeof ARQ_CONFIG_REASONS)[keyof typeof ARQ_CONFIG_REASONS];

/**
 * A refused ARQ configuration. It is a TypeError (a bad argument, per the style guide) with a
 * `reason` code; where a configuration arrives from a peer, the receiving code maps it to
 * CamvidError('BAD_MESSAGE').
 */
export class ArqConfigError extends TypeError {
  readonly reason: ArqConfigReason;
  constructor(reason: ArqConfigReason, message: string) {
    super(message);
    this.name = 'ArqConfigError';
    this.reason = reason;
  }
}

/**
 * The largest window a protocol allows in a sequence space of `space` numbers. SR: space/2, or a
 * retransmitted old frame looks like a new one to the receiver's window. GBN: space-1, or a full
 * window of lost ACKs is indistinguishable from a full window of delivered frames.
 */
export function maxWindow(protocol: ArqProtocol, space: number): number {
  if (protocol === 'sw') return 1;
  return protocol === 'sr' ? space / 2 : space - 1;
}

/** The fewest sequence bits that let `window` work for `protocol`. */
export function minSeqBits(protocol: ArqProtocol, window: number): number {
  let bits = 1;
  while (bits < MAX_SEQ_BITS && maxWindow(protocol, 2 ** bits) < window) bits++;
  return bits;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Fills defaults and checks consistency; throws ArqConfigError with a clear reason. */
export function resolveArqConfig(input: ArqConfigInput): ArqConfig {
  const { protocol } = input;
  if (!ARQ_PROTOCOLS.includes(protocol)) {
    throw new ArqConfigError('BAD_PROTOCOL', `unknown ARQ protocol ${JSON.stringify(protocol)} (sr, gbn or sw)`);
  }
  const window = input.window ?? (protocol === 'sw' ? 1 : 5);
  if (!isInt(window) || window < 1) throw new ArqConfigError('BAD_WINDOW', `window must be an integer ≥ 1, got ${window}`);
  if (protocol === 'sw' && window !== 1) {
    throw new ArqConfigError('WINDOW_TOO_LARGE', `Stop-and-Wait sends one frame at a time: window must be 1, got ${window}`);
  }
  const seqBits = input.seqBits ?? minSeqBits(protocol, window);
  if (!isInt(seqBits) || seqBits < 1 || seqBits > MAX_SEQ_BITS) {
    throw new ArqConfigError('BAD_SEQ_BITS', `sequence bits must be an integer in [1, ${MAX_SEQ_BITS}], got ${seqBits}`);
  }
  const seqSpace = 2 ** seqBits;
  if (window > maxWindow(protocol, seqSpace)) {
    const rule = protocol === 'sr' ? 'at most half the sequence space' : 'at most the sequence space minus one';
    throw new ArqConfigError(
      'WINDOW_TOO_LARGE',
      `${ARQ_PROTOCOL_NAMES[protocol]} window must be ${rule}: window ${window} with ${seqBits}-bit sequence numbers (space ${seqSpace}) allows at most ${maxWindow(protocol, seqSpace)}`,
    );
  }
  const { timeout } = input;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ArqConfigError('BAD_TIMEOUT', `timeout must be a positive number, got ${timeout}`);
  }
  const segmentSize = input.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!isInt(segmentSize) || segmentSize < 1 || segmentSize > MAX_SEGMENT_SIZE) {
    throw new ArqConfigError('BAD_SEGMENT_SIZE', `segment size must be an integer in [1, ${MAX_SEGMENT_SIZE}], got ${segmentSize}`);
  }
  const transferId = input.transferId ?? 0;
  if (!isInt(transferId) || transferId < 0 || transferId > 0xffff) {
    throw new ArqConfigError('BAD_TRANSFER_ID', `transfer id must be an integer in [0, 65535], got ${transferId}`);
  }
  return { protocol, window, seqBits, seqSpace, timeout, segmentSize, transferId };
}

/**
 * Kinds of timeline events. Sender: send, retransmit, ack (a new acknowledgement), dup-ack
 * (duplicate or stale), timeout, slide, done. Receiver: deliver, buffer, discard, ack-send.
 * Channel: drop, corrupt. Either end: reject (checksum or format failed, treated as a loss).
 */
export type ArqEventKind =
  | 'send'
  | 'retransmit'
  | 'ack'
  | 'dup-ack'
  | 'timeout'
  | 'slide'
  | 'done'
  | 'deliver'
  | 'buffer'
  | 'discard'
  | 'ack-send'
  | 'drop'
  | 'corrupt'
  | 'reject';

/** One line of the timeline. Times are the injected clock's (simulated or wall, in ms). */
export interface ArqEvent {
  t: number;
  side: 'sender' | 'receiver' | 'channel';
  kind: ArqEventKind;
  /** Absolute frame number (0-based segment index) when known. */
  frame?: number;
  /** Sequence number on the wire (frame mod space, or the ACK's number). */
  seq?: number;
  /** Window after the event: [base, next) are sent and not yet acknowledged. */
  base?: number;
  next?: number;
  /** 'data' or 'ack', for channel events. */
  what?: 'data' | 'ack';
  note?: string;
}

/** What a state machine asks its driver to do after one input. */
export interface ArqStep {
  /** Encoded frames to put on the channel, in order. */
  frames: Uint8Array[];
  events: ArqEvent[];
  /** Receiver only: payloads that became deliverable, in order. */
  delivered: Uint8Array[];
}

export const emptyStep = (): ArqStep => ({ frames: [], events: [], delivered: [] });
