/**
 * The room-password handshake: CPace (node-agent/auth/cpace.ts, draft-irtf-cfrg-cpace) with the
 * joiner as initiator and the host as responder, then explicit key confirmation, then the host's
 * signature with its own room identity key (not derived from the password) so a joiner can pin it.
 *
 *   joiner → host  hello     {sid, share: Ya = ya·g}
 *   host → joiner  challenge {share: Yb = yb·g, hostKey, confirm: Tb, sig}
 *   joiner → host  proof     {confirm: Ta}
 *
 * g = calculate_generator(PRS = scrypt(password, room id), CI, sid), CI = lv_cat(label, version,
 * room id, role). Ya, Yb are uniformly random group elements whatever the password, and Tb, Ta are
 * MACs keyed by the CPace ISK, which needs ya·Yb = yb·Ya: nothing on the wire is a function of the
 * password that an observer (or a peer without it) can evaluate for a guess. A peer can test one
 * guess per handshake, the one its share was made with; the host counts each handshake as an
 * attempt (node-agent/signalling/signal-server.ts). The joiner checks Tb before it sends anything
 * that depends on the password, so a fake host learns no more than a fake joiner.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { CamvidError } from '../../protocol/errors.js';
import type { HostHandshake, JoinerHandshake } from '../../protocol/handshake.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { hostVerifier } from '../overlay/host-identity.js';
import {
  calculateGenerator, concat, confirmationTag, intermediateSessionKey, lvCat, macKey, sampleScalar, scalarMult, scalarMultVfy, sha512, tagsEqual, transcriptIr,
} from './cpace.js';
import type { RoomKey } from './room-key.js';

type Role = 'join' | 'edge';
type Hello = Extract<JoinerHandshake, { type: 'hello' }>;
type Challenge = Extract<HostHandshake, { type: 'challenge' }>;
type Proof = Extract<JoinerHandshake, { type: 'proof' }>;

export interface SessionKeys {
  /** 32-byte secretbox key shared by both ends */
  key: Uint8Array;
  /** the hashed transcript both ends agreed on: unique per session, what a joiner's identity signs */
  transcript: Uint8Array;
}

/** What the host signs the handshake with: its room identity (node-agent/overlay/host-identity.ts). */
export interface HostSigner {
  /** raw 32-byte Ed25519 public key, base64 */
  readonly publicKey: string;
  sign(data: Buffer): string;
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const utf8 = (s: string) => new TextEncoder().encode(s);
const LABEL = utf8('camvid/handshake/v2');
const AD_JOINER = utf8('camvid joiner');
const SIG_LABEL = utf8('camvid/handshake/host-signature/v2');

/** base64 of exactly `length` bytes, or BAD_MESSAGE */
function unb64(s: string, length: number, what: string): Uint8Array {
  const u = new Uint8Array(Buffer.from(s, 'base64'));
  if (u.length !== length) throw new CamvidError('BAD_MESSAGE', `bad ${what}`);
  return u;
}

/** CPace's channel identifier: what both ends know before the first message. */
export const channelId = (roomId: string, role: Role): Uint8Array =>
  lvCat(LABEL, utf8(String(PROTOCOL_VERSION)), utf8(roomId), utf8(role));

/** ADb: the host's identity key, authenticated by the password through Tb. */
export const hostAd = (hostKey: Uint8Array): Uint8Array => lvCat(utf8('camvid host'), hostKey);
export const joinerAd = (): Uint8Array => AD_JOINER;

/** Everything both ends agreed on, hashed: what the host signs and the session key is bound to. */
export function handshakeTranscript(roomId: string, role: Role, sid: Uint8Array, ya: Uint8Array, yb: Uint8Array, hostKey: Uint8Array): Uint8Array {
  return sha512(lvCat(channelId(roomId, role), sid), transcriptIr(ya, AD_JOINER, yb, hostAd(hostKey)));
}

/** The session key: HKDF-SHA-512 of the CPace ISK, salted with the transcript. */
function sessionKey(isk: Uint8Array, t: Uint8Array): SessionKeys {
  return { key: new Uint8Array(hkdfSync('sha512', isk, t, 'camvid/session-key/v2', 32)), transcript: t };
}

export const signedTranscript = (t: Uint8Array): Buffer => Buffer.from(concat([SIG_LABEL, t]));

/** The joiner's side: hello → (challenge) → proof + session keys. */
export class JoinerHandshakeState {
  readonly #hello: Hello;
  readonly #sid = new Uint8Array(randomBytes(32));
  readonly #y = sampleScalar();
  readonly #share: Uint8Array;
  #done = false;

  /** `pinnedHostKey`: refuse a host that does not sign with this identity (base64). */
  constructor(
    roomKey: RoomKey,
    private readonly roomId: string,
    private readonly role: Role = 'join',
    private readonly pinnedHostKey?: string,
  ) {
    this.#share = scalarMult(this.#y, calculateGenerator(roomKey.prs, channelId(roomId, role), this.#sid));
    this.#hello = { type: 'hello', v: PROTOCOL_VERSION, roomId, role, sid: b64(this.#sid), share: b64(this.#share) };
  }

