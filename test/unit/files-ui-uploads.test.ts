import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CamvidError } from '../../protocol/errors.js';
import type { FeatureHost } from '../../node-agent/feature-host.js';
import { UiUploads } from '../../node-agent/files/ui-uploads.js';
import { UiRouter } from '../../node-agent/ui-router.js';
import type { UiSession } from '../../node-agent/ui-server/ui-server.js';

/** A page: its socket closing runs what was registered with it. */
function page(id: number): UiSession & { closeSocket(): void } {
  const listeners = new Set<() => void>();
  return {
    id,
    onClose: (l) => (listeners.add(l), () => listeners.delete(l)),
    closeSocket: () => [...listeners].forEach((l) => l()),
  };
}

function rig() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-uiup-'));
  const ui = new UiRouter();
  const sent: { file: string; bytes: string }[] = [];
  const uploads = new UiUploads({ store: { dir } as FeatureHost['store'], ui }, async (file) => {
    sent.push({ file, bytes: readFileSync(file, 'utf8') });
    return `Ann/${path.basename(file)}`;
  });
  // Descriptors of files inside this rig's folder: unrelated ones (the runtime's) come and go.
  const fds = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;
  const staged = () => (existsSync(path.join(dir, 'outgoing')) ? readdirSync(path.join(dir, 'outgoing')) : []);
  return { dir, ui, sent, uploads, fds, staged, done: async () => (await uploads.close(), rmSync(dir, { recursive: true, force: true })) };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('a page hands in a file in pieces: the agent uploads it whole, then removes its staging copy', async () => {
  const r = rig();
  const p = page(1);
  const { upload } = await r.ui.dispatch({ id: 1, type: 'files-put-begin', name: 'essay.txt', size: 11 }, p);
  await r.ui.dispatch({ id: 2, type: 'files-put-chunk', upload, offset: 0, data: b64('hello ') }, p);
  await r.ui.dispatch({ id: 3, type: 'files-put-chunk', upload, offset: 6, data: b64('world') }, p);
  const { stored } = await r.ui.dispatch({ id: 4, type: 'files-put-end', upload }, p);
  assert.is(stored, 'Ann/essay.txt');
  assert.equal(r.sent.map((s) => s.bytes), ['hello world']);
  assert.equal(r.staged(), []);
  await r.done();
});

test('a page that closes mid-upload leaves no open file and no staging folder behind', async () => {
  const r = rig();
  const before = r.fds();
  const p = page(7);
  const { upload } = await r.ui.dispatch({ id: 1, type: 'files-put-begin', name: 'big.bin', size: 1000 }, p);
  await r.ui.dispatch({ id: 2, type: 'files-put-chunk', upload, offset: 0, data: b64('x'.repeat(100)) }, p);
  assert.is(r.staged().length, 1);
  assert.is(r.fds(), before + 1, 'the staged file is open while the page sends');
  p.closeSocket();
  for (let i = 0; i < 50 && (r.staged().length || r.fds() > before); i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(r.staged(), []);
  assert.is(r.fds(), before);
  const err = await r.ui.dispatch({ id: 3, type: 'files-put-end', upload }, p).then(() => null, (e: CamvidError) => e);
  assert.is(err?.code, 'BAD_MESSAGE');
  assert.equal(r.sent, []);
  await r.done();
});

test("another page cannot write into or finish someone else's staged upload", async () => {
  const r = rig();
  const mine = page(1);
  const theirs = page(2);
  const { upload } = await r.ui.dispatch({ id: 1, type: 'files-put-begin', name: 'a.txt', size: 3 }, mine);
  for (const req of [
    { id: 2, type: 'files-put-chunk' as const, upload, offset: 0, data: b64('abc') },
    { id: 3, type: 'files-put-end' as const, upload },
  ]) {
    const err = await r.ui.dispatch(req, theirs).then(() => null, (e: CamvidError) => e);
    assert.is(err?.code, 'BAD_MESSAGE', req.type);
  }
  await r.ui.dispatch({ id: 4, type: 'files-put-chunk', upload, offset: 0, data: b64('abc') }, mine);
  assert.is((await r.ui.dispatch({ id: 5, type: 'files-put-end', upload }, mine)).stored, 'Ann/a.txt');
  await r.done();
});

test('closing the agent closes and removes every staged upload', async () => {
  const r = rig();
  const before = r.fds();
  await r.ui.dispatch({ id: 1, type: 'files-put-begin', name: 'one', size: 5 }, page(1));
  await r.ui.dispatch({ id: 2, type: 'files-put-begin', name: 'two', size: 5 }, page(2));
  await r.uploads.close();
  assert.equal(r.staged(), []);
  assert.is(r.fds(), before);
  const err = await r.ui.dispatch({ id: 3, type: 'files-put-begin', name: 'late', size: 5 }, page(3)).then(() => null, (e: CamvidError) => e);
  assert.is(err?.code, 'CLOSED');
  await r.done();
});

test.run();
