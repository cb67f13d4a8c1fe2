/**
 * The mutual room-password handshake (DESIGN.md "Security"). Each side sends an ephemeral X25519
 * key and a nonce; the host signs the transcript first (so a joiner never proves itself to a fake
 * room), then the joiner. Signatures use the room key, which only password holders can derive.
 * Labels differ per role so a signature can never be reflected back. The session key binds the
 * X25519 secret to the transcript, so every later sealed frame is tied to this handshake.
 */
import nacl from 'tweetnacl';
import { CamvidError } from '../../protocol/errors.js';
import type { HostHandshake, JoinerHandshake } from '../../protocol/handshake.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { RoomKey } from './room-key.js';

type Role = 'join' | 'edge';
type Hello = Extract<JoinerHandshake, { type: 'hello' }>;
type Challenge = Extract<HostHandshake, { type: 'challenge' }>;
type Proof = Extract<JoinerHandshake, { type: 'proof' }>;

export interface SessionKeys {
  /** 32-byte secretbox key shared by both ends */
  key: Uint8Array;
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const utf8 = (s: string) => new TextEncoder().encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** SHA-512 over every field both sides agreed on, length-prefixed so no two transcripts collide. */
function transcript(roomId: string, role: Role, hello: Hello, challenge: Omit<Challenge, 'sig'>): Uint8Array {
  const fields = [
    utf8('camvid/handshake/v1'),
    utf8(roomId),
    utf8(role),
    utf8(String(PROTOCOL_VERSION)),
    unb64(hello.eph),
    unb64(hello.nonce),
    unb64(challenge.eph),
    unb64(challenge.nonce),
  ];
  return nacl.hash(concat(fields.flatMap((f) => [new Uint8Array([f.length >> 8, f.length & 255]), f])));
}

const signed = (label: string, t: Uint8Array) => concat([utf8(label), t]);

function sessionKey(theirEph: string, mySecret: Uint8Array, t: Uint8Array): SessionKeys {
  const theirs = unb64(theirEph);
  if (theirs.length !== nacl.box.publicKeyLength) throw new CamvidError('BAD_MESSAGE', 'bad ephemeral key');
  const shared = nacl.box.before(theirs, mySecret);
  return { key: nacl.hash(concat([shared, t])).slice(0, nacl.secretbox.keyLength) };
}

function verify(label: string, t: Uint8Array, sig: string, key: RoomKey): boolean {
  const s = unb64(sig);
  return s.length === nacl.sign.signatureLength && nacl.sign.detached.verify(signed(label, t), s, key.publicKey);
}

/** The joiner's side: hello → (challenge) → proof + session keys. */
export class JoinerHandshakeState {
  readonly #eph = nacl.box.keyPair();
  readonly #hello: Hello;
  #done = false;

  constructor(
    private readonly roomKey: RoomKey,
    private readonly roomId: string,
    private readonly role: Role = 'join',
  ) {
    this.#hello = {
      type: 'hello',
      v: PROTOCOL_VERSION,
      roomId,
      role,
      eph: b64(this.#eph.publicKey),
      nonce: b64(nacl.randomBytes(32)),
    };
  }

  hello(): Hello {
    return this.#hello;
  }

  /** Verifies the host; throws BAD_PASSWORD when it does not hold our room key. */
  onChallenge(challenge: Challenge): { proof: Proof; keys: SessionKeys } {
    if (this.#done) throw new CamvidError('BAD_MESSAGE', 'second challenge');
    this.#done = true;
    if (challenge.v !== PROTOCOL_VERSION) throw new CamvidError('VERSION_MISMATCH');
    const t = transcript(this.roomId, this.role, this.#hello, challenge);
    if (!verify('host', t, challenge.sig, this.roomKey)) {
      throw new CamvidError('BAD_PASSWORD', 'Wrong room password (the host could not prove the same password).');
    }
    const sig = nacl.sign.detached(signed('member', t), this.roomKey.secretKey);
    return { proof: { type: 'proof', sig: b64(sig) }, keys: sessionKey(challenge.eph, this.#eph.secretKey, t) };
  }
}

/** The host's side: (hello) → challenge → (proof) → session keys. */
export class HostHandshakeState {
  readonly #eph = nacl.box.keyPair();
  #transcript: Uint8Array | null = null;
  #helloEph = '';
  #role: Role = 'join';

  constructor(
    private readonly roomKey: RoomKey,
    private readonly roomId: string,
  ) {}

  get role(): Role {
    return this.#role;
  }

  onHello(hello: Hello): Challenge {
    if (this.#transcript) throw new CamvidError('BAD_MESSAGE', 'second hello');
    if (hello.v !== PROTOCOL_VERSION) throw new CamvidError('VERSION_MISMATCH');
    if (hello.roomId !== this.roomId) throw new CamvidError('ROOM_NOT_FOUND', 'This host serves another room.');
    if (unb64(hello.eph).length !== 32 || unb64(hello.nonce).length !== 32) {
      throw new CamvidError('BAD_MESSAGE', 'bad hello key or nonce');
    }
    const body = { type: 'challenge' as const, v: PROTOCOL_VERSION, eph: b64(this.#eph.publicKey), nonce: b64(nacl.randomBytes(32)) };
    this.#transcript = transcript(this.roomId, hello.role, hello, body);
    this.#helloEph = hello.eph;
    this.#role = hello.role;
    const sig = nacl.sign.detached(signed('host', this.#transcript), this.roomKey.secretKey);
    return { ...body, sig: b64(sig) };
  }

  /** Throws BAD_PASSWORD when the joiner does not hold the room key. */
  onProof(proof: Proof): SessionKeys {
    const t = this.#transcript;
    if (!t) throw new CamvidError('BAD_MESSAGE', 'proof before hello');
    this.#transcript = null; // one proof per handshake: a replay finds no transcript
    if (!verify('member', t, proof.sig, this.roomKey)) throw new CamvidError('BAD_PASSWORD');
    return sessionKey(this.#helloEph, this.#eph.secretKey, t);
  }
}