  hello(): Hello {
    return this.#hello;
  }

  /**
   * Checks the host's key confirmation (BAD_PASSWORD when it was not made with our password), then
   * its identity signature and pin (BAD_MESSAGE); only then returns our own confirmation.
   */
  onChallenge(challenge: Challenge): { proof: Proof; keys: SessionKeys; hostKey: string } {
    if (this.#done) throw new CamvidError('BAD_MESSAGE', 'second challenge');
    this.#done = true;
    if (challenge.v !== PROTOCOL_VERSION) throw new CamvidError('VERSION_MISMATCH');
    const yb = unb64(challenge.share, 32, 'host share');
    const hostKey = unb64(challenge.hostKey, 32, 'host key');
    const tb = unb64(challenge.confirm, 64, 'host confirmation');
    const k = scalarMultVfy(this.#y, yb);
    if (!k) throw new CamvidError('BAD_MESSAGE', 'host share is not a valid group element');
    const ada = joinerAd();
    const isk = intermediateSessionKey(this.#sid, k, transcriptIr(this.#share, ada, yb, hostAd(hostKey)));
    const mk = macKey(this.#sid, isk);
    if (!tagsEqual(tb, confirmationTag(mk, yb, hostAd(hostKey)))) {
      throw new CamvidError('BAD_PASSWORD', 'Wrong room password (the host could not prove the same password).');
    }
    const t = handshakeTranscript(this.roomId, this.role, this.#sid, this.#share, yb, hostKey);
    if (challenge.sig.length !== 88 || !hostVerifier(challenge.hostKey)(signedTranscript(t), challenge.sig)) {
      throw new CamvidError('BAD_MESSAGE', "The host's identity signature does not verify.");
    }
    if (this.pinnedHostKey && this.pinnedHostKey !== challenge.hostKey) {
      throw new CamvidError('BAD_MESSAGE', 'This host signs with another identity than the host of this room did.');
    }
    const proof: Proof = { type: 'proof', confirm: b64(confirmationTag(mk, this.#share, ada)) };
    return { proof, keys: sessionKey(isk, t), hostKey: challenge.hostKey };
  }
}

/** The host's side: (hello) → challenge → (proof) → session keys. */
export class HostHandshakeState {
  #seenHello = false;
  #pending: { expected: Uint8Array; keys: SessionKeys } | null = null;
  #role: Role = 'join';

  constructor(
    private readonly roomKey: RoomKey,
    private readonly roomId: string,
    private readonly identity: HostSigner,
  ) {}

  get role(): Role {
    return this.#role;
  }

  /**
   * Answers a hello. `beforeWork` runs once the hello has passed the cheap checks (version, room,
   * lengths) and before any group operation: the server counts the attempt there.
   */
  onHello(hello: Hello, beforeWork?: () => void): Challenge {
    if (this.#seenHello) throw new CamvidError('BAD_MESSAGE', 'second hello');
    this.#seenHello = true;
    if (hello.v !== PROTOCOL_VERSION) throw new CamvidError('VERSION_MISMATCH');
    if (hello.roomId !== this.roomId) throw new CamvidError('ROOM_NOT_FOUND', 'This host serves another room.');
    const sid = unb64(hello.sid, 32, 'hello sid');
    const ya = unb64(hello.share, 32, 'hello share');
    beforeWork?.();
    const y = sampleScalar();
    const yb = scalarMult(y, calculateGenerator(this.roomKey.prs, channelId(this.roomId, hello.role), sid));
    const k = scalarMultVfy(y, ya);
    if (!k) throw new CamvidError('BAD_MESSAGE', 'joiner share is not a valid group element');
    const hostKey = unb64(this.identity.publicKey, 32, 'host key');
    const adb = hostAd(hostKey);
    const isk = intermediateSessionKey(sid, k, transcriptIr(ya, joinerAd(), yb, adb));
    const mk = macKey(sid, isk);
    const t = handshakeTranscript(this.roomId, hello.role, sid, ya, yb, hostKey);
    this.#pending = { expected: confirmationTag(mk, ya, joinerAd()), keys: sessionKey(isk, t) };
    this.#role = hello.role;
    return {
      type: 'challenge',
      v: PROTOCOL_VERSION,
      share: b64(yb),
      hostKey: this.identity.publicKey,
      confirm: b64(confirmationTag(mk, yb, adb)),
      sig: this.identity.sign(signedTranscript(t)),
    };
  }

  /** Throws BAD_PASSWORD when the joiner's confirmation was not made with the room password. */
  onProof(proof: Proof): SessionKeys {
    const pending = this.#pending;
    if (!pending) throw new CamvidError('BAD_MESSAGE', 'proof before hello');
    this.#pending = null; // one proof per handshake: a replay finds nothing to check against
    const ta = new Uint8Array(Buffer.from(proof.confirm, 'base64'));
    if (!tagsEqual(ta, pending.expected)) throw new CamvidError('BAD_PASSWORD');
    return pending.keys;
  }
}
