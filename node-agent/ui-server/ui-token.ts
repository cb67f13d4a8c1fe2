/**
 * The UI link's token, kept per data folder (`<data>/ui-token`, mode 0600), so an agent that
 * restarts (a crash, a reboot) prints the same link and the pages already open reconnect by
 * themselves. `fresh` (`--new-token`) makes a new one: every open page then needs the new link.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writePrivate } from '../store/durable-file.js';

const TOKEN_FILE = 'ui-token';
const TOKEN_BYTES = 32;

export async function uiToken(dataDir: string, fresh = false): Promise<string> {
  const file = path.join(dataDir, TOKEN_FILE);
  if (!fresh) {
    const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(saved)) return saved;
  }
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await writePrivate(file, token);
  return token;
}
