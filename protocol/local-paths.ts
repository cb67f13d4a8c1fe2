/**
 * The owner's own computer, browsed from its page: the folder and file pickers beside the path
 * fields (the folder to share, a podcast file). Only between a page and its own agent on
 * localhost: nothing here travels between peers, and it lists what the person at the keyboard can
 * already read.
 */
import { bool, optional, str } from './validate.js';

/** entries listed per folder at most (a folder with more says so) */
export const MAX_LOCAL_ENTRIES = 2000;

export const localPathUiRequests = {
  /** a folder's entries; no `path`: the home folder. `files`: files too, not only folders */
  'local-browse': { path: optional(str({ min: 1, max: 4096 })), files: optional(bool) },
};

export interface LocalEntry {
  name: string;
  dir: boolean;
  /** bytes, for files */
  size?: number;
}

export interface LocalPathUiReplies {
  /** `path` resolved and absolute; `parent` null at the root; folders first, then by name; dot-files left out */
  'local-browse': { path: string; parent: string | null; entries: LocalEntry[]; more: boolean };
}
