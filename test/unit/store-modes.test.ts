/**
 * The data folder and the files in it that hold secrets are this user's only: the folder 0700 when
 * the agent creates it, the room key (hosted-room.json), the UI token and the mail settings 0600,
 * whatever the umask.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailSettingsFile } from '../../node-agent/mail/mail-settings-file.js';
import { RoomRecordFile } from '../../node-agent/room/room-record.js';
import { Store } from '../../node-agent/store/store.js';
import { uiToken } from '../../node-agent/ui-server/ui-token.js';

const test = suite('modes of the data folder and its secrets');
let base: string;
let umask: number;
test.before.each(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'camvid-modes-'));
  // The most permissive umask: the modes must come from the code, not from the umask.
  umask = process.umask(0);
});
test.after.each(() => {
  process.umask(umask);
  rmSync(base, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;

test('a data folder the agent creates is 0700, and so is any parent it had to create', async () => {
  const dir = path.join(base, 'home', '.camvid');
  const store = await Store.open(dir);
  try {
    assert.is(mode(dir), 0o700);
    assert.is(mode(path.join(base, 'home')), 0o700);
  } finally {
    await store.close();
  }
});

test('the files holding secrets are 0600: the room key, the UI token, the mail password', async () => {
  const dir = path.join(base, 'data');
  const store = await Store.open(dir);
  try {
    const record = new RoomRecordFile(dir);
    await record.write({ roomId: 'abcdefabcdef0123', name: 'R', hostName: 'Prof', fanout: 2, port: 7710, roomKey: 'k', identity: 'i' });
    assert.is(mode(record.file), 0o600, 'hosted-room.json');
    await uiToken(dir);
    assert.is(mode(path.join(dir, 'ui-token')), 0o600, 'ui-token');
    const mail = new MailSettingsFile(dir);
    await mail.save({ host: 'smtp.school.example', port: 587, security: 'starttls', user: 'prof', password: 'pw', from: 'prof@school.example', allowSelfSigned: false });
    assert.is(mode(mail.file), 0o600, 'mail-settings.json');
  } finally {
    await store.close();
  }
});

test.run();
