/**
 * Fuzzing every decoder that reads a peer's bytes: ≥ 100,000 random and mutated inputs each per
 * run (the seed is printed; CAMVID_FUZZ_SEED=N replays a run, CAMVID_FUZZ_RUNS=N changes the count).
 * A decoder may accept or refuse, but a refusal must be a typed CamvidError (or the decoder's
 * documented "ignore" value: null, `{ ok: false }`), never another exception, and nothing may hang.
 * Mutations start from a valid example of every message type (test/helpers/wire-samples.ts), and a
 * test checks that each decoder's every type has one, so a new message cannot skip the fuzzer.
 *
 * Decoders: handshake (both ways), session (both ways, incl. file manifests), the `ctl` data
 * channel (chat, files, uploads, labs, heartbeats), UI requests, mDNS TXT, lab frames, sealed
 * session frames, `bulk` file chunks, RTP and RTCP from a parent or child; and the SDP a page
 * hands its agent (local, yet the agent edits it before libdatachannel reads it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { ctlMessage } from '../../protocol/ctl.js';
import { CHUNK_HEADER_BYTES, decodeChunk, encodeChunk } from '../../protocol/files.js';
import { hostHandshake, joinerHandshake } from '../../protocol/handshake.js';
import { buildNack, buildPli, isVp8KeyframeStart, parseRtcp, parseRtp } from '../../protocol/media.js';
import { checkSdp, restrictOffer } from '../../protocol/sdp.js';
import { hostMessage, memberMessage } from '../../protocol/session.js';
import { parseRoomTxt } from '../../protocol/txt.js';
import { uiRequest } from '../../protocol/ui.js';
import { parseJson } from '../../protocol/validate.js';
import { decodeFrame, encodeFrame } from '../../protocol/labs/arq-frame.js';
import { createRng, type Rng } from '../../protocol/labs/rng.js';
import { SealedChannel } from '../../node-agent/auth/sealed-channel.js';
import * as samples from '../helpers/wire-samples.js';

const RUNS = Number(process.env.CAMVID_FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.CAMVID_FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Far above any honest decode (µs); only a hang or a pathological regex would reach it. */
const HANG_MS = 2000;
console.log(`    fuzz seed ${SEED} (replay with CAMVID_FUZZ_SEED=${SEED}), ${RUNS} inputs per decoder`);

type Union = ((v: unknown) => unknown) & { types: readonly string[] };
const JSON_DECODERS: { name: string; decode: Union; samples: unknown[] }[] = [
  { name: 'joiner handshake', decode: joinerHandshake, samples: samples.JOINER_HANDSHAKE_SAMPLES },
  { name: 'host handshake', decode: hostHandshake, samples: samples.HOST_HANDSHAKE_SAMPLES },
  { name: 'member → host session', decode: memberMessage, samples: samples.MEMBER_SAMPLES },
  { name: 'host → member session', decode: hostMessage, samples: samples.HOST_SAMPLES },
  { name: 'ctl channel', decode: ctlMessage, samples: samples.CTL_SAMPLES },
];
const ALL_SAMPLES: unknown[] = [...JSON_DECODERS.flatMap((d) => d.samples), ...samples.UI_SAMPLES];
const ID = '0123456789abcdef';
const ATOMS: unknown[] = [null, true, false, 0, -1, 1e308, -0, NaN, '', 'x', '__proto__', 'constructor', [], {}, ID, 'A'.repeat(5000), 2 ** 53];
const KEYS = ['type', 'id', 'name', 'text', 'seq', 'data', 'members', 'item', 'rec', 'manifest', 'hashes', 'path', 'x'];

function randomValue(rng: Rng, depth = 0): unknown {
  const r = rng.int(depth > 3 ? 4 : 7);
  if (r < 3) return ATOMS[rng.int(ATOMS.length)];
  if (r === 3) return String.fromCharCode(...Array.from({ length: rng.int(20) }, () => rng.int(0x3000)));
  if (r === 4) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--) o[KEYS[rng.int(KEYS.length)]!] = randomValue(rng, depth + 1);
  return o;
}

function mutate(rng: Rng, v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || depth > 4 || rng.chance(0.2)) return rng.chance(0.5) ? randomValue(rng) : v;
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...(v as object) };
  const keys = Object.keys(copy);
  if (keys.length && rng.chance(0.7)) {
    const k = keys[rng.int(keys.length)]!;
    if (rng.chance(0.2)) delete copy[k];
    else copy[k] = mutate(rng, copy[k], depth + 1);
  } else {
    copy[['type', 'extra', '__proto__', 'v'][rng.int(4)]!] = randomValue(rng);
  }
  return copy;
}

