/**
 * What a page's getStats() says about its video rate: the sending side (`outbound-rtp`: bytes,
 * resolution, frame rate, the encoder's target and what limits it; the transport's available
 * outgoing bitrate) and the receiving side (`inbound-rtp`: bytes, resolution, frame rate). Summed
 * over the page's connected RTCPeerConnections (RECORD_PEER_CONNECTIONS, sync-stats.ts).
 */
import type { Page } from 'playwright-core';

export interface VideoRateStats {
  /** Date.now() when read */
  at: number;
  sent: { bytes: number; width: number; height: number; fps: number; targetBitrate: number; limitation: string; available: number };
  received: { bytes: number; width: number; height: number; fps: number };
}

export function readVideoRates(page: Page): Promise<VideoRateStats> {
  return page.evaluate(async () => {
    const out = {
      at: Date.now(),
      sent: { bytes: 0, width: 0, height: 0, fps: 0, targetBitrate: 0, limitation: '', available: 0 },
      received: { bytes: 0, width: 0, height: 0, fps: 0 },
    };
    const pcs = ((window as unknown as { __camvidPcs?: RTCPeerConnection[] }).__camvidPcs ?? []).filter((pc) => pc.connectionState === 'connected');
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') out.sent.available = Math.max(out.sent.available, s.availableOutgoingBitrate);
        if (s.kind !== 'video') return;
        if (s.type === 'outbound-rtp') {
          out.sent.bytes += Number(s.bytesSent ?? 0);
          out.sent.targetBitrate += Number(s.targetBitrate ?? 0);
          // Simulcast layers: the bytes and targets add up; size, rate and limit are the largest layer's.
          if (Number(s.frameWidth ?? 0) >= out.sent.width) {
            out.sent.width = Number(s.frameWidth ?? 0);
            out.sent.height = Number(s.frameHeight ?? 0);
            out.sent.fps = Number(s.framesPerSecond ?? 0);
            out.sent.limitation = String(s.qualityLimitationReason ?? '');
          }
        }
        if (s.type === 'inbound-rtp') {
          out.received.bytes += Number(s.bytesReceived ?? 0);
          out.received.width = Number(s.frameWidth ?? 0);
          out.received.height = Number(s.frameHeight ?? 0);
          out.received.fps = Number(s.framesPerSecond ?? 0);
        }
      });
    }
    return out;
  });
}
