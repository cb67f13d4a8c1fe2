import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostHandshakeState, JoinerHandshakeState } from '../../node-agent/auth/handshake.js';
import { SealedChannel } from '../../node-agent/auth/sealed-channel.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';
import { CamvidError } from '../../protocol/errors.js';

const ROOM = '0123456789abcdef';
const identity = new HostIdentity();
const b64 = (n: number) => randomBytes(n).toString('base64');

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof CamvidError ? err.code : `not a CamvidError: ${err}`;
  }
  return undefined;
};

test('the right password gives both sides the same session key, and the joiner learns the host key', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM, identity);
  const challenge = host.onHello(joiner.hello());
  const { proof, keys, hostKey } = joiner.onChallenge(challenge);
  assert.is(hostKey, identity.publicKey);
  const hostKeys = host.onProof(proof);
  assert.equal(Buffer.from(keys.key).toString('hex'), Buffer.from(hostKeys.key).toString('hex'));
  const a = new SealedChannel(keys, 'joiner');
  const b = new SealedChannel(hostKeys, 'host');
  assert.is(new TextDecoder().decode(b.open(a.seal(new TextEncoder().encode('hi')))), 'hi');
});

test('a joiner with the wrong password refuses the host with BAD_PASSWORD before proving anything', async () => {
  const host = new HostHandshakeState(await deriveRoomKey('admin', ROOM), ROOM, identity);
  const joiner = new JoinerHandshakeState(await deriveRoomKey('wrong', ROOM), ROOM);
  const challenge = host.onHello(joiner.hello());
  assert.is(code(() => joiner.onChallenge(challenge)), 'BAD_PASSWORD');
});

test('a host with a different password is refused (no fake rooms)', async () => {
  const fakeHost = new HostHandshakeState(await deriveRoomKey('guess', ROOM), ROOM, new HostIdentity());
  const joiner = new JoinerHandshakeState(await deriveRoomKey('admin', ROOM), ROOM);
  assert.is(code(() => joiner.onChallenge(fakeHost.onHello(joiner.hello()))), 'BAD_PASSWORD');
});

test('a host that knows the password but not the pinned identity key is refused', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const impostor = new HostHandshakeState(key, ROOM, new HostIdentity()); // a student running a fake room
  const joiner = new JoinerHandshakeState(key, ROOM, 'join', identity.publicKey);
  assert.is(code(() => joiner.onChallenge(impostor.onHello(joiner.hello()))), 'BAD_MESSAGE');
  const pinned = new JoinerHandshakeState(key, ROOM, 'join', identity.publicKey);
  assert.ok(pinned.onChallenge(new HostHandshakeState(key, ROOM, identity).onHello(pinned.hello())).proof);
});

test('a joiner that skips verification and sends a made-up confirmation is refused by the host', async () => {
  const host = new HostHandshakeState(await deriveRoomKey('admin', ROOM), ROOM, identity);
  const joiner = new JoinerHandshakeState(await deriveRoomKey('wrong', ROOM), ROOM);
  host.onHello(joiner.hello());
  assert.is(code(() => host.onProof({ type: 'proof', confirm: b64(64) })), 'BAD_PASSWORD');
});

test('a tampered transcript is refused on either side', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  for (const field of ['share', 'hostKey', 'confirm', 'sig'] as const) {
    const joiner = new JoinerHandshakeState(key, ROOM);
    const host = new HostHandshakeState(key, ROOM, identity);
    const challenge = host.onHello(joiner.hello());
    const other = field === 'share' || field === 'hostKey' ? new JoinerHandshakeState(key, ROOM).hello().share : b64(64);
    const got = code(() => joiner.onChallenge({ ...challenge, [field]: other }));
    assert.ok(got === 'BAD_PASSWORD' || got === 'BAD_MESSAGE', `challenge.${field}: ${got}`);
  }
  // A man in the middle swaps the joiner's share or sid: the host's confirmation no longer matches
  // the joiner's view, and the joiner (who checks it first) refuses.
  for (const field of ['share', 'sid'] as const) {
    const joiner = new JoinerHandshakeState(key, ROOM);
    const host = new HostHandshakeState(key, ROOM, identity);
    const hello = { ...joiner.hello(), [field]: field === 'share' ? new JoinerHandshakeState(key, ROOM).hello().share : b64(32) };
    assert.is(code(() => joiner.onChallenge(host.onHello(hello))), 'BAD_PASSWORD', `hello.${field}`);
  }
});

test('shares that are not group elements, or the identity, are refused before anything else', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const zero = Buffer.alloc(32).toString('base64');
  const bad = Buffer.from('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c', 'hex').toString('base64');
  for (const share of [zero, bad]) {
    const joiner = new JoinerHandshakeState(key, ROOM);
    assert.is(code(() => new HostHandshakeState(key, ROOM, identity).onHello({ ...joiner.hello(), share })), 'BAD_MESSAGE');
    const challenge = new HostHandshakeState(key, ROOM, identity).onHello(joiner.hello());
    assert.is(code(() => joiner.onChallenge({ ...challenge, share })), 'BAD_MESSAGE');
  }
});

test('a proof replayed into another handshake, or twice into the same one, is refused', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM, identity);
  const { proof } = joiner.onChallenge(host.onHello(joiner.hello()));
  host.onProof(proof);
  assert.is(code(() => host.onProof(proof)), 'BAD_MESSAGE');
  const host2 = new HostHandshakeState(key, ROOM, identity);
  host2.onHello(joiner.hello()); // the attacker replays the recorded hello too: the host picks a fresh share
  assert.is(code(() => host2.onProof(proof)), 'BAD_PASSWORD');
});

test('replayed, reordered and reflected sealed frames fail to open', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM, identity);
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

test('a hello for another room or version is refused with a typed code, before any group work', async () => {
  const key = await deriveRoomKey('admin', ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  let worked = 0;
  assert.is(code(() => new HostHandshakeState(key, 'ffffffffffffffff', identity).onHello(joiner.hello(), () => worked++)), 'ROOM_NOT_FOUND');
  assert.is(code(() => new HostHandshakeState(key, ROOM, identity).onHello({ ...joiner.hello(), v: 99 }, () => worked++)), 'VERSION_MISMATCH');
  assert.is(code(() => new HostHandshakeState(key, ROOM, identity).onHello({ ...joiner.hello(), sid: b64(16) }, () => worked++)), 'BAD_MESSAGE');
  assert.is(worked, 0);
  new HostHandshakeState(key, ROOM, identity).onHello(joiner.hello(), () => worked++);
  assert.is(worked, 1);
});

test.run();
