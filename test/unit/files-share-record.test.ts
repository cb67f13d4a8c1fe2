import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHARE_RECORD_FILE, ShareRecordFile } from '../../node-agent/files/share-record.js';

test('the shared folder is kept per room id (0600) and read back only for that room; a damaged record is no share', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-share-record-'));
  try {
    const records = new ShareRecordFile(dir);
    assert.is(await records.read('a1b2c3d4e5f60718'), null, 'nothing kept yet');
    await records.write({ roomId: 'a1b2c3d4e5f60718', dir: '/home/ada/course', dotFiles: false });
    assert.is(statSync(path.join(dir, SHARE_RECORD_FILE)).mode & 0o777, 0o600);
    assert.equal(await records.read('a1b2c3d4e5f60718'), { roomId: 'a1b2c3d4e5f60718', dir: '/home/ada/course', dotFiles: false });
    assert.is(await records.read('ffffffffffffffff'), null, 'a new room never inherits it');
    writeFileSync(path.join(dir, SHARE_RECORD_FILE), '{"roomId": "a1b2c3d4e5f60718", "dir": 7');
    assert.is(await records.read('a1b2c3d4e5f60718'), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
