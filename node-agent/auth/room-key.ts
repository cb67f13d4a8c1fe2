/**
 * The room key: scrypt(password, room id), the password-related string (PRS) that the CPace
 * handshake (node-agent/auth/handshake.ts) runs on. scrypt only hardens the password: the
 * handshake never sends anything derived from it alone, so it is no longer what stands between a
 * recording and the password. Neither the password nor any key is ever sent or logged.
 */
import { scrypt } from 'node:crypto';
import nacl from 'tweetnacl';

/** scrypt cost: ~150–350 ms here (what a guess costs someone who stole a host's room record). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 96 * 1024 * 1024 } as const;
const SALT_PREFIX = 'camvid/room/';

export interface RoomKey {
  /** 32 bytes of scrypt output: CPace's PRS */
  readonly prs: Uint8Array;
  /** Ed25519 public key with `prs` as seed: only the swarm topic uses it (docs/swarm.md) */
  readonly publicKey: Uint8Array;
}

/** A room key from its 32-byte PRS (tests and attackers: a key no password need derive). */
export function roomKeyFromPrs(prs: Uint8Array): RoomKey {
  return { prs, publicKey: nacl.sign.keyPair.fromSeed(prs).publicKey };
}

const cache = new Map<string, Promise<RoomKey>>();

export function deriveRoomKey(password: string, roomId: string): Promise<RoomKey> {
  // Cached per process: a member that rejoins after its relay died must not pay scrypt again.
  const cacheKey = `${roomId}\u0000${password}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = new Promise<RoomKey>((resolve, reject) => {
      scrypt(password.normalize('NFC'), SALT_PREFIX + roomId, 32, SCRYPT, (err, seed) => {
        if (err) reject(err);
        else resolve(roomKeyFromPrs(new Uint8Array(seed)));
      });
    });
    cache.set(cacheKey, key);
    if (cache.size > 16) cache.delete(cache.keys().next().value!);
  }
  return key;
}

/** The room key as text, for the hosted room's 0600 record (so a resumed room needs no password). */
export function exportRoomKey(key: RoomKey): string {
  return Buffer.from(key.prs).toString('base64');
}

export function importRoomKey(text: string): RoomKey {
  const seed = new Uint8Array(Buffer.from(text, 'base64'));
  if (seed.length !== 32) throw new TypeError('a room key is 32 bytes');
  return roomKeyFromPrs(seed);
}
