/**
 * Simulcast through relays (docs/media.md, "Simulcast through relays"), without a network: a
 * child's tree edge (EdgeDownstream) carries the camera's top layer alone until the child's
 * subtree wants a lower one besides, each layer in its own SSRC with the source's numbering; heavy
 * loss on the edge itself moves it down at the lower layer's key frame with no gap; the child's
 * `want-layers` is validated like any ctl message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Downstream, type DownstreamHooks } from '../../node-agent/media/downstream.js';
import { EdgeDownstream, parentLayer, wantedLayers, type EdgeSink } from '../../node-agent/media/edge-downstream.js';
import { ctlMessage } from '../../protocol/ctl.js';
import { buildNack, buildReceiverReport, parseRtp, type MediaKind, type VideoKind } from '../../protocol/media.js';
import { rtp, senderReport, vp8Packet } from '../helpers/rtp-samples.js';

const LAYER_SSRC = [0xb0, 0xb1, 0xb2];
const AUDIO_SSRC = 0xc0;

/** An edge to a child, what it sent, and the key frames it asked for. */
function edge(top: () => number | undefined = () => 2) {
  const sent: { kind: MediaKind; ssrc: number; seq: number }[] = [];
  const asked: { kind: VideoKind; layer: number | undefined }[] = [];
  const sink: EdgeSink = {
    id: 'edge-1',
    ssrc: (k) => (k === 'video' ? LAYER_SSRC[0] : k === 'audio' ? AUDIO_SSRC : undefined),
    layerSsrc: (l) => LAYER_SSRC[l],
    send: (kind, p) => (sent.push({ kind, ssrc: p.readUInt32BE(8), seq: p.readUInt16BE(2) }), true),
  };
  const hooks: DownstreamHooks = { keyframeNeeded: (kind, layer) => asked.push({ kind, layer }), nackUpstream: () => {}, topLayer: top };
  const ds = new EdgeDownstream(sink, hooks);
  const seqs = [100, 5000, 40_000];
  /** one packet of each of `layers`; `key`: of these layers */
  const frame = (key: number[] = [], layers = [0, 1, 2]) => {
    for (const l of layers) {
      const p = vp8Packet({ ssrc: 0xa0 + l, seq: seqs[l]!++, key: key.includes(l), bytes: 300 });
      ds.push('video', p, parseRtp(p)!, key.includes(l), l);
    }
  };
  const report = (ssrc: number, fractionLost: number) => ds.handleRtcp(buildReceiverReport(0x77, { ssrc, fractionLost, cumulativeLost: 0, highestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }));
  const videoSsrcs = () => [...new Set(sent.filter((s) => s.kind === 'video').map((s) => s.ssrc))];
  return { ds, sent, asked, frame, report, videoSsrcs, seqs };
}

test('a child’s edge carries the top layer alone until its subtree wants a lower one besides; each layer in its own SSRC with the source’s numbering', () => {
  const e = edge();
  e.frame([0, 1, 2]);
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'the top layer only, in the edge’s SSRC for it');
  assert.is(e.ds.layer, 2);
  const audio = rtp({ seq: 7, ts: 0, ssrc: 0x55, pt: 111, payload: [1] });
  e.ds.push('audio', audio, parseRtp(audio)!, false);
  assert.equal(e.sent.at(-1), { kind: 'audio', ssrc: AUDIO_SSRC, seq: 7 }, 'the microphone goes as before');

  // A student below the child is on the lowest layer: the child wants it besides the top.
  e.ds.want([2, 0, 2]);
  e.sent.length = 0;
  e.frame();
  assert.equal(e.asked.at(-1), { kind: 'video', layer: 0 }, 'a key frame of layer 0 is asked for at once');
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'layer 0 waits for its key frame');
  e.frame([0]);
  e.frame();
  const lane0 = e.sent.filter((s) => s.ssrc === LAYER_SSRC[0]).map((s) => s.seq);
  assert.equal(lane0, [e.seqs[0]! - 2, e.seqs[0]! - 1], 'layer 0 from its key frame, the source’s numbers');
  assert.is(e.sent.filter((s) => s.ssrc === LAYER_SSRC[2]).length, 3, 'the top layer goes on');
  assert.not.ok(e.videoSsrcs().includes(LAYER_SSRC[1]!), 'never a layer nobody wants');

  // Nobody below wants layer 0 any more: it stops at once (the top layer flows).
  e.ds.want([2]);
  e.sent.length = 0;
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]]);
  e.ds.want([]);
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'an empty want is the top layer');
  e.ds.close();
});

test('heavy loss on the edge itself: down one layer at that layer’s key frame, the top lane going on until then', async () => {
  const e = edge();
  e.frame([2]);
  e.report(LAYER_SSRC[2]!, 0);
  await new Promise((r) => setTimeout(r, 300)); // a receiver's reports count 250 ms apart
  e.report(LAYER_SSRC[2]!, 128); // half of the top layer lost on this edge
  e.sent.length = 0;
  e.frame();
  assert.ok(e.asked.some((a) => a.layer === 1), 'layer 1’s key frame asked for');
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'no gap: the top layer until layer 1 can start');
  e.frame([1]);
  e.sent.length = 0;
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[1]], 'layer 1 alone once it flows');
  assert.is(e.ds.layer, 1);
  assert.is(e.ds.counters.layerSwitches, 1);
  // The subtree wants the top layer: the edge takes no more than layer 1, so layer 1 it is.
  e.ds.want([0, 2]);
  e.sent.length = 0;
  e.frame([0]);
  e.frame();
  assert.equal(e.videoSsrcs().sort(), [LAYER_SSRC[0], LAYER_SSRC[1]], 'each wanted layer at most the edge’s cap');
  e.ds.close();
});

