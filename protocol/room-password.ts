/**
 * What makes a room password weak, for the warnings on the command line (`camvid host`) and under
 * the host form's password field. A warning, never a refusal: the instructor decides. Every guess
 * costs a student ~0.2 s of scrypt, and a recorded handshake can be tested offline (docs/protocol.md),
 * so a short password or the default falls in minutes.
 */
import { DEFAULT_ROOM_PASSWORD } from './version.js';

export const MIN_ROOM_PASSWORD_LENGTH = 8;

export function isWeakRoomPassword(password: string): boolean {
  return [...password].length < MIN_ROOM_PASSWORD_LENGTH || password.toLowerCase() === DEFAULT_ROOM_PASSWORD;
}

export const WEAK_ROOM_PASSWORD_WARNING = `This password is weak (shorter than ${MIN_ROOM_PASSWORD_LENGTH} characters, or "${DEFAULT_ROOM_PASSWORD}"): students can guess it. Use a longer one.`;
