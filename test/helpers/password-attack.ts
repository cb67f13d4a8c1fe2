/**
 * Password attacks on a room, for the brute-force test and benchmark and the offline-guessing test.
 *
 * Offline guessing is gone with CPace (node-agent/auth/handshake.ts): `offlineGuessCheck` runs
 * the checks an attacker can evaluate for one guess on a recorded handshake (an honest join it
 * overheard, or one it ran itself without the password), and test/unit/offline-guessing.test.ts
 * shows it answers the same for the right and a wrong password, except for the single guess an
 * attacker's own hello was made with. So the attack must be online, one guess per connection:
 * `startPasswordAttack` makes each attempt a full handshake from `from` (a local address such as
 * 127.0.0.2) with a fresh random PRS (a guess whose scrypt the attacker got for free), and only the
 * host's per-address throttle decides how many guesses it gets.
 *
 *   const attack = startPasswordAttack({ address: '127.0.0.1', port, from: '127.0.0.2', attempts: 1000 });
 *   …
 *   const result = await attack.done;   // every attempt's time and answer
 */
import { randomBytes } from 'node:crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';
import nacl from 'tweetnacl';
import type { CamvidError } from '../../protocol/errors.js';
import type { HostHandshake, JoinerHandshake } from '../../protocol/handshake.js';
import { confirmationTag, intermediateSessionKey, macKey, scalarMultVfy, tagsEqual, transcriptIr, calculateGenerator, type CPacePoint } from '../../node-agent/auth/cpace.js';
import { BASE_DELAY_MS, FREE_FAILURES, MAX_DELAY_MS } from '../../node-agent/auth/failure-throttle.js';
import { channelId, handshakeTranscript, hostAd, joinerAd, signedTranscript } from '../../node-agent/auth/handshake.js';
import { roomKeyFromPrs, type RoomKey } from '../../node-agent/auth/room-key.js';
import { hostVerifier } from '../../node-agent/overlay/host-identity.js';
import { connectSession } from '../../node-agent/signalling/signal-client.js';

export interface AttemptRecord {
  /** ms since the attack started, when the answer came */
  t: number;
  /** BAD_PASSWORD (the host checked the guess), THROTTLED (it refused to), or another code */
  code: string;
}

export interface PasswordAttackOptions {
  address: string;
  port: number;
  /** local address the attempts come from (default: the system's choice) */
  from?: string;
  /** stop after this many attempts … */
  attempts: number;
  /** … spread evenly over this long (0 = as fast as answers come) */
  durationMs?: number;
  /** keep going past `attempts` while this returns true (e.g. until a student has joined) */
  continueWhile?: () => boolean;
}

export interface PasswordAttack {
  readonly log: AttemptRecord[];
  stop(): void;
  done: Promise<AttemptRecord[]>;
}

export async function roomIdAt(address: string, port: number): Promise<string> {
  const res = await fetch(`http://${address}:${port}/camvid/ping`);
  return ((await res.json()) as { roomId: string }).roomId;
}

export function startPasswordAttack(opts: PasswordAttackOptions): PasswordAttack {
  const log: AttemptRecord[] = [];
  let stopped = false;
  const started = performance.now();
  const gap = opts.durationMs ? opts.durationMs / opts.attempts : 0;
  const done = (async () => {
    const roomId = await roomIdAt(opts.address, opts.port);
    for (let i = 0; !stopped && (i < opts.attempts || opts.continueWhile?.()); i++) {
      const wait = started + i * gap - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let code = 'OK';
      try {
        const roomKey = roomKeyFromPrs(randomBytes(32)); // a guess whose scrypt cost nothing
        const session = await connectSession({ address: opts.address, port: opts.port, roomId, roomKey, localAddress: opts.from });
        session.close();
      } catch (err) {
        code = (err as CamvidError).code ?? 'ERROR';
      }
      log.push({ t: performance.now() - started, code });
    }
    return log;
  })();
  return { log, stop: () => (stopped = true), done };
}

