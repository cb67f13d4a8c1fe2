/**
 * Where `camvid host` and `camvid join` take the room password from, so that it need not show in
 * `ps` (any user of the machine can read another's command line): `--password-stdin` (one line;
 * with `--stdin` the command lines follow it), the `CAMVID_PASSWORD` environment variable, or
 * `--password PW`, which still works and says once that it is visible.
 */
import type { ParseArgsConfig } from 'node:util';
import { isWeakRoomPassword, WEAK_ROOM_PASSWORD_WARNING } from '../../protocol/room-password.js';

export const PASSWORD_OPTIONS: ParseArgsConfig['options'] = {
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
};

export const PASSWORD_ENV = 'CAMVID_PASSWORD';
const MAX_LINE_BYTES = 4096;

/** A bad combination of the password flags: the CLI turns it into a usage error (exit 2). */
export class PasswordUsageError extends Error {}

/**
 * Reads one line from `input` (without its line break) and leaves the rest unread for whoever
 * reads next (the `--stdin` commands). The end of input ends the line too.
 */
export function readLine(input: NodeJS.ReadStream | NodeJS.ReadableStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const finish = (result: Buffer | Error, rest?: Buffer) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', finish);
      input.pause();
      if (rest?.length) input.unshift(rest);
      if (result instanceof Error) reject(result);
      else resolve(result.toString('utf8').replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const nl = buf.indexOf(10);
      if (nl >= 0) finish(buf.subarray(0, nl), buf.subarray(nl + 1));
      else if (buf.length > MAX_LINE_BYTES) finish(new PasswordUsageError(`--password-stdin: no line break in the first ${MAX_LINE_BYTES} bytes`));
    };
    const onEnd = () => finish(buf);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', finish);
  });
}

/**
 * The room password from the flags or the environment, or undefined when none was given. Prints
 * the `ps` note for `--password`.
 */
export async function roomPassword(v: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (v.password !== undefined && v['password-stdin']) throw new PasswordUsageError('give the password with --password or --password-stdin, not both');
  if (typeof v.password === 'string') {
    console.warn(`note: a password given with --password is visible to other users of this machine (ps); use --password-stdin or ${PASSWORD_ENV} instead`);
    return v.password;
  }
  if (v['password-stdin']) {
    const line = await readLine();
    if (!line) throw new PasswordUsageError('--password-stdin: the first line of standard input is empty');
    return line;
  }
  return env[PASSWORD_ENV] || undefined;
}

/** The host's one-line warning for a weak room password (the default's own warning is separate). */
export function warnIfWeak(password: string): void {
  if (isWeakRoomPassword(password)) console.warn(`warning: ${WEAK_ROOM_PASSWORD_WARNING}`);
}
