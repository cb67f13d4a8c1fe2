/**
 * File sharing on the wire. Browsing and manifests are requests to the host over the member's
 * session (the host owns the share). Chunks travel down the tree: a child asks its parent on `ctl`
 * (`chunk-get`), the parent answers on `bulk` with one binary message per chunk, serving from disk
 * (the host) or from its cache, or asking its own parent first (a relay). Files are named by the
 * SHA-256 of their content, so a relay's cache is keyed by what the bytes are, not where they came from.
 */
import { array, bool, errorCode, int, literal, MAX_ERROR_MESSAGE, nullable, object, optional, str, wireError } from './validate.js';

/** One data-channel message may carry 256 KiB here; a chunk plus its header must fit. */
export const CHUNK_SIZE = 256 * 1024 - 1024;
export const CHUNK_HEADER_BYTES = 36;
/** chunk hashes per manifest page: keeps a session frame well under 64 KiB */
export const MANIFEST_PAGE = 600;
export const MAX_LISTING = 2000;

const sha256Hex = str({ min: 64, max: 64, pattern: /^[0-9a-f]+$/ });
const sha256B64 = str({ min: 44, max: 44, pattern: /^[A-Za-z0-9+/]{43}=$/ });
const sharePath = str({ max: 1024 });
const reqId = int(0, Number.MAX_SAFE_INTEGER);

export const fileEntry = object({
  name: str({ min: 1, max: 255 }),
  kind: literal('file', 'dir'),
  size: int(0, Number.MAX_SAFE_INTEGER),
  mtime: int(0, Number.MAX_SAFE_INTEGER),
});
export type FileEntry = ReturnType<typeof fileEntry>;

export const manifestPage = object({
  /** SHA-256 of the whole file, hex: the file's id */
  file: sha256Hex,
  name: str({ min: 1, max: 255 }),
  size: int(0, Number.MAX_SAFE_INTEGER),
  chunkSize: int(1, CHUNK_SIZE),
  chunks: int(0, 10_000_000),
  /** hashes of chunks [from, from + hashes.length) */
  from: int(0, 10_000_000),
  hashes: array(sha256B64, MANIFEST_PAGE),
});
export type ManifestPage = ReturnType<typeof manifestPage>;

/** Session shapes member → host. */
export const filesMemberShapes = {
  'files-list': { req: reqId, path: sharePath },
  'files-manifest': { req: reqId, path: sharePath, from: int(0, 10_000_000) },
};
/** Session shapes host → member. */
export const filesHostShapes = {
  'files-reply': {
    req: reqId,
    entries: optional(array(fileEntry, MAX_LISTING)),
    manifest: optional(manifestPage),
    error: optional(wireError),
  },
  /** the host started (or stopped) sharing a folder: members' open Files views list it again */
  'files-shared': { sharing: bool },
};
/** uploads larger than this are refused (the host may set a smaller cap) */
export const MAX_UPLOAD_BYTES = 1024 ** 3;

/** Tree (`ctl`) shapes between a child and its parent, and (uploads) on a direct edge to the host. */
export const filesCtlShapes = {
  'upload-begin': { id: sha256Hex, name: str({ min: 1, max: 255 }), size: int(0, MAX_UPLOAD_BYTES) },
  'upload-accept': { id: sha256Hex },
  'upload-end': { id: sha256Hex },
  'upload-result': { id: sha256Hex, ok: bool, path: optional(str({ max: 1024 })), code: optional(errorCode), message: optional(str({ max: MAX_ERROR_MESSAGE })) },
  'chunk-get': { file: sha256Hex, index: int(0, 10_000_000), hash: sha256B64, path: nullable(sharePath) },
  'chunk-error': { file: sha256Hex, index: int(0, 10_000_000), code: errorCode },
};

/** `bulk` message: [0..32) file id (raw SHA-256), [32..36) chunk index (u32 BE), then the bytes. */
export function encodeChunk(file: string, index: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + data.length);
  out.write(file, 0, 32, 'hex');
  out.writeUInt32BE(index, 32);
  out.set(data, CHUNK_HEADER_BYTES);
  return out;
}

export function decodeChunk(msg: Buffer): { file: string; index: number; data: Buffer } | null {
  if (msg.length < CHUNK_HEADER_BYTES || msg.length > CHUNK_HEADER_BYTES + CHUNK_SIZE) return null;
  return { file: msg.subarray(0, 32).toString('hex'), index: msg.readUInt32BE(32), data: msg.subarray(CHUNK_HEADER_BYTES) };
}

/** UI requests (spread into protocol/ui-features.ts). */
export const filesUiRequests = {
  'files-list': { path: sharePath },
  'files-get': { path: sharePath },
  /** the host picks the folder to share (an absolute path on its own machine); dot-files only with `dotFiles` */
  'files-share': { dir: str({ min: 1, max: 4096 }), dotFiles: optional(bool) },
  /** a file picked in the browser, handed to the agent in pieces, then sent to the host */
  'files-put-begin': { name: str({ min: 1, max: 255 }), size: int(0, MAX_UPLOAD_BYTES) },
  'files-put-chunk': { upload: str({ min: 16, max: 16, pattern: /^[0-9a-f]+$/ }), offset: int(0, MAX_UPLOAD_BYTES), data: str({ max: 60_000 }) },
  'files-put-end': { upload: str({ min: 16, max: 16, pattern: /^[0-9a-f]+$/ }) },
  /** the host's list of what students handed in */
  'files-uploads': {},
};

/** A file a student handed in, as the host's list shows it. */
export interface HandedIn {
  /** the student's display name when the folder was made */
  student: string;
  /** the student's peer id: uploads are filed by it */
  peer: string;
  name: string;
  size: number;
  /** when it arrived (the file's modification time, ms) */
  at: number;
  /** where it is on the instructor's disk */
  file: string;
  /** the instructor's page saves a copy through the browser at `/file/<ticket>` (UiRoutes.offerFile) */
  ticket: string;
}

/** What the agent replies to each request above (merged in protocol/ui-features.ts). */
export interface FilesUiReplies {
  'files-list': { entries: FileEntry[] };
  /** the download runs on; `files-progress` events follow it */
  'files-get': { started: true };
  /** the folder now shared, resolved */
  'files-share': { dir: string | null };
  'files-put-begin': { upload: string };
  'files-put-chunk': void;
  /** where the host stored it */
  'files-put-end': { stored: string };
  'files-uploads': { uploads: HandedIn[] };
}

/** Pushed to the UI while a download runs and when it ends. */
export type FilesUiEvent =
  | { type: 'files-uploaded'; student: string; peer: string; name: string; size: number }
  /** the room's share changed (a member hears it from the host, the host from itself) */
  | { type: 'files-shared'; sharing: boolean }
  | FilesProgressEvent;

export type FilesProgressEvent = {
  type: 'files-progress';
  path: string;
  done: number;
  chunks: number;
  size: number;
  /** bytes per second over this run so far */
  rate: number;
  state: 'running' | 'done' | 'failed';
  out?: string;
  /** done: the page saves it through the browser at `/file/<ticket>?token=…` of its agent */
  ticket?: string;
  error?: string;
};
