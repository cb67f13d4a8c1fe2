/**
 * Resolving a path a peer sent against the shared folder. Peers are hostile: any path that could
 * leave the share — `..`, absolute or rooted paths, Windows drive letters and UNC paths, NUL or
 * control characters, over-long names, and symlinks (anywhere on the way) that point outside — is
 * refused with PATH_OUTSIDE_SHARE. Checked twice: lexically, then on the real file system
 * (realpath), so a symlink planted inside the share cannot lead out.
 *
 * What a share holds but never serves (ShareRules): dot-files and dot-folders (`.ssh/id_ed25519`,
 * `.git`), unless the instructor asks for them, and the agent's own data folder, always. Both are
 * refused with the very error of a missing file (FILE_NOT_FOUND, same message), so a student
 * cannot even learn whether they exist.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';

export const MAX_PATH_LENGTH = 1024;
export const MAX_NAME_LENGTH = 255;

const refuse = (why: string): never => {
  throw new CamvidError('PATH_OUTSIDE_SHARE', `That path is outside the shared folder (${why}).`);
};

const notFound = (segments: readonly string[]): never => {
  throw new CamvidError('FILE_NOT_FOUND', `No such file or folder in the share: ${segments.join('/') || '/'}`);
};

/** What inside the share is never served. */
export interface ShareRules {
  /** serve dot-files and dot-folders too (`--share-dot-files`); default: never */
  dotFiles?: boolean;
  /** absolute folders never served wherever they sit in the share (the agent's data folder) */
  hidden?: readonly string[];
}

const isDotName = (s: string) => s.startsWith('.');
const isInside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** The hidden folders as real paths (those that exist), to compare with real paths in the share. */
async function realHidden(rules: ShareRules): Promise<string[]> {
  const out: string[] = [];
  for (const dir of rules.hidden ?? []) {
    out.push(path.resolve(dir));
    const real = await realpath(dir).catch(() => null);
    if (real) out.push(real);
  }
  return out;
}

/**
 * Splits a share-relative path (`/`-separated, as the UI and peers write it) into safe segments.
 * `''` and `'/'` are the share's root. Pure: no file-system access.
 */
export function shareSegments(rel: unknown): string[] {
  if (typeof rel !== 'string') return refuse('not a string');
  if (rel.length > MAX_PATH_LENGTH) return refuse('too long');
  if (/[\u0000-\u001f\u007f]/.test(rel)) return refuse('control character');
  if (rel.includes('\\')) return refuse('backslash');
  if (/^[a-zA-Z]:/.test(rel)) return refuse('drive letter');
  if (rel.startsWith('//')) return refuse('UNC path');
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  for (const s of segments) {
    if (s === '..') refuse('..');
    if (s.length > MAX_NAME_LENGTH) refuse('name too long');
    if (/[:*?"<>|]/.test(s)) refuse('reserved character');
  }
  return segments;
}

/**
 * The absolute path of `rel` inside `shareRoot`, after following every symlink; it must exist and
 * `rules` must allow it (checked on the path asked for and on where its symlinks lead).
 */
export async function resolveInShare(shareRoot: string, rel: unknown, rules: ShareRules = {}): Promise<string> {
  const segments = shareSegments(rel);
  if (!rules.dotFiles && segments.some(isDotName)) notFound(segments);
  const root = await realpath(shareRoot);
  const lexical = path.join(root, ...segments);
  const hidden = await realHidden(rules);
  if (hidden.some((h) => isInside(lexical, h))) notFound(segments);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // A dangling symlink is refused as outside, a plain missing file as missing.
      const isLink = await lstat(lexical).then((s) => s.isSymbolicLink(), () => false);
      if (isLink) return refuse('symlink');
      return notFound(segments);
    }
    throw err;
  }
  if (real !== root && !real.startsWith(root + path.sep)) refuse('symlink pointing outside');
  // A symlink that stays inside may still lead to a dot-file or into the data folder.
  if (!rules.dotFiles && path.relative(root, real).split(path.sep).some(isDotName)) notFound(segments);
  if (hidden.some((h) => isInside(real, h))) notFound(segments);
  return real;
}

/**
 * A name a student chose for an upload, made safe to create inside the uploads folder: one
 * segment, no control or reserved characters, not a dot-file, and at most MAX_NAME_BYTES.
 */
export function sanitizeFileName(name: unknown): string {
  const raw = typeof name === 'string' ? name : '';
  const base = raw.split(/[\\/]/).pop() ?? '';
  if (/^\.*$/.test(base)) return 'upload';
  const clean = fitFileName(
    base
      .replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '_')
      .replace(/^\.+/, '_')
      .trim(),
  );
  return clean && clean !== '.' && clean !== '..' ? clean : 'upload';
}

/**
 * The longest file name ext4, XFS, btrfs and APFS take: 255 bytes of UTF-8 (NTFS counts 255
 * UTF-16 units, never more than the bytes). A longer one fails to be created or renamed to with
 * ENAMETOOLONG, which the wire's 255-character limit does not prevent.
 */
export const MAX_NAME_BYTES = 255;

/**
 * `name` with `suffix` (`" (1)"`) put before its extension, cut to at most `max` bytes of UTF-8
 * on a character boundary: the stem is shortened and the extension kept, unless it is too long to
 * be one (more than half of `max`), and then the name is cut as a whole.
 */
export function fitFileName(name: string, suffix = '', max = MAX_NAME_BYTES): string {
  let ext = path.extname(name);
  if (Buffer.byteLength(ext + suffix) > max / 2) ext = '';
  const stem = name.slice(0, name.length - ext.length);
  return cutUtf8(stem, max - Buffer.byteLength(suffix + ext)) + suffix + ext;
}

/** The longest start of `s` of at most `max` bytes of UTF-8, never splitting a character; a cut one without trailing spaces. */
function cutUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > max) break;
    end += ch.length;
  }
  return s.slice(0, end).trimEnd();
}
