/**
 * Stop-and-Wait (the alternating-bit protocol): Go-Back-N with a window of one frame and, by
 * default, 1-bit sequence numbers. Its own classes so the timeline and config name the protocol.
 */
import type { ArqConfigInput } from './arq-config.js';
import { GoBackNReceiver, GoBackNSender } from './go-back-n.js';

type SwConfig = Omit<ArqConfigInput, 'protocol'>;

export class StopAndWaitSender extends GoBackNSender {
  constructor(data: Uint8Array, config: SwConfig) {
    super(data, { ...config, protocol: 'sw' });
  }
}

export class StopAndWaitReceiver extends GoBackNReceiver {
  constructor(config: SwConfig) {
    super({ ...config, protocol: 'sw' });
  }
}
