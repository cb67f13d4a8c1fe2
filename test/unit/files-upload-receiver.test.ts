/**
 * The host's UploadReceiver, fed by a fake edge table: the student always hears how an upload
 * ended, at once (never a 60 s wait), and nothing it opened outlives the receiver: no open file
 * handle, no temp file in `.partial`, however a begin and `close()` interleave.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CtlMessage } from '../../protocol/ctl.js';
import { encodeChunk } from '../../protocol/files.js';
import type { EdgeTable, EdgeTableEvents } from '../../node-agent/overlay/edge-table.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { MAX_OPEN_UPLOADS_PER_MEMBER, TAIL_WAIT_MS, UploadReceiver } from '../../node-agent/files/uploads.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';

type Result = Extract<CtlMessage, { type: 'upload-result' }>;
const PEER = '0123456789abcdef';
/** where Ann's uploads go: filed by her peer id, her name in front (node-agent/files/student-folder.ts) */
const ANN = `Ann-${PEER}`;

function rig(dir: string) {
  const edges = new TypedEmitter<EdgeTableEvents>();
  const sent: CtlMessage[] = [];
  const link = { opts: { edge: 'e1', end: 'child', peerId: PEER, kind: 'direct' }, edge: 'e1', peerId: PEER, sendCtl: (m: CtlMessage) => (sent.push(m), true) } as unknown as PeerLink;
  const receiver = new UploadReceiver(edges as unknown as EdgeTable, dir, () => 'Ann');
  const ctl = (msg: CtlMessage) => edges.emit('ctl', link, msg);
  const bulk = (data: Buffer) => edges.emit('bulk', link, data);
  /** the first message of `type` for `id`, within `ms` */
  const reply = async <T extends CtlMessage['type']>(type: T, id: string, ms = 2000): Promise<Extract<CtlMessage, { type: T }>> => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(5)) {
      const m = sent.find((s) => s.type === type && 'id' in s && s.id === id);
      if (m) return m as Extract<CtlMessage, { type: T }>;
    }
    throw new Error(`no ${type} within ${ms} ms; sent: ${JSON.stringify(sent)}`);
  };
  const closeEdge = () => edges.emit('closed', link, 'closed');
  return { receiver, sent, ctl, bulk, reply, closeEdge };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Descriptors of this test's own files (under the temp folder): the runtime's own come and go. */
const fds = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path.join(os.tmpdir(), 'camvid-'));
    } catch {
      return false;
    }
  }).length;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const partial = (dir: string) => (existsSync(path.join(dir, '.partial')) ? readdirSync(path.join(dir, '.partial')) : []);

let base: string;
test.before.each(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'camvid-upload-rx-'));
});
test.after.each(() => rmSync(base, { recursive: true, force: true }));

test('a name of 600 bytes of UTF-8 is stored under one of at most 255 bytes, keeping its extension; a second under a numbered one that fits too', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const bytes = Buffer.from('the essay');
  const id = sha256(bytes);
  const name = '課'.repeat(199) + '.md'; // 600 bytes in 202 UTF-16 units, which the wire allows
  assert.is(Buffer.byteLength(name), 600);
  const stored: string[] = [];
  for (let round = 0; round < 2; round++) {
    r.sent.length = 0;
    r.ctl({ type: 'upload-begin', id, name, size: bytes.length });
    await r.reply('upload-accept', id);
    r.bulk(encodeChunk(id, 0, bytes));
    await sleep(20);
    r.ctl({ type: 'upload-end', id });
    const res: Result = await r.reply('upload-result', id);
    assert.ok(res.ok, JSON.stringify(res));
    stored.push(path.basename(res.path!));
  }
  for (const s of stored) {
    assert.ok(Buffer.byteLength(s) <= 255, `${Buffer.byteLength(s)} bytes`);
    assert.ok(readFileSync(path.join(dir, ANN, s)).equals(bytes));
  }
  assert.match(stored[0]!, /^課+\.md$/);
  assert.match(stored[1]!, /^課+ \(1\)\.md$/);
  assert.equal(partial(dir), []);
  r.receiver.close();
});

test('a receiver closed while a begin is creating its file leaves no open file and no temp file', async () => {
  const dir = path.join(base, 'uploads');
  const before = fds();
  const id = sha256(Buffer.from('x'));
  // Closed at every point of the begin: before the folder is made, while the file opens, after.
  for (let turns = 0; turns < 12; turns++) {
    const r = rig(dir);
    r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: 1 });
    for (let i = 0; i < turns; i++) await new Promise((res) => setImmediate(res));
    r.receiver.close();
  }
  for (let i = 0; i < 300 && (fds() > before || partial(dir).length); i++) await sleep(10);
  assert.is(fds(), before, 'no file handle left open');
  assert.equal(partial(dir), [], 'no temp file left');
});

test('the same file begun twice on one edge: the first temp file is closed and removed, the second goes on', async () => {
  const dir = path.join(base, 'uploads');
  const before = fds();
  const r = rig(dir);
  const id = sha256(Buffer.from('x'));
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: 1 });
  await r.reply('upload-accept', id);
  r.sent.length = 0;
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: 1 });
  await r.reply('upload-accept', id);
  for (let i = 0; i < 300 && (partial(dir).length > 1 || fds() > before + 1); i++) await sleep(10);
  assert.is(partial(dir).length, 1);
  assert.is(fds(), before + 1, 'only the second file is open');
  r.receiver.close();
  for (let i = 0; i < 300 && (fds() > before || partial(dir).length); i++) await sleep(10);
  assert.is(fds(), before);
  assert.equal(partial(dir), []);
});

