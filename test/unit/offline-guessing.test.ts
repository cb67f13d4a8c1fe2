/**
 * Issue "Trust": with v1's handshake, one recorded join (or one `hello` to the host, no password
 * needed) gave an offline verifier: the host's signature under a key derived from the password.
 * With CPace, an attacker who recorded an honest join, and one who talked to the host without the
 * password, run the checks they can evaluate for the right and a wrong password
 * (test/helpers/password-attack.ts `offlineGuessCheck`) and get the same answers: the check that
 * would tell them apart needs the Diffie-Hellman point, i.e. a scalar only an end of that
 * handshake holds. The one guess an attacker's own hello was made with is the online guess, and
 * the host counted it before answering (test/integration/signalling.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { calculateGenerator, sampleScalar, scalarMult } from '../../node-agent/auth/cpace.js';
import { channelId, HostHandshakeState, JoinerHandshakeState } from '../../node-agent/auth/handshake.js';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { offlineGuessCheck, type RecordedHandshake } from '../helpers/password-attack.js';

const ROOM = '0123456789abcdef';
const RIGHT = 'tulip42';
const WRONG = 'tulip43';
const identity = new HostIdentity();

/** An honest student's join, as someone on the LAN records it. */
async function recordHonestJoin(): Promise<RecordedHandshake> {
  const key = await deriveRoomKey(RIGHT, ROOM);
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM, identity);
  const hello = joiner.hello();
  const challenge = host.onHello(hello);
  const { proof } = joiner.onChallenge(challenge);
  host.onProof(proof);
  return { roomId: ROOM, hello, challenge, proof };
}

/** An attacker's own conversation with the host: a hello made with `committed` (its one guess), no proof. */
async function talkToHost(committed: string): Promise<{ rec: RecordedHandshake; scalar: bigint }> {
  const host = new HostHandshakeState(await deriveRoomKey(RIGHT, ROOM), ROOM, identity);
  const sid = new Uint8Array(randomBytes(32));
  const scalar = sampleScalar();
  const g = calculateGenerator((await deriveRoomKey(committed, ROOM)).prs, channelId(ROOM, 'join'), sid);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const hello = { type: 'hello' as const, v: PROTOCOL_VERSION, roomId: ROOM, role: 'join' as const, sid: b64(sid), share: b64(scalarMult(scalar, g)) };
  return { rec: { roomId: ROOM, hello, challenge: host.onHello(hello) }, scalar };
}

test('a recorded honest join: every offline check answers the same for the right and a wrong password', async () => {
  const rec = await recordHonestJoin();
  const right = offlineGuessCheck(rec, await deriveRoomKey(RIGHT, ROOM));
  const wrong = offlineGuessCheck(rec, await deriveRoomKey(WRONG, ROOM));
  assert.equal(right, wrong);
  assert.equal(right, {
    oldSignatureUnderGuessKey: false, // v1's attack: nothing is signed with a password-derived key any more
    signatureUnderHostKey: true, // the host's identity signature holds whatever the guess
    hostConfirmationMatches: false,
    joinerConfirmationMatches: false,
  });
  // Nothing on the wire repeats across joins with the same password (shares are fresh random elements).
  const again = await recordHonestJoin();
  for (const f of ['share', 'confirm', 'sig'] as const) assert.is.not(again.challenge[f], rec.challenge[f]);
  assert.is.not(again.hello.share, rec.hello.share);
});

test('talking to the host without the password: the answer tests only the guess the hello was made with', async () => {
  // Committed to a third password: its own scalar opens nothing, for the right or a wrong guess.
  const { rec, scalar } = await talkToHost('daisy7');
  const right = offlineGuessCheck(rec, await deriveRoomKey(RIGHT, ROOM), scalar);
  const wrong = offlineGuessCheck(rec, await deriveRoomKey(WRONG, ROOM), scalar);
  assert.equal(right, wrong);
  assert.is(right.hostConfirmationMatches, false);
  assert.is(right.oldSignatureUnderGuessKey, false);
  // Committed to the wrong password: still nothing, whatever it tries afterwards.
  const w = await talkToHost(WRONG);
  assert.equal(offlineGuessCheck(w.rec, await deriveRoomKey(RIGHT, ROOM), w.scalar), offlineGuessCheck(w.rec, await deriveRoomKey(WRONG, ROOM), w.scalar));
  assert.is(offlineGuessCheck(w.rec, await deriveRoomKey(RIGHT, ROOM), w.scalar).hostConfirmationMatches, false);
  // Committed to the right password: the check succeeds, whatever guess it names afterwards (it
  // does not depend on the guess: K = scalar·Yb). That is the online guess, one per connection.
  const r = await talkToHost(RIGHT);
  assert.is(offlineGuessCheck(r.rec, await deriveRoomKey(WRONG, ROOM), r.scalar).hostConfirmationMatches, true);
  assert.is(offlineGuessCheck(r.rec, await deriveRoomKey(RIGHT, ROOM), r.scalar).hostConfirmationMatches, true);
});

test("v1's verifier, for contrast: a signature under scrypt(password)'s key tells the guesses apart", async () => {
  // What the v1 challenge carried (node-agent/auth/handshake.ts before CPace): sign(roomKey, T).
  const t = new Uint8Array(randomBytes(64));
  const sig = nacl.sign.detached(t, nacl.sign.keyPair.fromSeed((await deriveRoomKey(RIGHT, ROOM)).prs).secretKey);
  const check = async (pw: string) => nacl.sign.detached.verify(t, sig, (await deriveRoomKey(pw, ROOM)).publicKey);
  assert.is(await check(RIGHT), true);
  assert.is(await check(WRONG), false);
});

test.run();
