/**
 * The instructor's camera in three simulcast layers, lowest first: each student's parent agent
 * forwards it the highest one its link takes, so a student on weak Wi-Fi gets 320x180 without
 * lowering anyone else's 720p (docs/media.md, "Simulcast").
 *
 * The layers are SSRC simulcast: `a=ssrc-group:SIM` written into the page's own offer before
 * `setLocalDescription` (Chromium takes it), and each layer's size and bitrate set with
 * `setParameters` once the answer is in. Not RID simulcast (`sendEncodings` with `rid`): the
 * agent's WebRTC library routes RTP by the SSRCs a description announces, and RID layers
 * announce none.
 */
import { CAMERA_LAYERS } from '../protocol/sdp.js';

/**
 * How many layers Chromium sends of a camera this size: libwebrtc's simulcast table allows three
 * from 960x540 up, two from 480x270 (640x360 and 640x480 webcams), one below. Offered more, it
 * drops the top ones: a 640x360 camera in three layers reached the students at 320x180.
 */
export function layerCountFor(width: number, height: number): number {
  const pixels = width * height;
  return Math.min(CAMERA_LAYERS.length, pixels >= 960 * 540 ? 3 : pixels >= 480 * 270 ? 2 : 1);
}

const randomSsrc = (): number => crypto.getRandomValues(new Uint32Array(1))[0]! || 1;

/**
 * The offer with the (one) video section's SSRC made the first of `count` simulcast layers: its
 * `a=ssrc` attributes repeated for new SSRCs and a SIM group over them; its RTX group and SSRC
 * dropped (the agent takes no RTX). An offer without a video SSRC comes back as it was.
 */
export function withSimulcast(sdp: string, count = CAMERA_LAYERS.length): string {
  const lines = sdp.split('\r\n');
  const start = lines.findIndex((l) => l.startsWith('m=video'));
  if (start < 0) return sdp;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('m='));
  if (end < 0) end = lines.length;
  const section = lines.slice(start, end);
  const first = /^a=ssrc:(\d+) /.exec(section.find((l) => l.startsWith('a=ssrc:')) ?? '')?.[1];
  if (!first) return sdp;
  const attrs = section.filter((l) => l.startsWith(`a=ssrc:${first} `)).map((l) => l.slice(`a=ssrc:${first} `.length));
  const ssrcs = [Number(first), ...Array.from({ length: count - 1 }, randomSsrc)];
  const kept = section.filter((l) => l !== '' && !l.startsWith('a=ssrc'));
  const added = [`a=ssrc-group:SIM ${ssrcs.join(' ')}`, ...ssrcs.flatMap((s) => attrs.map((a) => `a=ssrc:${s} ${a}`))];
  const rest = end < lines.length ? lines.slice(end) : [''];
  return [...lines.slice(0, start), ...kept, ...added, ...rest].join('\r\n');
}

/**
 * Gives the sender's layers their sizes and bitrates (Chromium leaves SIM layers at full size):
 * the top ones of CAMERA_LAYERS when there are fewer (two layers: half size and whole).
 */
export async function applyCameraLayers(pc: RTCPeerConnection): Promise<void> {
  const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
  if (!sender) return;
  const params = sender.getParameters();
  const n = params.encodings.length;
  if (n < 2 || n > CAMERA_LAYERS.length) return; // the browser did not take the layers: one stream, as before
  const layers = CAMERA_LAYERS.slice(-n);
  params.encodings.forEach((e, i) => Object.assign(e, layers[i]));
  await sender.setParameters(params);
}