/** A JSON text: a mutated sample (mostly the decoder's own), a random value, or damaged JSON. */
function input(rng: Rng, own: unknown[]): string {
  const pick = () => (rng.chance(0.8) ? own[rng.int(own.length)] : ALL_SAMPLES[rng.int(ALL_SAMPLES.length)]);
  const kind = rng.int(3);
  if (kind === 0) return JSON.stringify(mutate(rng, pick())) ?? 'null';
  if (kind === 1) return JSON.stringify(randomValue(rng)) ?? 'null';
  const text = JSON.stringify(pick());
  const at = rng.int(text.length);
  return text.slice(0, at) + String.fromCharCode(rng.int(128)) + text.slice(at + rng.int(3));
}

/** Runs `check` on RUNS inputs; `check` throws (via assert) when an answer is not allowed. */
function fuzz(name: string, make: (rng: Rng) => unknown, check: (input: unknown) => boolean): void {
  const rng = createRng(SEED ^ (name.length * 7919));
  let accepted = 0;
  let slowest = 0;
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const x = make(rng);
    const t0 = performance.now();
    try {
      if (check(x)) accepted++;
    } catch (err) {
      const shown = typeof x === 'string' ? x.slice(0, 200) : Buffer.from(x as Uint8Array).toString('hex').slice(0, 200);
      throw new Error(`${name}: ${(err as Error).message} on ${shown} (seed ${SEED}, input ${i})`);
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const ms = performance.now() - started;
  console.log(`    ${name}: ${RUNS} inputs, ${accepted} accepted, ${((ms / RUNS) * 1000).toFixed(1)} µs each, slowest ${slowest.toFixed(1)} ms`);
  assert.ok(slowest < HANG_MS, `${name}: an input took ${slowest} ms`);
}

/** JSON decoders: accept, or throw a CamvidError. */
const jsonCheck = (decode: (v: unknown) => unknown) => (text: unknown) => {
  try {
    decode(parseJson(text as string, 64 * 1024));
    return true;
  } catch (err) {
    if (err instanceof CamvidError) return false;
    throw new Error(`threw ${err}`);
  }
};

function mutateBytes(rng: Rng, base: Uint8Array): Uint8Array {
  const b = Buffer.from(base);
  const r = rng.int(4);
  if (r === 0) return new Uint8Array(Array.from({ length: rng.int(1500) }, () => rng.int(256)));
  if (r === 1) return b.subarray(0, rng.int(b.length + 1));
  if (r === 2) return Buffer.concat([b, Buffer.from(Array.from({ length: rng.int(64) }, () => rng.int(256)))]);
  for (let n = 1 + rng.int(4); n > 0; n--) b[rng.int(b.length)] = rng.int(256);
  return b;
}

test('every message type of every peer-facing decoder has a valid sample to mutate', () => {
  for (const d of JSON_DECODERS) {
    const covered = new Set(d.samples.map((s) => (s as { type: string }).type));
    const missing = d.decode.types.filter((t) => !covered.has(t));
    assert.equal(missing, [], `${d.name}: add a sample to test/helpers/wire-samples.ts for ${missing.join(', ')}`);
    for (const s of d.samples.filter((x) => d.decode.types.includes((x as { type: string }).type))) {
      assert.not.throws(() => d.decode(s), `${d.name}: sample ${JSON.stringify(s).slice(0, 120)} is valid`);
    }
  }
});

test('the handshake and session decoders never throw anything but a CamvidError', () => {
  for (const d of JSON_DECODERS.filter((x) => x.name !== 'ctl channel')) fuzz(d.name, (rng) => input(rng, d.samples), jsonCheck(d.decode));
});

test('the ctl data-channel and UI decoders never throw anything but a CamvidError', () => {
  fuzz('ctl channel', (rng) => input(rng, samples.CTL_SAMPLES), jsonCheck(ctlMessage));
  fuzz('UI request', (rng) => input(rng, samples.UI_SAMPLES), jsonCheck(uiRequest));
});

test('mDNS TXT records: garbage is ignored (null), never thrown', () => {
  const make = (rng: Rng) => {
    if (rng.chance(0.1)) return randomValue(rng);
    const bytes = () => new Uint8Array(Array.from({ length: rng.int(300) }, () => rng.int(256)));
    return { v: ['1', '2', '', '0x1'][rng.int(4)], id: [ID, 'zz', ''][rng.int(3)], room: randomValue(rng), host: randomValue(rng), port: [String(rng.int(70000)), bytes()][rng.int(2)] };
  };
  fuzz('mDNS TXT', make, (txt) => {
    const parsed = parseRoomTxt(txt);
    if (parsed) assert.ok(parsed.port > 0 && parsed.port < 65536);
    return parsed !== null;
  });
});

test('lab frames, sealed frames and bulk chunks: garbage is refused or fails to open', () => {
  const frame = encodeFrame({ type: 'data', seq: 5, transfer: 1, last: false, payload: new Uint8Array(40).fill(3) });
  fuzz('lab frame', (rng) => mutateBytes(rng, frame), (b) => {
    const r = decodeFrame(b);
    assert.type(r.ok, 'boolean');
    return r.ok;
  });
  const key = { key: new Uint8Array(32).fill(9), transcript: new Uint8Array(64) };
  const sealed = Buffer.from(new SealedChannel(key, 'joiner').seal(new Uint8Array(50)));
  fuzz('sealed frame', (rng) => mutateBytes(rng, sealed), (b) => {
    const intact = sealed.equals(b as Uint8Array); // a mutation may leave the frame as it was
    try {
      new SealedChannel(key, 'host').open(b as Uint8Array);
    } catch (err) {
      if (err instanceof CamvidError && !intact) return false;
      throw err;
    }
    if (!intact) throw new Error('a damaged frame opened');
    return true;
  });
  const chunk = encodeChunk('ab'.repeat(32), 3, new Uint8Array(100).fill(1));
  fuzz('bulk chunk', (rng) => mutateBytes(rng, chunk), (b) => {
    const c = decodeChunk(Buffer.from(b as Uint8Array));
    if (c) assert.ok(c.file.length === 64 && c.data.length === (b as Uint8Array).length - CHUNK_HEADER_BYTES);
    return c !== null;
  });
});

test('RTP and RTCP from a peer: malformed packets are ignored (null), never thrown or read past the end', () => {
  const rtp = Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 0x90, 0x80, 0x05, 0x9d, 0x01, 0x2a]);
  fuzz('RTP', (rng) => mutateBytes(rng, rtp), (b) => {
    const buf = b as Uint8Array;
    const p = parseRtp(buf);
    if (!p) return false;
    assert.ok(p.payloadOffset + p.payloadLength <= buf.length, 'payload within the packet');
    assert.type(isVp8KeyframeStart(buf, p), 'boolean');
    return true;
  });
  const compound = Buffer.concat([buildPli(1, 2), buildNack(1, 2, [5, 6, 9, 30])]);
  fuzz('RTCP', (rng) => mutateBytes(rng, compound), (b) => {
    const s = parseRtcp(b as Uint8Array);
    if (s) for (const r of s.senderReports) assert.ok(r.offset + 8 <= (b as Uint8Array).length, 'SR within the packet');
    return s !== null;
  });
});

