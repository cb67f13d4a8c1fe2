/**
 * A discrete-event simulation of one ARQ transfer over a seeded lossy link, with simulated time:
 * the same inputs and seed always give the same event log. The link model is the textbook one, so
 * measured utilisation can be set against the formulas: each data frame occupies the forward link
 * for `transmissionTime` (frames queue behind each other), then travels `propagationDelay`; ACKs
 * take no transmission time. At equal times frames arrive before timers fire (an ACK arriving
 * exactly at the deadline is in time), and forward arrivals before ACK arrivals.
 */
import { type ArqConfig, type ArqConfigInput, type ArqEvent, type ArqStep, resolveArqConfig } from './arq-config.js';
import { type ArqRunStats, computeRunStats, effectiveLoss, textbookUtilisation } from './arq-stats.js';
import { createArqReceiver, createArqSender } from './arq.js';
import { FRAME_SEQ_OFFSET } from './arq-frame.js';
import { LossyChannel, type LossyChannelOptions } from './lossy-channel.js';

/** One simulated transfer: configuration, file, impairments and link timing (ms). */
export interface ArqSimulationOptions extends LossyChannelOptions {
  /** The timeout defaults to one round trip from the frame's departure (defaultSimulatedTimeout). */
  config: Omit<ArqConfigInput, 'timeout'> & { timeout?: number };
  data: Uint8Array;
  /** Time a data frame occupies the link (T_f). Default 1. */
  transmissionTime?: number;
  /** One-way propagation delay (T_p). Default 2, so a = 2. */
  propagationDelay?: number;
  /** Gives up after this many processed events (a guard; a finite run never gets near it). */
  maxSteps?: number;
}

/** Outcome of a simulated transfer, with the textbook prediction beside the measurement. */
export interface ArqSimulationResult {
  config: ArqConfig;
  output: Uint8Array;
  /** The sender had every ACK (and so the receiver every segment). */
  complete: boolean;
  events: ArqEvent[];
  /** every frame on the link, in the order handed over */
  transmissions: ArqTransmission[];
  stats: ArqRunStats;
  /** a = T_p / T_f and p = effectiveLoss(dataLoss, ackLoss). */
  a: number;
  p: number;
  /** Useful transmission time / elapsed time. */
  measuredUtilisation: number;
  textbookUtilisation: number;
}

/**
 * One frame put on the simulated link, for drawing: when it was handed over, when it left (after
 * queueing), and when it arrived (null: dropped). Data frames go sender → receiver, ACKs back.
 */
export interface ArqTransmission {
  what: 'data' | 'ack';
  /** absolute frame number (data) */
  frame?: number;
  seq: number;
  retransmission: boolean;
  handedAt: number;
  departAt: number;
  arriveAt: number | null;
  corrupted: boolean;
}

interface InFlight {
  t: number;
  bytes: Uint8Array;
}

/** FIFO queue of frames in flight; arrival times never decrease along one direction. */
class Lane {
  readonly #items: InFlight[] = [];
  #head = 0;
  push(item: InFlight): void {
    this.#items.push(item);
  }
  peek(): InFlight | undefined {
    return this.#items[this.#head];
  }
  shift(): InFlight {
    const item = this.#items[this.#head++]!;
    // Compact now and then so a long run does not keep every delivered frame alive.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/**
 * One round trip, T_f + 2·T_p: the earliest an ACK can come back once its frame has left, so the
 * shortest timeout that never fires for a frame that arrived (ties go to the arrival). This is the
 * textbook's assumption: a loss costs exactly one round trip before the frame is sent again.
 */
export const defaultSimulatedTimeout = (transmissionTime = 1, propagationDelay = 2): number => transmissionTime + 2 * propagationDelay;

export function simulateArq(options: ArqSimulationOptions): ArqSimulationResult {
  const tf = options.transmissionTime ?? 1;
  const tp = options.propagationDelay ?? 2;
  if (!(tf > 0) || !(tp >= 0)) throw new TypeError('transmissionTime must be > 0 and propagationDelay ≥ 0');
  const config = resolveArqConfig({ ...options.config, timeout: options.config.timeout ?? defaultSimulatedTimeout(tf, tp) });
  const sender = createArqSender(options.data, config);
  const receiver = createArqReceiver(config);
  const channel = new LossyChannel(options);
  const events: ArqEvent[] = [];
  const transmissions: ArqTransmission[] = [];
  const seqOf = (b: Uint8Array) => (b[FRAME_SEQ_OFFSET]! << 8) | b[FRAME_SEQ_OFFSET + 1]!;
  const forward = new Lane();
  const backward = new Lane();
  let linkFreeAt = 0;

  const fromSender = (step: ArqStep, now: number): void => {
    events.push(...step.events);
    // Each frame handed over has exactly one send/retransmit event, in the same order.
    const sends = step.events.filter((e) => e.side === 'sender' && (e.kind === 'send' || e.kind === 'retransmit'));
    for (const [i, frame] of step.frames.entries()) {
      const depart = Math.max(now, linkFreeAt);
      linkFreeAt = depart + tf;
      if (depart > now) sender.departed(sends[i]!.frame!, depart);
      const bytes = channel.pass(frame, now, events);
      if (bytes) forward.push({ t: depart + tf + tp, bytes });
      transmissions.push({
        what: 'data',
        frame: sends[i]!.frame!,
        seq: seqOf(frame),
        retransmission: sends[i]!.kind === 'retransmit',
        handedAt: now,
        departAt: depart,
        arriveAt: bytes ? depart + tf + tp : null,
        corrupted: !!bytes && bytes !== frame,
      });
    }
  };
  const fromReceiver = (step: ArqStep, now: number): void => {
    events.push(...step.events);
    for (const frame of step.frames) {
      const bytes = channel.pass(frame, now, events);
      if (bytes) backward.push({ t: now + tp, bytes });
      const arriveAt = bytes ? now + tp : null;
      transmissions.push({ what: 'ack', seq: seqOf(frame), retransmission: false, handedAt: now, departAt: now, arriveAt, corrupted: !!bytes && bytes !== frame });
    }
  };

  fromSender(sender.start(0), 0);
  const maxSteps = options.maxSteps ?? 5_000_000;
  let now = 0;
  for (let steps = 0; !sender.done && steps < maxSteps; steps++) {
    const f = forward.peek();
    const b = backward.peek();
    const deadline = sender.nextDeadline();
    const arrival = f && (!b || f.t <= b.t) ? f : b;
    if (arrival && (deadline === null || arrival.t <= deadline)) {
      now = arrival.t;
      if (arrival === f) fromReceiver(receiver.onFrame(forward.shift().bytes, now), now);
      else fromSender(sender.onFrame(backward.shift().bytes, now), now);
    } else if (deadline !== null) {
      now = deadline;
      fromSender(sender.onTick(now), now);
    } else {
      break; // Nothing in flight and no timer: cannot happen for a correct sender; do not spin.
    }
  }

  const elapsed = sender.stats.doneAt ?? now;
  const stats = computeRunStats(sender.stats, receiver.stats, channel.counts, elapsed);
  const a = tp / tf;
  const p = effectiveLoss(options.dataLoss, options.ackLoss ?? 0);
  return {
    config,
    output: receiver.output(),
    complete: sender.done,
    events,
    transmissions,
    stats,
    a,
    p,
    measuredUtilisation: elapsed > 0 ? (stats.segments * tf) / elapsed : 0,
    textbookUtilisation: textbookUtilisation(config.protocol, p, a, config.window),
  };
}