test('a try of the layer above that loses a burst ends at the child’s resend requests, before its next report', async () => {
  const e = edge();
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  e.frame([2]);
  e.report(LAYER_SSRC[2]!, 0);
  await wait(300);
  e.report(LAYER_SSRC[2]!, 128); // heavy loss: down to layer 1
  e.frame([1]);
  e.frame();
  assert.is(e.ds.layer, 1);
  // Clean reports about layer 1 for its wait (4 s, layer-choice.ts): the edge tries the top layer.
  for (let i = 0; i < 40 && e.ds.layers.triedAt === null; i++) {
    await wait(300);
    e.report(LAYER_SSRC[1]!, 0);
  }
  assert.ok(e.ds.layers.triedAt !== null, 'a try of the top layer');
  e.frame([2]);
  e.sent.length = 0;
  for (let i = 0; i < 30; i++) e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'the top layer flows');
  const top = e.sent.filter((s) => s.ssrc === LAYER_SSRC[2]).map((s) => s.seq);
  const switches = e.ds.counters.layerSwitches;
  e.ds.handleRtcp(buildNack(0x77, LAYER_SSRC[2]!, top.slice(0, 2)));
  assert.ok(e.ds.layers.triedAt !== null, 'a few resends asked for (its link’s own loss): the try goes on');
  e.ds.handleRtcp(buildNack(0x77, LAYER_SSRC[2]!, top.slice(5, 15)));
  assert.is(e.ds.layers.triedAt, null, 'a third of what the tried layer sent asked again: the try is over');
  assert.is(e.ds.counters.layerSwitches, switches + 1, 'back down one layer');
  e.sent.length = 0;
  e.frame();
  assert.ok(e.asked.some((a) => a.layer === 1), 'layer 1’s key frame asked for at once');
  assert.equal(e.videoSsrcs(), [], 'the tried layer stops at once (what the link cannot carry, after a key frame that did not get through)');
  e.frame([1]);
  e.sent.length = 0;
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[1]], 'layer 1 again from its key frame');
  e.ds.close();
});

test('a child promoted from its lost parent continues its layer at once, no key frame waited for', () => {
  const e = edge();
  e.ds.continueStream();
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'the top layer from the first packet, not the next key frame');
  assert.equal(e.sent.map((x) => x.seq), [e.seqs[2]! - 1], 'with the source’s numbers, as the lost parent sent them');
  assert.not.ok(e.asked.some((a) => a.layer === 2), 'its key frame is not waited for (the relay asks one for the new edge anyway)');
  e.frame();
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[2]], 'and nothing of the layers it does not want');
  e.ds.close();
});

test('a camera of one layer goes on lane 0 in the edge’s first SSRC', () => {
  const e = edge(() => undefined);
  for (const key of [true, false]) {
    const p = vp8Packet({ ssrc: 0x99, seq: e.seqs[0]!++, key, bytes: 300 });
    e.ds.push('video', p, parseRtp(p)!, key);
  }
  assert.equal(e.videoSsrcs(), [LAYER_SSRC[0]]);
  assert.is(e.sent.length, 2);
  e.ds.close();
});

test('what a relay asks its parent for: the top layer, and each layer a receiver below is on, capped at its edge', async () => {
  assert.equal(wantedLayers([]), [2], 'nobody below: the top layer, for itself and its pages');
  const page = new Downstream({ id: 'local:1', ssrc: () => 1, send: () => true }, { keyframeNeeded: () => {}, nackUpstream: () => {} });
  page.layers.report(0.5, 2, 2, 0); // the page's link lost half: one layer down
  const e = edge();
  e.ds.want([0, 2]);
  assert.equal(wantedLayers([page, e.ds]), [0, 1, 2]);
  e.ds.want([2]);
  assert.equal(wantedLayers([e.ds]), [2]);
  page.close();
  e.ds.close();
});

test('a packet from the parent is of the layer whose SSRC it carries, in the order the parent announced them', () => {
  const link = { remoteSsrcs: (kind: MediaKind) => (kind === 'video' ? [10, 20, 30] : [40]) };
  assert.is(parentLayer(link, 'video', vp8Packet({ ssrc: 20, seq: 1, key: false })), 1);
  assert.is(parentLayer(link, 'video', senderReport({ ssrc: 30, ntpHi: 1, ntpLo: 0, rtpTs: 0 })), 2, 'a sender report by its sender SSRC');
  assert.is(parentLayer(link, 'video', vp8Packet({ ssrc: 99, seq: 1, key: false })), undefined, 'an SSRC not announced: no layer');
  assert.is(parentLayer(link, 'video', Buffer.from([0x80, 96, 0, 1])), undefined, 'too short: left to the relay to drop as malformed');
  assert.is(parentLayer(link, 'audio', rtp({ seq: 1, ts: 0, ssrc: 40, pt: 111 })), undefined, 'the microphone has no layers');
  assert.is(parentLayer({ remoteSsrcs: () => [10] }, 'video', vp8Packet({ ssrc: 10, seq: 1, key: false })), undefined, 'a parent announcing one SSRC: one stream');
});

test('want-layers from a child: at most three layers, each 0–2; anything else is refused before the relay sees it', () => {
  assert.equal(ctlMessage({ type: 'want-layers', video: [0, 2] }), { type: 'want-layers', video: [0, 2] });
  for (const video of [[0, 1, 2, 2], [3], [-1], [1.5], 'all', null]) {
    assert.throws(() => ctlMessage({ type: 'want-layers', video }), undefined, `refused: ${JSON.stringify(video)}`);
  }
});

test.run();
