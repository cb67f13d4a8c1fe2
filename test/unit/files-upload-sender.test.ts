/**
 * The student's side of an upload (node-agent/files/upload-sender.ts) against a fake link: every
 * way an upload can end is told at once: stored, refused at the start, refused mid-send, the link
 * closing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CtlMessage } from '../../protocol/ctl.js';
import { decodeChunk } from '../../protocol/files.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { uploadFile } from '../../node-agent/files/upload-sender.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';
import { CamvidError } from '../../protocol/errors.js';

type LinkEvents = { ctl: [msg: CtlMessage]; closed: [] };

/** A link whose bulk channel takes messages while `open` and `taking`; the host is `answer`. */
function fakeLink(answer: (msg: CtlMessage, link: ReturnType<typeof fakeLink>) => void) {
  const ev = new TypedEmitter<LinkEvents>();
  const state = { open: true, taking: true, chunks: [] as Buffer[], sent: [] as CtlMessage[] };
  const dc = {
    isOpen: () => state.open,
    bufferedAmount: () => (state.taking ? 0 : 1e9),
    setBufferedAmountLowThreshold: () => {},
    onBufferedAmountLow: () => {},
    sendMessageBinary: (b: Buffer) => (state.chunks.push(b), true),
  };
  const link = {
    on: ev.on.bind(ev),
    once: ev.once.bind(ev),
    get closed() {
      return !state.open;
    },
    channel: (label: string) => (label === 'bulk' ? dc : undefined),
    sendCtl: (m: CtlMessage) => {
      state.sent.push(m);
      setImmediate(() => answer(m, self));
      return state.open;
    },
  };
  const self = {
    link: link as unknown as PeerLink,
    state,
    reply: (m: CtlMessage) => ev.emit('ctl', m),
    close: () => {
      state.open = false;
      ev.emit('closed');
    },
  };
  return self;
}

let dir: string;
let file: string;
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-upload-tx-'));
  file = path.join(dir, 'essay.txt');
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

/** how an upload settled: its path, or its error's code, and after how many ms */
async function settle(p: Promise<string>): Promise<{ ok?: string; code?: string; ms: number }> {
  const t = Date.now();
  try {
    return { ok: await p, ms: Date.now() - t };
  } catch (err) {
    return { code: (err as CamvidError).code, ms: Date.now() - t };
  }
}

test('begin, accepted, chunks, end, stored: resolves with where the host put it, every byte sent once', async () => {
  writeFileSync(file, 'x'.repeat(600_000));
  const l = fakeLink((m, l) => {
    if (m.type === 'upload-begin') l.reply({ type: 'upload-accept', id: m.id });
    if (m.type === 'upload-end') l.reply({ type: 'upload-result', id: m.id, ok: true, path: 'Ann/essay.txt' });
  });
  const progress: number[] = [];
  const r = await settle(uploadFile(l.link, file, (sent) => progress.push(sent)));
  assert.is(r.ok, 'Ann/essay.txt');
  const bytes = l.state.chunks.map((c) => decodeChunk(c)!.data.length).reduce((a, b) => a + b, 0);
  assert.is(bytes, 600_000);
  assert.is(progress.at(-1), 600_000);
  assert.equal(l.state.sent.map((m) => m.type), ['upload-begin', 'upload-end']);
});

test('refused at the start (too large) and refused mid-send: the refusal is the error, at once', async () => {
  writeFileSync(file, 'x'.repeat(2_000_000));
  const big = fakeLink((m, l) => {
    if (m.type === 'upload-begin') l.reply({ type: 'upload-result', id: m.id, ok: false, code: 'TOO_LARGE', message: 'too large' });
  });
  const first = await settle(uploadFile(big.link, file));
  assert.is(first.code, 'TOO_LARGE');
  assert.ok(first.ms < 1000);
  // The channel takes nothing; the host gives up on the upload while the student is waiting to send.
  const stuck = fakeLink((m, l) => {
    if (m.type !== 'upload-begin') return;
    l.state.taking = false;
    l.reply({ type: 'upload-accept', id: m.id });
    setTimeout(() => l.reply({ type: 'upload-result', id: m.id, ok: false, code: 'BAD_UPLOAD', message: 'disk full' }), 300);
  });
  const second = await settle(uploadFile(stuck.link, file));
  assert.is(second.code, 'BAD_UPLOAD');
  assert.ok(second.ms < 2000, `told at once (${second.ms} ms)`);
});

test('the link closing while the student waits for an answer, or while it sends: CLOSED at once', async () => {
  writeFileSync(file, 'x'.repeat(2_000_000));
  const silent = fakeLink((m, l) => m.type === 'upload-begin' && setTimeout(() => l.close(), 200));
  const waiting = await settle(uploadFile(silent.link, file));
  assert.is(waiting.code, 'CLOSED');
  assert.ok(waiting.ms < 1500, `${waiting.ms} ms`);
  const sending = fakeLink((m, l) => {
    if (m.type !== 'upload-begin') return;
    l.state.taking = false;
    l.reply({ type: 'upload-accept', id: m.id });
    setTimeout(() => l.close(), 200);
  });
  const during = await settle(uploadFile(sending.link, file));
  assert.is(during.code, 'CLOSED');
  assert.ok(during.ms < 1500, `${during.ms} ms`);
  const gone = fakeLink(() => {});
  gone.close();
  assert.is((await settle(uploadFile(gone.link, file))).code, 'CLOSED', 'a link closed before the upload');
});

test.run();
