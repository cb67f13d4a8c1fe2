/**
 * Entry point of the ARQ lab: factories that pick the sender and receiver classes for a protocol,
 * and re-exports of the vocabulary callers need.
 */
import { type ArqConfigInput, resolveArqConfig } from './arq-config.js';
import type { ArqReceiver } from './arq-receiver.js';
import type { ArqSender } from './arq-sender.js';
import { GoBackNReceiver, GoBackNSender } from './go-back-n.js';
import { SelectiveRepeatReceiver, SelectiveRepeatSender } from './selective-repeat.js';
import { StopAndWaitReceiver, StopAndWaitSender } from './stop-and-wait.js';

export * from './arq-config.js';
export * from './arq-frame.js';
export * from './arq-stats.js';
export { ArqSender, type ArqSenderStats } from './arq-sender.js';
export { ArqReceiver, type ArqReceiverStats } from './arq-receiver.js';
export { LossyChannel, type LossyChannelCounts, type LossyChannelOptions } from './lossy-channel.js';

/** A sender for `config.protocol` over `data`; throws ArqConfigError for a refused config. */
export function createArqSender(data: Uint8Array, config: ArqConfigInput): ArqSender {
  const { protocol, ...rest } = resolveArqConfig(config);
  if (protocol === 'sr') return new SelectiveRepeatSender(data, rest);
  return protocol === 'gbn' ? new GoBackNSender(data, rest) : new StopAndWaitSender(data, rest);
}

/** The matching receiver. Both ends must be built from the same config. */
export function createArqReceiver(config: ArqConfigInput): ArqReceiver {
  const { protocol, ...rest } = resolveArqConfig(config);
  if (protocol === 'sr') return new SelectiveRepeatReceiver(rest);
  return protocol === 'gbn' ? new GoBackNReceiver(rest) : new StopAndWaitReceiver(rest);
}
