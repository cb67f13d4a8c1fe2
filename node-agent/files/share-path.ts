/**
 * Resolving a path a peer sent against the shared folder. Peers are hostile: any path that could
 * leave the share — `..`, absolute or rooted paths, Windows drive letters and UNC paths, NUL or
 * control characters, over-long names, and symlinks (anywhere on the way) that point outside — is
 * refused with PATH_OUTSIDE_SHARE. Checked twice: lexically, then on the real file system
 * (realpath), so a symlink planted inside the share cannot lead out.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';

export const MAX_PATH_LENGTH = 1024;
export const MAX_NAME_LENGTH = 255;

const refuse = (why: string): never => {
  throw new CamvidError('PATH_OUTSIDE_SHARE', `That path is outside the shared folder (${why}).`);
};

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

/** The absolute path of `rel` inside `shareRoot`, after following every symlink; it must exist. */
export async function resolveInShare(shareRoot: string, rel: unknown): Promise<string> {
  const segments = shareSegments(rel);
  const root = await realpath(shareRoot);
  const lexical = path.join(root, ...segments);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // A dangling symlink is refused as outside, a plain missing file as missing.
      const isLink = await lstat(lexical).then((s) => s.isSymbolicLink(), () => false);
      if (isLink) return refuse('symlink');
      throw new CamvidError('FILE_NOT_FOUND', `No such file or folder in the share: ${segments.join('/') || '/'}`);
    }
    throw err;
  }
  if (real !== root && !real.startsWith(root + path.sep)) refuse('symlink pointing outside');
  return real;
}

/** A name a student chose for an upload, made safe to create inside the uploads folder. */
export function sanitizeFileName(name: unknown): string {
  const raw = typeof name === 'string' ? name : '';
  const base = raw.split(/[\\/]/).pop() ?? '';
  if (/^\.*$/.test(base)) return 'upload';
  const clean = base
    .replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200)
    .trim();
  return clean && clean !== '.' && clean !== '..' ? clean : 'upload';
}
