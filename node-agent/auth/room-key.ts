/**
 * The room key: an Ed25519 key pair derived from the room password and the room id, so both the
 * host and a joiner who knows the password hold the same key and nobody else can. Neither the
 * password nor any key is ever sent or logged.
 */
import { scrypt } from 'node:crypto';
import nacl from 'tweetnacl';

/** scrypt cost: ~150–350 ms here, so an offline guess costs as much as an online one. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 96 * 1024 * 1024 } as const;
const SALT_PREFIX = 'camvid/room/';

export type RoomKey = nacl.SignKeyPair;

const cache = new Map<string, Promise<RoomKey>>();

export function deriveRoomKey(password: string, roomId: string): Promise<RoomKey> {
  // Cached per process: a member that rejoins after its relay died must not pay scrypt again.
  const cacheKey = `${roomId}\u0000${password}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = new Promise<RoomKey>((resolve, reject) => {
      scrypt(password.normalize('NFC'), SALT_PREFIX + roomId, 32, SCRYPT, (err, seed) => {
        if (err) reject(err);
        else resolve(nacl.sign.keyPair.fromSeed(new Uint8Array(seed)));
      });
    });
    cache.set(cacheKey, key);
    if (cache.size > 16) cache.delete(cache.keys().next().value!);
  }
  return key;
}

/** The room key as text, for the hosted room's 0600 record (so a resumed room needs no password). */
export function exportRoomKey(key: RoomKey): string {
  return Buffer.from(key.secretKey.subarray(0, 32)).toString('base64');
}

export function importRoomKey(text: string): RoomKey {
  const seed = new Uint8Array(Buffer.from(text, 'base64'));
  if (seed.length !== 32) throw new TypeError('a room key is 32 bytes');
  return nacl.sign.keyPair.fromSeed(seed);
}
