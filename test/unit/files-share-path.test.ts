import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { resolveInShare, sanitizeFileName, shareSegments } from '../../node-agent/files/share-path.js';

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
    ['x'.repeat(300), 'x'.repeat(200)],
  ];
  for (const [input, want] of cases) assert.is(sanitizeFileName(input), want, String(input));
});

test.run();
