/**
 * What feeds a MediaRelay locally (docs/media.md): a source (ffmpeg, the instructor's page, a
 * presenting student's screen, the podcast player) in one of the slots, each slot with the kinds
 * it may deliver.
 */
import type { MediaKind, VideoKind } from '../../protocol/media.js';

/**
 * Local producers feed the relay through slots, each with the kinds it may deliver: the camera
 * (video + microphone), the podcast and the shared screen (picture + its sound) are separate, so
 * each starts and stops alone.
 */
export const SOURCE_SLOTS = {
  camera: ['video', 'audio'],
  podcast: ['podcast'],
  screen: ['screen', 'screen-audio'],
} as const satisfies Record<string, readonly MediaKind[]>;
export type SourceSlot = keyof typeof SOURCE_SLOTS;
/** The slot whose source delivers `kind`. */
export const slotOf = (kind: MediaKind): SourceSlot =>
  (Object.keys(SOURCE_SLOTS) as SourceSlot[]).find((slot) => (SOURCE_SLOTS[slot] as readonly MediaKind[]).includes(kind))!;

/** A local producer of RTP (ffmpeg, the instructor's browser). The relay owns it once set. */
export interface MediaSource {
  /**
   * Starts delivering RTP and RTCP (sender reports) by kind, with our payload types. A source
   * that sends the camera in simulcast layers says which layer each video packet (and sender
   * report) is, 0 the lowest; the others leave `layer` out.
   */
  attach(deliver: (kind: MediaKind, packet: Buffer, layer?: number) => void): void;
  /** a key frame of `kind` (one of the slot's video kinds) is wanted; of simulcast `layer` only, if given */
  requestKeyframe(kind: VideoKind, layer?: number): void;
  close(): void | Promise<void>;
}
