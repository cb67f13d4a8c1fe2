/**
 * The camera in simulcast layers (docs/media.md, "Simulcast"), without a network: the page's
 * offer gets its SIM group (web-ui/simulcast.ts) and the agent keeps it (protocol/sdp.ts); the
 * browser source tells each packet's layer by its SSRC; each receiver gets one layer, chosen from
 * its loss (layer-choice.ts), switched at a key frame with its numbering continuous; a receiver on
 * a lower layer does not hold the page's rate down.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BrowserLink } from '../../node-agent/media/browser-link.js';
import { BrowserSource } from '../../node-agent/media/browser-source.js';
import type { MediaSink } from '../../node-agent/media/downstream.js';
import { LayerChoice, UP_WAIT_MS } from '../../node-agent/media/layer-choice.js';
import { MediaRelay } from '../../node-agent/media/media-relay.js';
import { TREE_MAX_BPS } from '../../node-agent/media/rate-control.js';
import { CamvidError } from '../../protocol/errors.js';
import { RTCP, buildReceiverReport, parseRtcp, parseRtp, type MediaKind } from '../../protocol/media.js';
import { restrictOffer } from '../../protocol/sdp.js';
import { layerCountFor, withSimulcast } from '../../web-ui/simulcast.js';
import { ROOT } from '../helpers/agents.js';
import { FakeSource } from '../helpers/fake-source.js';
import { FakeBrowserLink, rtp, senderReport, vp8Packet } from '../helpers/rtp-samples.js';

const CHROME_OFFER = readFileSync(`${ROOT}/test/fixtures/chrome-offer.sdp`, 'utf8');
/** the fixture's camera SSRC and its RTX SSRC */
const CAMERA = 3180752570;
const RTX = 846564797;

const refused = (sdp: string) => {
  try {
    restrictOffer(sdp, { video: 'VP8', audio: 'opus' }, { simulcast: true });
    return 'taken';
  } catch (err) {
    return (err as CamvidError).code;
  }
};

