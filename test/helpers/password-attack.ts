/**
 * An online password-guessing attack on a room host, for the brute-force test and benchmark.
 * Each attempt is a full handshake from `from` (a local address such as 127.0.0.2) with a fresh
 * random room key: an attacker with unlimited computing power, who pays nothing for scrypt, so
 * only the host's per-address throttle stands between it and the password.
 *
 *   const attack = startPasswordAttack({ address: '127.0.0.1', port, from: '127.0.0.2', attempts: 1000 });
 *   …
 *   const result = await attack.done;   // every attempt's time and answer
 */
import nacl from 'tweetnacl';
import type { CamvidError } from '../../protocol/errors.js';
import { BASE_DELAY_MS, FREE_FAILURES, MAX_DELAY_MS } from '../../node-agent/auth/failure-throttle.js';
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
        const roomKey = nacl.sign.keyPair(); // a guess no password derives
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
