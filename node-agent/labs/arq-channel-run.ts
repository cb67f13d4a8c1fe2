/**
 * Drives the pure ARQ machines over a real lab channel with wall-clock time: the sender's end and
 * the receiver's end each put frames through the seeded LossyChannel before the real send, so the
 * protocol sees the configured loss on top of whatever the channel itself loses. The only timer is
 * the sender's next deadline, re-armed after every step.
 */
import { type ArqConfig, type ArqConfigInput, type ArqEvent, type ArqRunStats, type ArqStep, computeRunStats, createArqReceiver, createArqSender, LossyChannel, resolveArqConfig } from '../../protocol/labs/arq.js';
import { CamvidError } from '../../protocol/errors.js';
import type { Clock } from '../../protocol/labs/rng.js';
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
  const sender = createArqSender(options.data, config);
  const receiver = createArqReceiver(config);
  const channel = new LossyChannel(options);
  const start = performance.now();
  const clock = options.clock ?? (() => performance.now() - start);
  const events: ArqEvent[] = [];
  let refused = 0;
  let timer: NodeJS.Timeout | null = null;

  return new Promise<ArqChannelRunResult>((resolve, reject) => {
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      clearTimeout(guard);
      ends.sender.onMessage(() => {});
      ends.receiver.onMessage(() => {});
      if (err) return reject(err);
      const elapsed = sender.stats.doneAt ?? clock();
      resolve({ config, output: receiver.output(), events, stats: computeRunStats(sender.stats, receiver.stats, channel.counts, elapsed), refused });
    };
    const emit = (step: ArqStep, end: LabEndpoint, now: number) => {
      events.push(...step.events);
      for (const frame of step.frames) {
        const bytes = channel.pass(frame, now, events);
        if (bytes && !end.send(bytes)) refused++;
      }
    };
    let armedFor: number | null = null;
    const arm = () => {
      if (sender.done) return finish();
      const deadline = sender.nextDeadline();
      // Most ACKs leave the earliest deadline unchanged: keep the timer rather than churn it.
      if (deadline === armedFor && timer) return;
      if (timer) clearTimeout(timer);
      timer = null;
      armedFor = deadline;
      if (deadline === null) return;
      timer = setTimeout(() => {
        timer = null;
        const now = clock();
        emit(sender.onTick(now), ends.sender, now);
        arm();
      }, Math.max(0, Math.ceil(deadline - clock())));
    };
    const guard = setTimeout(
      () => finish(new CamvidError('TIMEOUT', `ARQ transfer unfinished after ${options.maxDurationMs ?? 600_000} ms`)),
      options.maxDurationMs ?? 600_000,
    );

    ends.receiver.onMessage((bytes) => {
      const now = clock();
      emit(receiver.onFrame(bytes, now), ends.receiver, now);
    });
    ends.sender.onMessage((bytes) => {
      if (finished) return;
      const now = clock();
      emit(sender.onFrame(bytes, now), ends.sender, now);
      arm();
    });
    const now = clock();
    emit(sender.start(now), ends.sender, now);
    arm();
  });
}
