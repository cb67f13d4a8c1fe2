import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { ShareHost } from '../../node-agent/files/share-host.js';
import { fitFileName, MAX_NAME_BYTES, resolveInShare, sanitizeFileName, shareSegments } from '../../node-agent/files/share-path.js';

const test = suite('paths inside the share');
let base: string;
let share: string;
test.before.each(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'camvid-share-'));
  share = path.join(base, 'share');
  mkdirSync(path.join(share, 'lectures', 'week 1'), { recursive: true });
  writeFileSync(path.join(share, 'lectures', 'week 1', 'slides.pdf'), 'pdf');
  writeFileSync(path.join(base, 'secret.txt'), 'outside');
  symlinkSync(path.join(base, 'secret.txt'), path.join(share, 'link-out'));
  symlinkSync(base, path.join(share, 'dir-out'));
  symlinkSync(path.join(share, 'lectures'), path.join(share, 'link-in'));
  symlinkSync(path.join(base, 'missing'), path.join(share, 'dangling'));
});
test.after.each(() => rmSync(base, { recursive: true, force: true }));

const BAD: [string, unknown][] = [
  ['parent segment', '../secret.txt'],
  ['parent inside', 'lectures/../../secret.txt'],
  ['parent at end', 'lectures/..'],
  ['encoded-looking but literal dots', 'lectures/week 1/../../..'],
  ['absolute path', '/etc/passwd'.replace(/^\//, '//')],
  ['NUL byte', 'lectures/slides.pdf\u0000.txt'],
  ['newline', 'lectures\nx'],
  ['Windows drive letter', 'C:/Windows/win.ini'],
  ['Windows drive relative', 'c:secret'],
  ['backslash traversal', '..\\secret.txt'],
  ['UNC path', '//server/share/x'],
  ['over-long name', 'a'.repeat(256)],
  ['over-long path', 'a/'.repeat(600)],
  ['reserved characters', 'lectures/what?.txt'],
  ['not a string', 42],
  ['null', null],
];

for (const [why, p] of BAD) {
  test(`refuses ${why}`, async () => {
    try {
      await resolveInShare(share, p);
      assert.unreachable(`accepted ${JSON.stringify(p)}`);
    } catch (err) {
      assert.instance(err, CamvidError);
      assert.is((err as CamvidError).code, 'PATH_OUTSIDE_SHARE');
    }
  });
}

test('refuses symlinks that lead out of the share, to a file or a folder, and dangling ones', async () => {
  for (const p of ['link-out', 'dir-out/secret.txt', 'dir-out', 'dangling']) {
    try {
      await resolveInShare(share, p);
      assert.unreachable(p);
    } catch (err) {
      assert.is((err as CamvidError).code, 'PATH_OUTSIDE_SHARE', p);
    }
  }
});

test('a missing file is FILE_NOT_FOUND, and a leading slash means the share’s root', async () => {
  for (const p of ['nope.txt', '/etc/passwd']) {
    try {
      await resolveInShare(share, p);
      assert.unreachable(p);
    } catch (err) {
      assert.is((err as CamvidError).code, 'FILE_NOT_FOUND', p);
    }
  }
});

test('accepts ordinary paths, the root, and symlinks that stay inside', async () => {
  assert.is(await resolveInShare(share, ''), await resolveInShare(share, '/'));
  assert.match(await resolveInShare(share, 'lectures/week 1/slides.pdf'), /slides\.pdf$/);
  assert.match(await resolveInShare(share, '/lectures/./week 1/'), /week 1$/);
  assert.match(await resolveInShare(share, 'link-in/week 1/slides.pdf'), /slides\.pdf$/);
  assert.equal(shareSegments('a//b/./c'), ['a', 'b', 'c']);
});

test('upload names are sanitised to one safe file name', () => {
  const cases: [unknown, string][] = [
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\hw.docx', 'hw.docx'],
    ['.bashrc', '_bashrc'],
    ['..', 'upload'],
    ['a\u0000b', 'a_b'],
    ['', 'upload'],
    [undefined, 'upload'],
    ['x'.repeat(300), 'x'.repeat(255)],
  ];
  for (const [input, want] of cases) assert.is(sanitizeFileName(input), want, String(input));
});

test('a name longer than 255 bytes of UTF-8 is cut on a character boundary, keeping its extension', () => {
  const bytes = (s: string) => Buffer.byteLength(s);
  // 196 three-byte characters and .pdf: 592 bytes in 200 UTF-16 units, which the wire allows.
  const cjk = sanitizeFileName('課'.repeat(196) + '.pdf');
  assert.ok(bytes(cjk) <= 255, `${bytes(cjk)} bytes`);
  assert.is(cjk, '課'.repeat(83) + '.pdf'); // 249 + 4 bytes; one more character would make 256
  // Four-byte characters (surrogate pairs in UTF-16) are never split.
  const emoji = sanitizeFileName('😀'.repeat(100) + '.txt');
  assert.is(emoji, '😀'.repeat(62) + '.txt');
  assert.is(Buffer.from(emoji).toString(), emoji, 'no half of a surrogate pair');
  // An "extension" too long to be one is cut with the rest.
  const dotted = sanitizeFileName('a.' + 'é'.repeat(200));
  assert.ok(bytes(dotted) <= 255 && dotted.startsWith('a.'), dotted);
  // A suffix that makes a name free goes before the extension, and the whole still fits.
  const numbered = fitFileName('課'.repeat(83) + '.pdf', ' (12)');
  assert.is(numbered, '課'.repeat(82) + ' (12).pdf'); // 246 + 9 bytes
  assert.ok(bytes(numbered) <= MAX_NAME_BYTES);
  assert.is(fitFileName('report.pdf', ' (1)'), 'report (1).pdf');
});

test.run();

const rules = suite('what a share holds but never serves: dot-files and the data folder');
let root: string;
let data: string;
const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: CamvidError) => `${err.code}: ${err.message}`);
rules.before.each(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'camvid-share-rules-'));
  mkdirSync(path.join(root, '.ssh'));
  writeFileSync(path.join(root, '.ssh', 'id_ed25519'), 'PRIVATE KEY');
  mkdirSync(path.join(root, '.git'));
  writeFileSync(path.join(root, '.git', 'config'), '[core]');
  writeFileSync(path.join(root, '.env'), 'SECRET=1');
  data = path.join(root, 'course', 'agent-data');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'hosted-room.json'), '{"roomKey":"…"}');
  writeFileSync(path.join(root, 'course', 'notes.txt'), 'notes');
  symlinkSync(path.join(root, '.ssh', 'id_ed25519'), path.join(root, 'course', 'key-link'));
  symlinkSync(data, path.join(root, 'data-link'));
  symlinkSync(path.join(data, 'gone'), path.join(data, 'dangling'));
});
rules.after.each(() => rmSync(root, { recursive: true, force: true }));