test('a temp file that cannot be created is answered at once with BAD_UPLOAD, not a 60 s wait', async () => {
  writeFileSync(path.join(base, 'file'), 'not a folder');
  const r = rig(path.join(base, 'file', 'uploads'));
  const id = sha256(Buffer.from('x'));
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: 1 });
  const res: Result = await r.reply('upload-result', id, 1000);
  assert.is(res.ok, false);
  assert.is(res.code, 'BAD_UPLOAD');
  assert.not.match(res.message ?? '', base, "the host's paths are not told to the student");
  r.receiver.close();
});

test('an upload that arrived whole but cannot be stored is answered at once, and its temp file removed', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const bytes = Buffer.from('the essay');
  const id = sha256(bytes);
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: bytes.length });
  await r.reply('upload-accept', id);
  writeFileSync(path.join(dir, ANN), 'a file where the student folder goes');
  r.bulk(encodeChunk(id, 0, bytes));
  await sleep(20);
  r.ctl({ type: 'upload-end', id });
  const res: Result = await r.reply('upload-result', id, 1000);
  assert.is(res.ok, false);
  assert.is(res.code, 'BAD_UPLOAD');
  for (let i = 0; i < 300 && partial(dir).length; i++) await sleep(10); // removed as the answer goes
  assert.equal(partial(dir), []);
  r.receiver.close();
});

test('past the open uploads of one member, upload-begin is refused THROTTLED at once; the edge closing frees every file it held', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const before = fds();
  const ids = Array.from({ length: 50 }, (_, i) => sha256(Buffer.from(`file ${i}`)));
  for (const id of ids) r.ctl({ type: 'upload-begin', id, name: 'f.bin', size: 10 }); // all at once
  for (let i = 0; i < 200 && r.sent.length < ids.length; i++) await sleep(10);
  const accepted = r.sent.filter((m) => m.type === 'upload-accept').length;
  const throttled = r.sent.filter((m) => m.type === 'upload-result' && m.code === 'THROTTLED').length;
  assert.is(accepted, MAX_OPEN_UPLOADS_PER_MEMBER);
  assert.is(throttled, ids.length - MAX_OPEN_UPLOADS_PER_MEMBER);
  assert.is(fds(), before + MAX_OPEN_UPLOADS_PER_MEMBER);
  r.closeEdge();
  for (let i = 0; i < 300 && (fds() > before || partial(dir).length); i++) await sleep(10);
  assert.is(fds(), before, 'no file left open');
  assert.equal(partial(dir), []);
  r.receiver.close();
});

test('upload-end overtaking the last chunk (ctl and bulk are separate streams): the file is stored whole, not refused as incomplete', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const bytes = Buffer.from('essay number 1\n');
  const id = sha256(bytes);
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: bytes.length });
  await r.reply('upload-accept', id);
  r.ctl({ type: 'upload-end', id });
  r.ctl({ type: 'upload-end', id }); // said twice: answered once
  await sleep(50);
  assert.not.ok(r.sent.some((m) => m.type === 'upload-result'), 'no verdict before the bytes came');
  r.bulk(encodeChunk(id, 0, bytes));
  const res: Result = await r.reply('upload-result', id, 1000);
  assert.ok(res.ok, JSON.stringify(res));
  assert.is(readFileSync(path.join(dir, ANN, 'essay.txt'), 'utf8'), 'essay number 1\n');
  await sleep(50);
  assert.is(r.sent.filter((m) => m.type === 'upload-result').length, 1);
  r.receiver.close();
});

test('an ended upload whose rest never comes is refused as incomplete once no chunk came for TAIL_WAIT_MS; each chunk restarts that wait', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const bytes = Buffer.alloc(3 * 16 * 1024, 7);
  const id = sha256(bytes);
  r.ctl({ type: 'upload-begin', id, name: 'big.bin', size: bytes.length });
  await r.reply('upload-accept', id);
  r.ctl({ type: 'upload-end', id });
  const started = Date.now();
  await sleep(TAIL_WAIT_MS - 1000);
  r.bulk(encodeChunk(id, 0, bytes.subarray(0, 16 * 1024))); // a chunk late, but within the wait
  const res: Result = await r.reply('upload-result', id, TAIL_WAIT_MS + 2000);
  const waited = Date.now() - started;
  assert.is(res.ok, false);
  assert.is(res.code, 'BAD_UPLOAD');
  assert.match(res.message ?? '', /incomplete/);
  assert.ok(waited >= 2 * TAIL_WAIT_MS - 1100, `the late chunk restarted the wait (${waited} ms)`);
  for (let i = 0; i < 300 && partial(dir).length; i++) await sleep(10);
  assert.equal(partial(dir), []);
  r.receiver.close();
});

test('the edge closing while an end waits for its tail: no verdict, no open file, no temp file', async () => {
  const dir = path.join(base, 'uploads');
  const r = rig(dir);
  const before = fds();
  const id = sha256(Buffer.from('never sent'));
  r.ctl({ type: 'upload-begin', id, name: 'essay.txt', size: 10 });
  await r.reply('upload-accept', id);
  r.ctl({ type: 'upload-end', id });
  await sleep(20);
  r.closeEdge();
  for (let i = 0; i < 300 && (fds() > before || partial(dir).length); i++) await sleep(10);
  assert.is(fds(), before, 'no file left open');
  assert.equal(partial(dir), []);
  assert.not.ok(r.sent.some((m) => m.type === 'upload-result'));
  r.receiver.close();
});

test.run();