test('SDP from a page: anything malformed is refused with a CamvidError, never thrown otherwise', () => {
  const offer = [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98', 'a=mid:0', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
    'a=rtcp-fb:96 transport-cc', 'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', 'a=rtpmap:98 H264/90000',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:1', 'a=rtpmap:111 opus/48000/2',
  ];
  const make = (rng: Rng) => {
    const lines = [...offer];
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const i = rng.int(lines.length);
      const r = rng.int(4);
      if (r === 0) lines.splice(i, 1);
      else if (r === 1) lines.splice(i, 0, lines[rng.int(lines.length)]!);
      else if (r === 2) lines[i] = lines[i]!.slice(0, rng.int(lines[i]!.length + 1)) + String.fromCharCode(rng.int(0x3000));
      else lines[i] = String(randomValue(rng)).slice(0, 200);
    }
    return rng.chance(0.05) ? randomValue(rng) : lines.join(rng.chance(0.5) ? '\r\n' : '\n');
  };
  fuzz('SDP offer', make, (sdp) => {
    try {
      restrictOffer(sdp, { video: 'VP8', audio: 'opus' });
      checkSdp(sdp);
      return true;
    } catch (err) {
      if (err instanceof CamvidError) return false;
      throw new Error(`threw ${err}`);
    }
  });
});

test.run();
