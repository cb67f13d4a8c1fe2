import { test } from 'uvu';
import * as assert from 'uvu/assert';
import nacl from 'tweetnacl';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostHandshakeState, JoinerHandshakeState } from '../../node-agent/auth/handshake.js';
import { SealedChannel } from '../../node-agent/auth/sealed-channel.js';
import { CamvidError } from '../../protocol/errors.js';

const ROOM = '0123456789abcdef';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof CamvidError ? err.code : `not a CamvidError: ${err}`;
  }
  return undefined;
};

test('the right password gives both sides the same session key', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM);
  const challenge = host.onHello(joiner.hello());
  const { proof, keys } = joiner.onChallenge(challenge);
  const hostKeys = host.onProof(proof);
  assert.equal(Buffer.from(keys.key).toString('hex'), Buffer.from(hostKeys.key).toString('hex'));
  const a = new SealedChannel(keys, 'joiner');
  const b = new SealedChannel(hostKeys, 'host');
  assert.is(new TextDecoder().decode(b.open(a.seal(new TextEncoder().encode('hi')))), 'hi');
});

test('a joiner with the wrong password refuses the host with BAD_PASSWORD before proving anything', async () => {
  const host = new HostHandshakeState(await deriveRoomKey('admin', ROOM), ROOM);
  const joiner = new JoinerHandshakeState(await deriveRoomKey('wrong', ROOM), ROOM);
  const challenge = host.onHello(joiner.hello());
  assert.is(code(() => joiner.onChallenge(challenge)), 'BAD_PASSWORD');
});

test('a host with a different password is refused (no fake rooms)', async () => {
  const fakeHost = new HostHandshakeState(await deriveRoomKey('guess', ROOM), ROOM);
  const joiner = new JoinerHandshakeState(await deriveRoomKey('admin', ROOM), ROOM);
  assert.is(code(() => joiner.onChallenge(fakeHost.onHello(joiner.hello()))), 'BAD_PASSWORD');
});

test('a joiner that skips verification and signs with the wrong key is refused by the host', async () => {
  const host = new HostHandshakeState(await deriveRoomKey('admin', ROOM), ROOM);
  const wrong = await deriveRoomKey('wrong', ROOM);
  const joiner = new JoinerHandshakeState(wrong, ROOM);
  host.onHello(joiner.hello());
  const forged = { type: 'proof' as const, sig: Buffer.from(nacl.sign.detached(new Uint8Array(10), wrong.secretKey)).toString('base64') };
  assert.is(code(() => host.onProof(forged)), 'BAD_PASSWORD');
});

test('a tampered transcript is refused on either side', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const fields = ['eph', 'nonce'] as const;
  for (const field of fields) {
    const joiner = new JoinerHandshakeState(key, ROOM);
    const host = new HostHandshakeState(key, ROOM);
    const challenge = host.onHello(joiner.hello());
    const tampered = { ...challenge, [field]: Buffer.from(nacl.randomBytes(32)).toString('base64') };
    assert.is(code(() => joiner.onChallenge(tampered)), 'BAD_PASSWORD', `challenge.${field}`);
  }
  // A man in the middle swaps the joiner's ephemeral key: the host signs the swapped transcript,
  // which the joiner (who sent its own key) cannot verify.
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM);
  const hello = { ...joiner.hello(), eph: Buffer.from(nacl.box.keyPair().publicKey).toString('base64') };
  assert.is(code(() => joiner.onChallenge(host.onHello(hello))), 'BAD_PASSWORD');
});

test('a proof replayed into another handshake, or twice into the same one, is refused', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM);
  const { proof } = joiner.onChallenge(host.onHello(joiner.hello()));
  host.onProof(proof);
  assert.is(code(() => host.onProof(proof)), 'BAD_MESSAGE');
  const host2 = new HostHandshakeState(key, ROOM);
  host2.onHello(joiner.hello()); // the attacker replays the recorded hello too
  assert.is(code(() => host2.onProof(proof)), 'BAD_PASSWORD');
});

test('replayed, reordered and reflected sealed frames fail to open', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM);
  const { proof, keys } = joiner.onChallenge(host.onHello(joiner.hello()));
  const hostKeys = host.onProof(proof);
  const a = new SealedChannel(keys, 'joiner');
  const b = new SealedChannel(hostKeys, 'host');
  const m1 = a.seal(new Uint8Array([1]));
  const m2 = a.seal(new Uint8Array([2]));
  assert.is(code(() => b.open(m2)), 'BAD_MESSAGE', 'reordered');
  b.open(m1);
  assert.is(code(() => b.open(m1)), 'BAD_MESSAGE', 'replayed');
  b.open(m2);
  assert.is(code(() => a.open(m1)), 'BAD_MESSAGE', 'reflected');
  const flipped = a.seal(new Uint8Array([3]));
  flipped[flipped.length - 1]! ^= 1;
  assert.is(code(() => b.open(flipped)), 'BAD_MESSAGE', 'bit flip');
});

test('a hello for another room or version is refused with a typed code', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  assert.is(code(() => new HostHandshakeState(key, 'ffffffffffffffff').onHello(joiner.hello())), 'ROOM_NOT_FOUND');
  assert.is(code(() => new HostHandshakeState(key, ROOM).onHello({ ...joiner.hello(), v: 99 })), 'VERSION_MISMATCH');
});

test.run();
