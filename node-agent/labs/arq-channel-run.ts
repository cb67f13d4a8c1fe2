/**
 * Runs both halves of an ARQ transfer in one process over a real lab channel (the loopback pair of
 * `camvid lab arq`): each end puts its frames through the seeded LossyChannel before the real
 * send, so the protocol sees the configured loss on top of whatever the channel itself loses.
 */
import { type ArqConfig, type ArqConfigInput, type ArqEvent, type ArqRunStats, computeRunStats, LossyChannel, resolveArqConfig } from '../../protocol/labs/arq.js';
import { CamvidError } from '../../protocol/errors.js';
import type { Clock } from '../../protocol/labs/rng.js';
import { ArqReceiveDriver } from './arq-receive-driver.js';
import { ArqSendDriver } from './arq-send-driver.js';
import type { LabEndpoint } from './loopback-link.js';

export interface ArqChannelRunOptions {
  config: ArqConfigInput;
  data: Uint8Array;
  seed: number;
  dataLoss: number;
  ackLoss?: number;
  corruption?: number;
  /** Wall clock in ms; injected so tests can observe it. Default performance.now from the start. */
  clock?: Clock;
  /** Gives up (CamvidError TIMEOUT) if the transfer has not finished by then. Default 10 minutes. */
  maxDurationMs?: number;
}

export interface ArqChannelRunResult {
  config: ArqConfig;
  output: Uint8Array;
  events: ArqEvent[];
  stats: ArqRunStats;
  /** Messages the real channel refused to send (buffer full or closed), on top of the seeded loss. */
  refused: number;
}

/** Runs one transfer from `senderEnd` to `receiverEnd`; resolves when every frame is acknowledged. */
export async function runArqOverChannel(
  ends: { sender: LabEndpoint; receiver: LabEndpoint },
  options: ArqChannelRunOptions,
): Promise<ArqChannelRunResult> {
  const config = resolveArqConfig(options.config);
  // One channel for both directions: the same seed replays the same draws as the simulator's.
  const channel = new LossyChannel(options);
  const start = performance.now();
  const clock = options.clock ?? (() => performance.now() - start);
  const events: ArqEvent[] = [];
  const send = new ArqSendDriver(ends.sender, { config, data: options.data, channel, clock, events });
  const receive = new ArqReceiveDriver(ends.receiver, { config, channel, clock, events });
  const maxMs = options.maxDurationMs ?? 600_000;
  let guard: NodeJS.Timeout | undefined;
  ends.receiver.onMessage((bytes) => receive.onFrame(bytes));
  ends.sender.onMessage((bytes) => send.onFrame(bytes));
  try {
    send.start();
    await Promise.race([
      send.done,
      new Promise<never>((_, reject) => {
        guard = setTimeout(() => reject(new CamvidError('TIMEOUT', `ARQ transfer unfinished after ${maxMs} ms`)), maxMs);
      }),
    ]);
  } finally {
    clearTimeout(guard);
    send.close();
    receive.close();
    ends.sender.onMessage(() => {});
    ends.receiver.onMessage(() => {});
  }
  const elapsed = send.sender.stats.doneAt ?? clock();
  const stats = computeRunStats(send.sender.stats, receive.receiver.stats, channel.counts, elapsed);
  return { config, output: receive.receiver.output(), events, stats, refused: send.refused + receive.refused };
}