/** Attempts the host checked (`BAD_PASSWORD`) per window of `windowMs`, from the attack's start. */
export function acceptedPerWindow(log: readonly AttemptRecord[], windowMs: number): number[] {
  const end = log.at(-1)?.t ?? 0;
  const out = Array.from({ length: Math.max(1, Math.ceil(end / windowMs)) }, () => 0);
  for (const a of log) if (a.code === 'BAD_PASSWORD') out[Math.min(out.length - 1, Math.floor(a.t / windowMs))]!++;
  return out;
}

/**
 * The most guesses the throttle lets one address have checked in its first `ms` of trying
 * (node-agent/auth/failure-throttle.ts): FREE_FAILURES at once, then one each time the doubling
 * wait (BASE_DELAY_MS, 2×, 4×, … capped at MAX_DELAY_MS) runs out.
 */
export function throttleSchedule(ms: number): number[] {
  const at: number[] = Array.from({ length: FREE_FAILURES }, () => 0);
  let t = 0;
  for (let wait = BASE_DELAY_MS; t <= ms; wait = Math.min(MAX_DELAY_MS, wait * 2)) {
    at.push(t);
    t += wait;
  }
  return at;
}

/** One handshake as the wire carried it. */
export interface RecordedHandshake {
  roomId: string;
  hello: Extract<JoinerHandshake, { type: 'hello' }>;
  challenge: Extract<HostHandshake, { type: 'challenge' }>;
  proof?: Extract<JoinerHandshake, { type: 'proof' }>;
}

const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * Everything an offline attacker can check for one password guess against a recorded handshake:
 * - the old attack (v1): does the host's signature verify under the key scrypt(guess) gives?
 * - does the signature verify under the host key the challenge names (it never depends on the password)?
 * - do the confirmation tags Tb / Ta come out for any Diffie-Hellman point K it can compute? It
 *   knows no scalar of an honest join, so its candidates are the public points (the shares, the
 *   guess's generator, their sums); in a handshake it ran itself it also knows its own scalar
 *   `ownScalar`, so ownScalar·Yb too. The true K = ya·yb·g needs a scalar only an end holds.
 */
export function offlineGuessCheck(rec: RecordedHandshake, guess: RoomKey, ownScalar?: bigint): Record<string, boolean> {
  const { hello, challenge, proof, roomId } = rec;
  const sid = unb64(hello.sid);
  const ya = unb64(hello.share);
  const yb = unb64(challenge.share);
  const hostKey = unb64(challenge.hostKey);
  const g: CPacePoint = calculateGenerator(guess.prs, channelId(roomId, hello.role), sid);
  const t = handshakeTranscript(roomId, hello.role, sid, ya, yb, hostKey);
  const old = nacl.sign.keyPair.fromSeed(guess.prs);
  const signed = new Uint8Array(signedTranscript(t));
  const pts = [ya, yb].map((b) => ristretto255.Point.fromBytes(b));
  const candidates: Uint8Array[] = [g.toBytes(), ya, yb, pts[0]!.add(pts[1]!).toBytes(), g.add(pts[0]!).toBytes(), g.add(pts[1]!).toBytes()];
  if (ownScalar !== undefined) candidates.push(scalarMultVfy(ownScalar, yb)!);
  const tags = (k: Uint8Array) => {
    const mk = macKey(sid, intermediateSessionKey(sid, k, transcriptIr(ya, joinerAd(), yb, hostAd(hostKey))));
    return {
      tb: tagsEqual(unb64(challenge.confirm), confirmationTag(mk, yb, hostAd(hostKey))),
      ta: !!proof && tagsEqual(unb64(proof.confirm), confirmationTag(mk, ya, joinerAd())),
    };
  };
  const results = candidates.map(tags);
  return {
    oldSignatureUnderGuessKey: unb64(challenge.sig).length === 64 && nacl.sign.detached.verify(signed, unb64(challenge.sig), old.publicKey),
    signatureUnderHostKey: hostVerifier(challenge.hostKey)(Buffer.from(signed), challenge.sig),
    hostConfirmationMatches: results.some((r) => r.tb),
    joinerConfirmationMatches: results.some((r) => r.ta),
  };
}
