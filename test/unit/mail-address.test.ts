import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkDraft, isAddress, parseAddressList } from '../../protocol/mail.js';
import { uiRequest } from '../../protocol/ui.js';
import { codeOf } from '../helpers/error-code.js';

test('plain addresses are accepted or refused as a mail server would', () => {
  const good = ['a@b.c', 'first.last+tag@school.example', 'x@localhost', "o'brien@example.org", 'ü@exämple.de', 'a@[127.0.0.1]'];
  const bad = ['', 'a', '@b.c', 'a@', 'a@@b.c', '.a@b.c', 'a.@b.c', 'a..b@c.d', 'a b@c.d', 'a@b..c', 'a@-b.c', 'a@b_c.d', 'a@b.c\r\n', `${'x'.repeat(65)}@b.c`];
  for (const a of good) assert.ok(isAddress(a), a);
  for (const a of bad) assert.not.ok(isAddress(a), JSON.stringify(a));
});

test('address lists take names, quotes, commas and semicolons', () => {
  assert.equal(parseAddressList('To', 'a@b.c, Grace Hopper <grace@navy.mil>; "Lovelace, Ada" <ada@x.org>'), [
    { address: 'a@b.c' },
    { name: 'Grace Hopper', address: 'grace@navy.mil' },
    { name: 'Lovelace, Ada', address: 'ada@x.org' },
  ]);
  assert.equal(parseAddressList('Cc', ' , '), []);
});

test('line breaks and control characters in any header field are refused as header injection', () => {
  const injections = [
    { to: 'a@b.c\r\nBcc: all@b.c', subject: 's' },
    { to: 'a@b.c\nBcc: all@b.c', subject: 's' },
    { to: 'Eve\r\n <a@b.c>', subject: 's' },
    { to: 'a@b.c', subject: 'hi\r\nBcc: all@b.c' },
    { to: 'a@b.c', subject: 'hi\rX: y' },
    { to: 'a@b.c', subject: 'nul\u0000byte' },
    { to: 'a@b.c', cc: 'c@d.e\nX-Evil: 1', subject: 's' },
  ];
  for (const d of injections) assert.is(codeOf(() => checkDraft({ ...d, body: 'b' })), 'BAD_MAIL', JSON.stringify(d));
  const err = (() => {
    try {
      checkDraft({ to: 'a@b.c', subject: 'x\ny', body: '' });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.match(err!.message, /subject.*header injection/i);
});

test('a draft needs a recipient and valid addresses; the body may hold any text', () => {
  assert.is(codeOf(() => checkDraft({ to: '', subject: 's', body: 'b' })), 'BAD_MAIL');
  assert.is(codeOf(() => checkDraft({ to: 'Grace <grace>', subject: 's', body: 'b' })), 'BAD_MAIL');
  assert.is(codeOf(() => checkDraft({ to: 'a@b.c', cc: '"unbalanced <a@b.c>', subject: 's', body: 'b' })), 'BAD_MAIL');
  assert.is(codeOf(() => checkDraft({ to: Array.from({ length: 101 }, (_, i) => `u${i}@b.c`).join(','), subject: 's', body: 'b' })), 'BAD_MAIL');
  const ok = checkDraft({ to: 'a@b.c', subject: '', body: 'line 1\r\n.\r\nBcc: not-a-header@b.c\n' });
  assert.equal(ok.to, [{ address: 'a@b.c' }]);
});

test('mail UI requests are validated where they arrive; the request id stays the request’s own', () => {
  const ok = uiRequest({ type: 'mail-retry', id: 7, mailId: '0lx3k2a1b-0a1b2c3d' });
  assert.equal(ok, { type: 'mail-retry', id: 7, mailId: '0lx3k2a1b-0a1b2c3d' });
  for (const bad of [
    { type: 'mail-retry', id: 7, mailId: '../etc' },
    { type: 'mail-send', id: 1, to: 'a@b.c', subject: 's', body: 'x'.repeat(60_001) },
    { type: 'mail-send', id: 1, to: 'a@b.c', subject: 's', body: 'b', attachments: [{ kind: 'url', path: 'http://x' }] },
    { type: 'mail-settings-save', id: 1, host: 'smtp host', port: 587, security: 'starttls', user: '', from: 'a@b.c', allowSelfSigned: false },
    { type: 'mail-settings-save', id: 1, host: 'smtp.b.c', port: 70000, security: 'starttls', user: '', from: 'a@b.c', allowSelfSigned: false },
  ]) {
    assert.is(codeOf(() => uiRequest(bad)), 'BAD_MESSAGE', JSON.stringify(bad).slice(0, 80));
  }
});

test.run();
