import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { checkSdp, MAX_SDP_LENGTH, restrictOffer, takeCandidates } from '../../protocol/sdp.js';
import { ROOT } from '../helpers/agents.js';

/** A real offer of Chromium 150 for its fake camera and microphone (non-loopback candidates removed). */
const CHROME_OFFER = readFileSync(`${ROOT}/test/fixtures/chrome-offer.sdp`, 'utf8');
const lines = (sdp: string) => sdp.split('\r\n').filter(Boolean);

test("Chromium's offer keeps only VP8 and Opus, without transport-cc, header extensions or the RTX stream", () => {
  const { sdp, media } = restrictOffer(CHROME_OFFER, { video: 'VP8', audio: 'opus' });
  assert.equal(media, [
    { kind: 'audio', mid: '0', payloadType: 111 },
    { kind: 'video', mid: '1', payloadType: 96 },
  ]);
  const out = lines(sdp);
  assert.equal(out.filter((l) => l.startsWith('m=')), ['m=audio 56604 UDP/TLS/RTP/SAVPF 111', 'm=video 32959 UDP/TLS/RTP/SAVPF 96']);
  assert.equal(out.filter((l) => l.startsWith('a=rtpmap')), ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:96 VP8/90000']);
  assert.equal(out.filter((l) => l.startsWith('a=rtcp-fb:96')), ['a=rtcp-fb:96 goog-remb', 'a=rtcp-fb:96 ccm fir', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli']);
  assert.not.ok(/transport-cc|transport-wide-cc|a=extmap:|ssrc-group|846564797/.test(sdp), 'nothing of transport-cc, extensions or RTX left');
  // What the answer needs is all still there: ICE, DTLS, the primary SSRCs, candidates.
  for (const keep of ['a=ice-ufrag:', 'a=fingerprint:sha-256', 'a=setup:actpass', 'a=ssrc:3180752570 cname:', 'a=ssrc:3872843814 cname:', 'a=candidate:155791395', 'a=sendonly', 'a=rtcp-mux']) {
    assert.ok(sdp.includes(keep), keep);
  }
  assert.ok(sdp.endsWith('\r\n'));
});

test('an audio-only restriction refuses a video section; a missing codec is refused', () => {
  const audioOnly = CHROME_OFFER.slice(0, CHROME_OFFER.indexOf('m=video'));
  assert.equal(restrictOffer(audioOnly, { audio: 'opus' }).media, [{ kind: 'audio', mid: '0', payloadType: 111 }]);
  assert.throws(() => restrictOffer(CHROME_OFFER, { audio: 'opus' }), /video section/);
  assert.throws(() => restrictOffer(CHROME_OFFER.replace(/VP8/g, 'XYZ'), { video: 'VP8', audio: 'opus' }), /no VP8/);
});

const BAD: [string, unknown][] = [
  ['not a string', 42],
  ['empty', ''],
  ['no v=0', 'hello\r\nworld'],
  ['a NUL byte', `v=0\r\na=x\0y\r\nm=audio 9 RTP/AVP 0\r\n`],
  ['a line without a type', 'v=0\r\nnonsense\r\n'],
  ['too long', `v=0\r\n${'a=x\r\n'.repeat(MAX_SDP_LENGTH / 5 + 1)}`],
  ['no media', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n'],
  ['a broken media line', 'v=0\r\nm=video\r\n'],
  ['an application section', 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n'],
  ['two video sections', `v=0\r\n${'m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n'.repeat(2)}`],
  ['a section without a mid', 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n'],
];

test('malformed offers are refused with BAD_MESSAGE, never anything else', () => {
  for (const [what, sdp] of BAD) {
    try {
      restrictOffer(sdp, { video: 'VP8', audio: 'opus' });
      assert.unreachable(`accepted ${what}`);
    } catch (err) {
      assert.instance(err, CamvidError, what);
      assert.is((err as CamvidError).code, 'BAD_MESSAGE', what);
    }
  }
});

test('an answer is checked for size, characters and a media section, and normalised to CRLF', () => {
  assert.is(checkSdp('v=0\nm=video 9 UDP/TLS/RTP/SAVPF 96\n'), 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n');
  for (const [what, sdp] of BAD.slice(0, 7)) assert.throws(() => checkSdp(sdp), (e: unknown) => e instanceof CamvidError && e.code === 'BAD_MESSAGE', what);
});

test('takeCandidates leaves a description with no address in it and each candidate with its section’s mid', () => {
  const { sdp, candidates } = takeCandidates(CHROME_OFFER);
  assert.not.ok(/a=candidate:|a=end-of-candidates/.test(sdp), 'no candidate left');
  assert.ok(candidates.length > 0);
  const original = lines(CHROME_OFFER).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
  assert.equal(candidates.map((c) => c.candidate), original, 'every candidate, in order, without "a="');
  // Chromium lists candidates before a=mid: the mid is the section's all the same.
  const sections = CHROME_OFFER.split('\r\nm=').slice(1);
  const expected = sections.flatMap((sec) => {
    const mid = /a=mid:(\S+)/.exec(sec)![1];
    return sec.split('\r\n').filter((l) => l.startsWith('a=candidate:')).map(() => mid);
  });
  assert.equal(candidates.map((c) => c.mid), expected);
  assert.equal(lines(sdp), lines(CHROME_OFFER).filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates'), 'nothing else changed');
});

test.run();
