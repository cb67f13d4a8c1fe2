/**
 * Every failure a peer, a user or the UI can see has one of these codes. Callers branch on `code`,
 * never on message text. Changing a code is a protocol change: test/unit/protocol-pins.test.ts pins them.
 */
export const ERROR_CODES = {
  BAD_PASSWORD: 'BAD_PASSWORD',
  THROTTLED: 'THROTTLED',
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  BAD_MESSAGE: 'BAD_MESSAGE',
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  ROOM_FULL: 'ROOM_FULL',
  UNREACHABLE: 'UNREACHABLE',
  TIMEOUT: 'TIMEOUT',
  CLOSED: 'CLOSED',
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  ALREADY_IN_ROOM: 'ALREADY_IN_ROOM',
  PATH_OUTSIDE_SHARE: 'PATH_OUTSIDE_SHARE',
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  DATA_IN_USE: 'DATA_IN_USE',
  REMOVED: 'REMOVED',
  CHAT_MUTED: 'CHAT_MUTED',
  MISSING_TOOL: 'MISSING_TOOL',
  BAD_MAIL: 'BAD_MAIL',
  MAIL_FAILED: 'MAIL_FAILED',
  NOT_LISTENING: 'NOT_LISTENING',
  BAD_AUDIO: 'BAD_AUDIO',
  TOO_LARGE: 'TOO_LARGE',
  BAD_UPLOAD: 'BAD_UPLOAD',
  POLL_CLOSED: 'POLL_CLOSED',
  IDENTITY_REFUSED: 'IDENTITY_REFUSED',
  BAD_DATA: 'BAD_DATA',
  POLL_ANSWERED: 'POLL_ANSWERED',
  DISK_FULL: 'DISK_FULL',
  NOT_INVITED: 'NOT_INVITED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  BAD_PASSWORD: 'Wrong room password.',
  THROTTLED: 'Too many failed attempts from this address; wait and try again.',
  VERSION_MISMATCH: 'The other side speaks a different CAMVID protocol version.',
  BAD_MESSAGE: 'Malformed message.',
  ROOM_NOT_FOUND: 'No such room on this network.',
  ROOM_FULL: 'The room is full: it has as many students as the instructor allows.',
  UNREACHABLE: 'Could not reach the room host.',
  TIMEOUT: 'The other side did not answer in time; try again.',
  CLOSED: 'The connection closed before this finished; try again.',
  NOT_IN_ROOM: 'Not in a room.',
  ALREADY_IN_ROOM: 'Already hosting or in a room; leave it first.',
  PATH_OUTSIDE_SHARE: 'That path is outside the shared folder.',
  FILE_NOT_FOUND: 'No such file or folder in the share.',
  DATA_IN_USE: 'Another agent is using this data folder; pass --data DIR.',
  REMOVED: 'The instructor removed you from the room; join again with the password to come back.',
  CHAT_MUTED: 'The instructor has muted your chat.',
  MISSING_TOOL: 'A program this needs is not installed.',
  BAD_MAIL: 'The mail was refused: check the addresses and the subject.',
  MAIL_FAILED: 'The mail server refused the mail or the login.',
  NOT_LISTENING: 'You are not listening to the podcast; press Play first.',
  BAD_AUDIO: 'That file has no audio ffmpeg can read.',
  TOO_LARGE: "The file is larger than the instructor's upload limit; send a smaller file or ask the instructor to raise the limit.",
  BAD_UPLOAD: 'The upload arrived incomplete or damaged; send the file again.',
  POLL_CLOSED: 'The poll is closed: answers are no longer taken.',
  IDENTITY_REFUSED: "The agent could not prove the identity it claimed (its key does not match its id or this session).",
  BAD_DATA: "A file in the agent's data folder is damaged; move it away and start again.",
  POLL_ANSWERED: 'You have already answered this poll; each student answers once.',
  DISK_FULL: 'The disk is nearly full: free some space before recording.',
  NOT_INVITED: 'The instructor has not invited you to present (or took it back).',
};

export class CamvidError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = 'CamvidError';
    this.code = code;
  }
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export const isErrorCode = (v: unknown): v is ErrorCode =>
  typeof v === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, v);

/**
 * An error as it travels between peers: a registered code and a message for a person. Every
 * message shape that carries a code validates it with `errorCode` (protocol/validate.ts), so a
 * value of this type has a code from ERROR_CODES.
 */
export interface WireError {
  code: ErrorCode;
  message?: string;
}

/**
 * The one way a receiver turns a wire error back into a CamvidError: the same code, the peer's
 * message (or the code's default message when the peer sent none).
 */
export function errorFromWire(e: WireError): CamvidError {
  // Validated shapes never get here with an unknown code; anything else is not trusted either.
  if (!isErrorCode(e.code)) return new CamvidError('BAD_MESSAGE', `unknown error code ${JSON.stringify(e.code)?.slice(0, 40)}`);
  return new CamvidError(e.code, e.message || undefined);
}

/** Wraps anything thrown into a CamvidError, keeping a code if it has one. */
export function toCamvidError(err: unknown, fallback: ErrorCode = 'BAD_MESSAGE'): CamvidError {
  if (err instanceof CamvidError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CamvidError(fallback, message);
}