rules('dot-files, dot-folders and the data folder answer exactly as a missing file does', async () => {
  const r = { hidden: [data] };
  for (const p of ['.ssh/id_ed25519', '.ssh', '.git/config', '.env', 'course/agent-data', 'course/agent-data/hosted-room.json', 'course/agent-data/dangling']) {
    const missing = p.replace(/[^/]+$/, 'no-such-name');
    const got = await code(resolveInShare(root, p, r));
    assert.match(got, /^FILE_NOT_FOUND: No such file or folder in the share: /, p);
    // The same answer as for a name that is not there: nothing to probe with.
    assert.is(got.replace(p, '*'), (await code(resolveInShare(root, missing, r))).replace(missing, '*'), p);
  }
  assert.match(await code(resolveInShare(root, '.ssh/nothing-here', r)), /^FILE_NOT_FOUND/);
});

rules('a symlink that stays inside the share cannot lead to a dot-file or into the data folder', async () => {
  for (const p of ['course/key-link', 'data-link', 'data-link/hosted-room.json']) {
    assert.match(await code(resolveInShare(root, p, { hidden: [data] })), /^FILE_NOT_FOUND/, p);
  }
});

rules('--share-dot-files serves dot-files, never the data folder; ordinary files are served either way', async () => {
  const r = { dotFiles: true, hidden: [data] };
  assert.match(await resolveInShare(root, '.ssh/id_ed25519', r), /id_ed25519$/);
  assert.match(await resolveInShare(root, 'course/key-link', r), /id_ed25519$/);
  assert.match(await code(resolveInShare(root, 'course/agent-data/hosted-room.json', r)), /^FILE_NOT_FOUND/);
  assert.match(await resolveInShare(root, 'course/notes.txt', { hidden: [data] }), /notes\.txt$/);
});

rules('a share inside the data folder serves nothing', async () => {
  assert.match(await code(resolveInShare(data, 'hosted-room.json', { hidden: [data] })), /^FILE_NOT_FOUND/);
  assert.match(await code(resolveInShare(data, '', { hidden: [data] })), /^FILE_NOT_FOUND/);
});

rules('ShareHost: listings leave them out; manifests and chunks refuse them', async () => {
  const share = new ShareHost(root, { hidden: [data] });
  assert.equal((await share.list('')).map((e) => e.name), ['course']);
  assert.equal((await share.list('course')).map((e) => e.name), ['notes.txt']);
  for (const p of ['.ssh', 'course/agent-data']) assert.match(await code(share.list(p)), /^FILE_NOT_FOUND/, p);
  for (const p of ['.ssh/id_ed25519', 'course/key-link', 'course/agent-data/hosted-room.json']) {
    assert.match(await code(share.manifest(p, 0)), /^FILE_NOT_FOUND/, p);
  }
  // The key's id (its SHA-256) is no way in either: chunks come only from files given a manifest.
  const keyId = createHash('sha256').update('PRIVATE KEY').digest('hex');
  assert.match(await code(share.readChunk(keyId, 0)), /^FILE_NOT_FOUND/);
  const notes = await share.manifest('course/notes.txt', 0);
  assert.is((await share.readChunk(notes.file, 0)).toString(), 'notes');

  const withDots = new ShareHost(root, { dotFiles: true, hidden: [data] });
  assert.equal((await withDots.list('')).map((e) => e.name), ['.git', '.ssh', 'course', '.env']);
  assert.equal((await withDots.list('course')).map((e) => e.name), ['key-link', 'notes.txt']);
});

rules.run();
