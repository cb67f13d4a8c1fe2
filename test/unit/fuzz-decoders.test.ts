/**
 * Fuzzing every decoder that reads a peer's bytes: ≥ 100,000 random and mutated inputs each per
 * run (the seed is printed; CAMVID_FUZZ_SEED=N replays a run). A decoder may accept or refuse, but
 * a refusal must be a typed CamvidError (or the decoder's documented "ignore" value), never another
 * exception, and nothing may hang. Mutations start from valid messages, so they reach deep fields.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { ctlMessage } from '../../protocol/ctl.js';
import { hostHandshake, joinerHandshake } from '../../protocol/handshake.js';
import { hostMessage, memberMessage } from '../../protocol/session.js';
import { parseRoomTxt } from '../../protocol/txt.js';
import { uiRequest } from '../../protocol/ui.js';
import { parseJson } from '../../protocol/validate.js';
import { decodeFrame } from '../../protocol/labs/arq-frame.js';
import { createRng, type Rng } from '../../protocol/labs/rng.js';
import { SealedChannel } from '../../node-agent/auth/sealed-channel.js';

const RUNS = Number(process.env.CAMVID_FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.CAMVID_FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`    fuzz seed ${SEED} (replay with CAMVID_FUZZ_SEED=${SEED}), ${RUNS} inputs per decoder`);

const ID = '0123456789abcdef';
const SAMPLES: unknown[] = [
  { type: 'hello', v: 1, roomId: ID, role: 'join', eph: 'A'.repeat(43) + '=', nonce: 'B'.repeat(43) + '=' },
  { type: 'challenge', v: 1, eph: 'A'.repeat(43) + '=', nonce: 'B'.repeat(43) + '=', sig: 'C'.repeat(86) + '==' },
  { type: 'join', name: 'Ann', peerId: ID },
  { type: 'signal', edge: `${ID}>${ID}#1`, peer: ID, data: { kind: 'candidate', candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' } },
  { type: 'roster', rev: 3, members: [{ id: ID, name: 'Prof', role: 'host', parentId: null, state: 'connected', hand: 5 }] },
  { type: 'chat', item: { rec: { seq: 1, id: ID, from: ID, name: 'A', role: 'student', text: 'hi', ts: 1 }, sig: 'C'.repeat(86) + '==' } },
  { type: 'chat-batch', items: [], last: 4 },
  { type: 'ping', t: 12 },
  { type: 'host', id: 1, room: 'CN', password: 'pw', name: 'P', fanout: 2 },
  { type: 'chat-send', id: 2, text: 'hello' },
];

const ATOMS: unknown[] = [null, true, false, 0, -1, 1e308, -0, NaN, '', 'x', '__proto__', 'constructor', [], {}, ID, 'A'.repeat(5000), 2 ** 53];

function randomValue(rng: Rng, depth = 0): unknown {
  const r = rng.int(depth > 3 ? 4 : 7);
  if (r < 3) return ATOMS[rng.int(ATOMS.length)];
  if (r === 3) return String.fromCharCode(...Array.from({ length: rng.int(20) }, () => rng.int(0x3000)));
  if (r === 4) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--) o[['type', 'id', 'name', 'text', 'seq', 'data', 'members', 'item', 'rec', 'x'][rng.int(10)]!] = randomValue(rng, depth + 1);
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

/** A JSON text: mutated sample, random value, or a damaged serialisation. */
function input(rng: Rng): string {
  const kind = rng.int(3);
  if (kind === 0) return JSON.stringify(mutate(rng, SAMPLES[rng.int(SAMPLES.length)])) ?? 'null';
  if (kind === 1) return JSON.stringify(randomValue(rng)) ?? 'null';
  const text = JSON.stringify(SAMPLES[rng.int(SAMPLES.length)]);
  const at = rng.int(text.length);
  return text.slice(0, at) + String.fromCharCode(rng.int(128)) + text.slice(at + rng.int(3));
}

function fuzz(name: string, decode: (text: string) => unknown): void {
  const rng = createRng(SEED ^ name.length * 7919);
  let accepted = 0;
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const text = input(rng);
    try {
      decode(text);
      accepted++;
    } catch (err) {
      if (!(err instanceof CamvidError)) assert.unreachable(`${name} threw ${err} on ${text.slice(0, 200)} (seed ${SEED}, input ${i})`);
    }
  }
  const ms = performance.now() - started;
  console.log(`    ${name}: ${RUNS} inputs, ${accepted} accepted, ${(ms / RUNS * 1000).toFixed(1)} µs each`);
}

const json = (validator: (v: unknown) => unknown) => (text: string) => validator(parseJson(text, 64 * 1024));

test('the handshake decoders never throw anything but a CamvidError', () => {
  fuzz('joiner handshake', json(joinerHandshake));
  fuzz('host handshake', json(hostHandshake));
});

test('the session decoders never throw anything but a CamvidError', () => {
  fuzz('member → host', json(memberMessage));
  fuzz('host → member', json(hostMessage));
});

test('the data-channel and UI decoders never throw anything but a CamvidError', () => {
  fuzz('ctl channel', json(ctlMessage));
  fuzz('UI request', json(uiRequest));
});

test('TXT records, lab frames and sealed frames: garbage is ignored, refused or fails to open', () => {
  const rng = createRng(SEED);
  const bytes = () => new Uint8Array(Array.from({ length: rng.int(300) }, () => rng.int(256)));
  const channel = new SealedChannel({ key: new Uint8Array(32).fill(9) }, 'host');
  for (let i = 0; i < RUNS; i++) {
    const txt = { v: ['1', '2', '', '0x1'][rng.int(4)], id: [ID, 'zz', ''][rng.int(3)], room: randomValue(rng), host: randomValue(rng), port: [String(rng.int(70000)), bytes()][rng.int(2)] };
    const parsed = parseRoomTxt(rng.chance(0.1) ? randomValue(rng) : txt);
    if (parsed) assert.ok(parsed.port > 0 && parsed.port < 65536);
    const frame = decodeFrame(bytes());
    assert.type(frame.ok, 'boolean');
    try {
      channel.open(bytes());
      assert.unreachable('a random frame opened');
    } catch (err) {
      assert.instance(err, CamvidError);
    }
  }
});

test.run();
