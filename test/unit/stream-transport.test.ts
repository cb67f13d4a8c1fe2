/**
 * StreamTransport: the length-prefixed framing that carries the handshake and sealed signalling
 * over a hyperswarm stream. Frames survive any split of the byte stream; garbage, an oversized
 * length, an unknown kind, a reset or an abrupt end close that one transport with a typed error
 * (or a clean close), never an exception at the owner.
 */
import { Duplex, PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import { StreamTransport } from '../../node-agent/signalling/stream-transport.js';
import { createRng } from '../../protocol/labs/rng.js';

const test = suite('StreamTransport framing');

/** Two ends of an in-memory byte stream. */
function pipePair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const ends: [Duplex, Duplex] = [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
  // Destroying one end aborts the other; the test's raw end must not crash the runner for it.
  for (const e of ends) e.on('error', () => {});
  return ends;
}

const frame = (kind: number, payload: Buffer) => {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(payload.length + 1, 0);
  h[4] = kind;
  return Buffer.concat([h, payload]);
};

const closed = (t: StreamTransport) => new Promise<Error | null>((resolve) => t.on('close', resolve));

test('text and binary frames arrive whole and in order however the bytes are split', async () => {
  const [raw, end] = pipePair();
  const t = new StreamTransport(end, 'test');
  const got: [string, boolean][] = [];
  t.on('frame', (data, text) => got.push([text ? data.toString() : data.toString('hex'), text]));
  const bytes = Buffer.concat([frame(0, Buffer.from('{"type":"hello"}')), frame(1, Buffer.from([1, 2, 3])), frame(0, Buffer.from('ü'))]);
  for (let i = 0; i < bytes.length; i++) raw.write(bytes.subarray(i, i + 1)); // one byte at a time
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(got, [['{"type":"hello"}', true], ['010203', false], ['ü', true]]);
  t.terminate();
});

test('two transports talk: frames both ways and ping is answered by pong', async () => {
  const [a, b] = pipePair();
  const ta = new StreamTransport(a, 'a');
  const tb = new StreamTransport(b, 'b');
  const texts: string[] = [];
  tb.on('frame', (d) => texts.push(d.toString()));
  const pong = new Promise<void>((r) => ta.on('pong', () => r()));
  ta.sendText('one');
  ta.sendBinary(new Uint8Array([9]));
  ta.ping();
  await pong;
  assert.equal(texts, ['one', '\t']);
  ta.close();
  assert.is(await closed(tb), null, 'the other end sees a clean close');
});

const BAD: [string, Buffer][] = [
  ['a length over the limit', Buffer.from([0xff, 0xff, 0xff, 0xff, 0])],
  ['a length just over the limit', (() => { const b = Buffer.alloc(5); b.writeUInt32BE(MAX_SIGNAL_FRAME_BYTES + 2, 0); return b; })()],
  ['a zero length', Buffer.from([0, 0, 0, 0, 0, 0])],
  ['an unknown kind', frame(7, Buffer.from('x'))],
  ['HTTP instead of frames', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
];
for (const [what, bytes] of BAD) {
  test(`${what} closes the transport with BAD_MESSAGE`, async () => {
    const [raw, end] = pipePair();
    const t = new StreamTransport(end, 'test');
    const frames: Buffer[] = [];
    t.on('frame', (d) => frames.push(d));
    const why = closed(t);
    raw.write(bytes);
    const err = await why;
    assert.ok(err instanceof CamvidError, `got ${err}`);
    assert.is((err as CamvidError).code, 'BAD_MESSAGE');
    assert.is(frames.length, 0);
    assert.ok(t.closed);
    t.sendText('after close is a no-op'); // must not throw
  });
}

test('a stream reset (error) closes with a typed error; an abrupt end closes cleanly', async () => {
  const [, end] = pipePair();
  const t = new StreamTransport(end, 'test');
  const why = closed(t);
  end.destroy(new Error('ECONNRESET'));
  const err = await why;
  assert.ok(err instanceof CamvidError);
  assert.is((err as CamvidError).code, 'UNREACHABLE');

  const [raw2, end2] = pipePair();
  const t2 = new StreamTransport(end2, 'test');
  const why2 = closed(t2);
  raw2.write(Buffer.from([0, 0, 0])); // half a header, then the end
  raw2.end();
  assert.is(await why2, null);
});

test('random bytes never throw: each run ends in frames, a typed close, or waiting for more', async () => {
  const rng = createRng(Number(process.env.CAMVID_FUZZ_SEED ?? 7));
  for (let run = 0; run < 2000; run++) {
    const [raw, end] = pipePair();
    const t = new StreamTransport(end, 'fuzz');
    let closeErr: Error | null | undefined;
    t.on('close', (e) => (closeErr = e));
    const n = Math.floor(rng.next() * 64);
    const bytes = Buffer.alloc(n);
    for (let i = 0; i < n; i++) bytes[i] = Math.floor(rng.next() * 256);
    // Half the runs start with a plausible header so that the kind and payload paths are reached.
    if (run % 2 && n >= 5) bytes.writeUInt32BE(1 + Math.floor(rng.next() * (n - 4)), 0);
    raw.write(bytes);
    await new Promise((r) => setImmediate(r));
    if (closeErr !== undefined && closeErr !== null) assert.ok(closeErr instanceof CamvidError);
    t.terminate();
  }
});

test.run();