test('the page’s offer gets three layers over its camera SSRC; the agent keeps them lowest first, and only the first without simulcast', () => {
  const offer = withSimulcast(CHROME_OFFER);
  assert.ok(offer.endsWith('\r\n'), 'still ends its last line');
  const { sdp, media } = restrictOffer(offer, { video: 'VP8', audio: 'opus' }, { simulcast: true });
  const ssrcs = media.find((m) => m.kind === 'video')!.simulcast!.ssrcs;
  assert.is(ssrcs.length, 3);
  assert.is(ssrcs[0], CAMERA, 'the camera’s own SSRC is the lowest layer');
  for (const s of ssrcs) assert.ok(sdp.includes(`a=ssrc:${s} cname:`), `layer ${s} announced to libdatachannel`);
  assert.not.ok(sdp.includes(String(RTX)) || sdp.includes('ssrc-group'), 'no RTX, no groups');
  assert.is(media.find((m) => m.kind === 'audio')!.simulcast, undefined);
  const one = restrictOffer(offer, { video: 'VP8', audio: 'opus' });
  assert.is(one.media.find((m) => m.kind === 'video')!.simulcast, undefined);
  assert.ok(one.sdp.includes(`a=ssrc:${CAMERA} cname:`) && !one.sdp.includes(`a=ssrc:${ssrcs[1]} `), 'without simulcast: the first layer only');
  assert.is(withSimulcast('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'), 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', 'no video: unchanged');
});

test('as many layers as Chromium sends at the camera’s size: three from 960x540, two from 480x270, none below; a two-layer offer is taken', () => {
  assert.equal([[1920, 1080], [1280, 720], [960, 540], [640, 480], [640, 360], [480, 270], [320, 240], [320, 180]].map(([w, h]) => layerCountFor(w!, h!)), [3, 3, 3, 2, 2, 2, 1, 1]);
  const { media } = restrictOffer(withSimulcast(CHROME_OFFER, 2), { video: 'VP8', audio: 'opus' }, { simulcast: true });
  assert.is(media.find((m) => m.kind === 'video')!.simulcast!.ssrcs.length, 2);
});

test('a SIM group the agent cannot use is refused: too many layers, one SSRC twice, an SSRC not described, two groups', () => {
  const withGroup = (group: string) => CHROME_OFFER.replace('a=ssrc-group:FID 3180752570 846564797', group);
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA} ${RTX}`)), 'taken', 'two described SSRCs');
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA} ${RTX} 1 2`)), 'BAD_MESSAGE');
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA} ${CAMERA}`)), 'BAD_MESSAGE');
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA} 77`)), 'BAD_MESSAGE');
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA} ${RTX}\r\na=ssrc-group:SIM ${RTX} ${CAMERA}`)), 'BAD_MESSAGE');
  assert.is(refused(withGroup(`a=ssrc-group:SIM ${CAMERA}`)), 'BAD_MESSAGE', 'a group of one');
});

test('the browser source names each packet’s layer by its SSRC, drops an SSRC outside the group, and answers each layer’s SR', () => {
  const link = new FakeBrowserLink();
  const source = new BrowserSource(link as unknown as BrowserLink, [
    { kind: 'video', mid: '1', payloadType: 120, simulcast: { ssrcs: [10, 20, 30] } },
    { kind: 'audio', mid: '0', payloadType: 109 },
  ]);
  const got: { kind: MediaKind; layer: number | undefined; rtcp: boolean }[] = [];
  source.attach((kind, packet, layer) => got.push({ kind, layer, rtcp: packet[1]! >= 192 && packet[1]! <= 223 }));
  for (const ssrc of [20, 10, 30, 99]) link.emit('media', '1', rtp({ seq: 1, ts: 0, ssrc, pt: 120 }));
  link.emit('media', '0', rtp({ seq: 1, ts: 0, ssrc: 5, pt: 109, payload: [1] }));
  link.emit('media', '1', senderReport({ ssrc: 30, ntpHi: 1, ntpLo: 0, rtpTs: 9 }));
  assert.equal(got, [
    { kind: 'video', layer: 1, rtcp: false },
    { kind: 'video', layer: 0, rtcp: false },
    { kind: 'video', layer: 2, rtcp: false },
    { kind: 'audio', layer: undefined, rtcp: false },
    { kind: 'video', layer: 2, rtcp: true },
  ], 'SSRC 99 is no layer: dropped');
  const rr = link.sent.find((s) => s.packet[1] === RTCP.RR)!;
  assert.is(rr.packet.readUInt32BE(8), 30, 'the receiver report is about the layer that sent the SR');
  link.sent.length = 0;
  source.requestKeyframe();
  const plis = link.sent.filter((s) => s.packet[1] === RTCP.PSFB && s.packet.readUInt8(0) === 0x81).map((s) => s.packet.readUInt32BE(8));
  assert.equal(plis.sort((a, b) => a - b), [10, 20, 30], 'a PLI to each layer');
  link.sent.length = 0;
  source.requestKeyframe('video', 1);
  assert.equal(link.sent.filter((s) => s.packet[1] === RTCP.PSFB && s.packet.readUInt8(0) === 0x81).map((s) => s.packet.readUInt32BE(8)), [20], 'a key frame of one layer: a PLI to that layer only');
  const remb = link.sent.find((s) => s.packet.subarray(12, 16).toString() === 'REMB');
  assert.ok(!remb || parseRtcp(remb.packet)!.rembs[0]!.ssrcs.length === 3);
  source.close();
});

test('a receiver’s layer: down one at heavy loss, up one after a clean wait, and a failed try doubles the wait', () => {
  const c = new LayerChoice();
  assert.is(c.want(2), 2, 'a newcomer gets the highest layer that flows');
  assert.is(c.want(1), 1);
  c.report(0.3, 2, 2, 0);
  assert.is(c.want(2), 1, '30 % lost: one layer down');
  // A link losing 2 % at random: some seconds lose nothing, and that is not a clean link.
  for (let t = 1000; t <= 20_000; t += 1000) c.report(t % 3000 === 0 ? 0.05 : 0, 1, 2, t);
  assert.is(c.want(2), 1, 'loss-free seconds between lossy ones: it holds');
  /** clean reports a second apart from `from` until `to`, inclusive */
  const clean = (from: number, to: number) => {
    for (let t = from; t <= to; t += 1000) c.report(0, 1, 2, t);
  };
  clean(21_000, 24_000);
  assert.is(c.want(2), 1, 'the smoothed loss has only just fallen below 1 %');
  clean(25_000, 21_000 + 2000 + UP_WAIT_MS);
  assert.is(c.want(2), 2, `clean for ${UP_WAIT_MS} ms: it tries the layer above`);
  c.report(0.5, 2, 2, 30_000);
  assert.is(c.want(2), 1, 'the try failed');
  clean(31_000, 33_000 + UP_WAIT_MS);
  assert.is(c.want(2), 1, 'after a failed try the wait is twice as long');
  clean(34_000 + UP_WAIT_MS, 35_000 + 2 * UP_WAIT_MS);
  assert.is(c.want(2), 2);
  const low = new LayerChoice();
  low.report(1, 0, 2, 0);
  assert.is(low.want(2), 2, 'loss on the lowest layer has nowhere lower to go');
  assert.is(c.switches, 4);
});

/** A sink that records what it was sent. */
function sink(id: string, ssrc: number): MediaSink & { rtp: Buffer[]; srs: Buffer[] } {
  const s = { id, rtp: [] as Buffer[], srs: [] as Buffer[], ssrc: (k: MediaKind) => (k === 'video' ? ssrc : undefined), send: (_k: MediaKind, p: Buffer) => ((p[1] === RTCP.SR ? s.srs : s.rtp).push(p), true) };
  return s;
}

test('each receiver gets one layer: the weak one switches down at the next key frame with its numbering continuous, and no longer holds the page’s rate down', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src);
  const LAYER_SSRC = [0xa0, 0xa1, 0xa2];
  const seqs = [100, 5000, 40_000];
  /** one packet of every layer; `key`: of these layers */
  const frame = (key: number[] = [], layers = [0, 1, 2]) => {
    for (const l of layers) src.deliver!('video', vp8Packet({ ssrc: LAYER_SSRC[l]!, seq: seqs[l]!++, key: key.includes(l), bytes: 300 }), l);
  };
  frame(); // the camera is on before these two watch
  const tapped: Buffer[] = [];
  relay.onPacket('video', (p) => tapped.push(p)); // a recorder
  const strong = sink('strong', 0x1111);
  const weak = sink('weak', 0x2222);
  const dsStrong = relay.addSink(strong);
  const dsWeak = relay.addSink(weak);
  const report = (ds: typeof dsWeak, ssrc: number, fractionLost: number) => ds.handleRtcp(buildReceiverReport(0x77, { ssrc, fractionLost, cumulativeLost: 0, highestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }));
  try {
    frame([0, 1, 2]);
    for (let i = 0; i < 5; i++) frame();
    assert.is(dsStrong.layer, 2);
    assert.is(dsWeak.layer, 2, 'both start on the top layer');
    assert.ok(strong.rtp.every((p) => p.readUInt32BE(8) === 0x1111) && strong.rtp.length === 6, 'one layer each, in the receiver’s SSRC');
    report(dsWeak, 0x2222, 0);
    // Reports count 250 ms apart; and the joins' request of every layer (which covers one layer's
    // within KEYFRAME_INTERVAL_MS) is then old enough for layer 1's own request to go.
    await new Promise((r) => setTimeout(r, 650));
    report(dsWeak, 0x2222, 128); // half of it lost
    src.askedLayers.length = 0;
    for (let i = 0; i < 3; i++) frame();
    assert.is(dsWeak.layer, 2, 'it keeps the top layer until the lower one’s key frame');
    await new Promise((r) => setTimeout(r, 350)); // the relay coalesces requests within 300 ms
    assert.ok(src.askedLayers.includes(1) && !src.askedLayers.includes(undefined) && !src.askedLayers.includes(2), `a key frame of layer 1 only is asked for (${src.askedLayers})`);
    const before = weak.rtp.length;
    frame([1]);
    frame();
    assert.is(dsWeak.layer, 1, 'switched at layer 1’s key frame');
    const out = weak.rtp.map((p) => parseRtp(p)!);
    for (let i = 1; i < out.length; i++) assert.is((out[i]!.seq - out[i - 1]!.seq) & 0xffff, 1, `numbering continuous at ${i} (the switch is at ${before})`);
    assert.is(weak.rtp.length - before, 2, 'one packet a frame: never two layers');
    assert.is(dsStrong.layer, 2, 'the other keeps the top layer');
    assert.equal(relay.stats().layers.map((l) => l.receivers), [0, 1, 1]);
    // A sender report of layer 1 reaches only the receiver on layer 1.
    src.deliver!('video', senderReport({ ssrc: 0xa1, ntpHi: 5, ntpLo: 0, rtpTs: 1 }), 1);
    assert.is(weak.srs.length, 1);
    assert.is(strong.srs.length, 0);
    // The page's rate: the weak receiver's loss no longer limits it.
    await new Promise((r) => setTimeout(r, 1100));
    assert.is(relay.estimate('video').limitedBy, null, 'the weak receiver, now on layer 1, does not hold the top layer down');
    assert.is(relay.estimate('video').bps, TREE_MAX_BPS);
    // The top layer stops (the page has too little bandwidth for it): its receivers move down.
    for (let i = 0; i < 3; i++) frame([], [0, 1]);
    await new Promise((r) => setTimeout(r, 1100));
    frame([1], [0, 1]);
    assert.is(dsStrong.layer, 1, 'the top layer gone, the next one down at its key frame');
    // The recorder's tap: the top layer as one stream, one SSRC and numbering through the change.
    const taps = tapped.map((p) => parseRtp(p)!);
    assert.equal([...new Set(taps.map((r) => r.ssrc))], [0xa2], 'one SSRC, the first top layer’s');
    for (let i = 1; i < taps.length; i++) assert.is((taps[i]!.seq - taps[i - 1]!.seq) & 0xffff, 1, `tap numbering continuous at ${i}`);
    assert.ok(tapped.at(-1)!.subarray(12).equals(vp8Packet({ ssrc: 0xa1, seq: seqs[1]! - 1, key: true, bytes: 300 }).subarray(12)), 'the last one tapped is layer 1’s key frame');
  } finally {
    await relay.close();
  }
});

test.run();
