/**
 * A MediaSource for tests that feed the relay by hand: `deliver` is what the relay gave it on
 * attach (with a simulcast layer for a layered camera); key frame requests and closing are recorded.
 */
import type { MediaSource } from '../../node-agent/media/media-relay.js';
import type { MediaKind, VideoKind } from '../../protocol/media.js';

export class FakeSource implements MediaSource {
  deliver: ((kind: MediaKind, packet: Buffer, layer?: number) => void) | null = null;
  asked: VideoKind[] = [];
  /** the simulcast layer of each request in `asked` (undefined: every layer) */
  askedLayers: (number | undefined)[] = [];
  closed = false;
  attach(deliver: (kind: MediaKind, packet: Buffer, layer?: number) => void): void {
    this.deliver = deliver;
  }
  requestKeyframe(kind: VideoKind, layer?: number): void {
    this.asked.push(kind);
    this.askedLayers.push(layer);
  }
  close(): void {
    this.closed = true;
  }
}
