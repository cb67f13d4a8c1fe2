/**
 * CPace over ristretto255 with SHA-512 (draft-irtf-cfrg-cpace, suite CPACE-RISTR255-SHA512), the
 * balanced PAKE of the room handshake (node-agent/auth/handshake.ts). Only the primitives live
 * here, each as the draft defines it; test/unit/cpace-vectors.test.ts pins them to the draft's
 * ristretto255 test vectors.
 *
 * The generator is the draft's: g = element_derivation(SHA-512(generator_string(DSI, PRS, CI, sid,
 * 128))), where element_derivation is RFC 9496's 64-byte map (@noble/curves' `deriveToCurve`), not
 * RFC 9380's hash_to_ristretto255 (`hashToCurve`, which first runs expand_message_xmd and so gives
 * another point).
 *
 * K (the Diffie-Hellman point) never leaves this module's callers' stack: only ISK and what is
 * derived from it are kept, as the draft requires.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';

const Point = ristretto255.Point;
export type CPacePoint = InstanceType<typeof Point>;

const utf8 = (s: string) => new TextEncoder().encode(s);

export const DSI = utf8('CPaceRistretto255');
const DSI_ISK = utf8('CPaceRistretto255_ISK');
/** SHA-512's input block size (H.s_in_bytes) */
const S_IN_BYTES = 128;
/** ristretto255's group order */
export const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

export function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** LEB128 of `n` */
function leb128(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return new Uint8Array(out);
}

/** prepend_len: the LEB128 length, then the bytes. */
export const prependLen = (b: Uint8Array): Uint8Array => concat([leb128(b.length), b]);

/** lv_cat(a0, a1, …) = prepend_len(a0) ‖ prepend_len(a1) ‖ … */
export const lvCat = (...parts: Uint8Array[]): Uint8Array => concat(parts.map(prependLen));

/** lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid), padded so DSI and PRS fill the first hash block. */
export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, S_IN_BYTES - prependLen(prs).length - prependLen(DSI).length - 1);
  return lvCat(DSI, prs, new Uint8Array(zpad), ci, sid);
}

/** G.calculate_generator: RFC 9496 element derivation of the 64-byte hash of the generator string. */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): CPacePoint {
  return ristretto255_hasher.deriveToCurve!(sha512(generatorString(prs, ci, sid)));
}

/** A scalar uniform in [1, order): 64 random bytes reduced (the draft's alternative sampling). */
export function sampleScalar(): bigint {
  for (;;) {
    const y = BigInt(`0x${Buffer.from(randomBytes(64)).reverse().toString('hex')}`) % ORDER;
    if (y !== 0n) return y;
  }
}

/** Little-endian bytes → scalar (the draft's test vectors give scalars this way). */
export const scalarFromLE = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);

/** G.scalar_mult(y, g): the encoding of y·g */
export const scalarMult = (y: bigint, g: CPacePoint): Uint8Array => g.multiply(y).toBytes();

/**
 * G.scalar_mult_vfy(y, X): the encoding of y·decode(X), or null (the draft's G.I, "abort") when X
 * does not decode or decodes to the identity.
 */
export function scalarMultVfy(y: bigint, X: Uint8Array): Uint8Array | null {
  let p: CPacePoint;
  try {
    p = Point.fromBytes(X);
  } catch {
    return null;
  }
  if (p.is0()) return null;
  const k = p.multiply(y);
  return k.is0() ? null : k.toBytes();
}

/** transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) ‖ lv_cat(Yb, ADb): initiator A, responder B */
export const transcriptIr = (ya: Uint8Array, ada: Uint8Array, yb: Uint8Array, adb: Uint8Array): Uint8Array =>
  concat([lvCat(ya, ada), lvCat(yb, adb)]);

/** ISK = H(lv_cat(DSI ‖ "_ISK", sid, K) ‖ transcript_ir(Ya, ADa, Yb, ADb)) */
export const intermediateSessionKey = (sid: Uint8Array, k: Uint8Array, transcript: Uint8Array): Uint8Array =>
  sha512(lvCat(DSI_ISK, sid, k), transcript);

/** The draft's key confirmation (§ Key confirmation): mac_key = H("CPaceMac" ‖ sid ‖ ISK). */
export const macKey = (sid: Uint8Array, isk: Uint8Array): Uint8Array => sha512(utf8('CPaceMac'), sid, isk);

/** T = HMAC-SHA-512(mac_key, lv_cat(Y, AD)) over the sender's own message */
export const confirmationTag = (key: Uint8Array, y: Uint8Array, ad: Uint8Array): Uint8Array =>
  new Uint8Array(createHmac('sha512', key).update(lvCat(y, ad)).digest());

export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
