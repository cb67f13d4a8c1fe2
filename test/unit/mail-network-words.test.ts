import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodemailerError } from 'nodemailer';
import { classify } from '../../node-agent/mail/smtp-attempt.js';

const fail = (message: string, code: string) => Object.assign(new Error(message), { code }) as NodemailerError;

test('a mail server that cannot be found on a LAN without internet is said in words, transient, with the technical text kept', () => {
  const f = classify(fail('getaddrinfo ENOTFOUND smtp.gmail.com', 'EDNS'), [], false);
  assert.ok(f.transient);
  assert.match(f.message, /^The mail server smtp\.gmail\.com could not be found by name: this network has no internet or no name server/);
  assert.match(f.message, /stays in the outbox/);
  assert.match(f.message, /\[getaddrinfo ENOTFOUND smtp\.gmail\.com \(EDNS\)\]$/);
});

test('refused and timed-out connections say what to check; a server’s own reply is left as it is', () => {
  assert.match(classify(fail('connect ECONNREFUSED 127.0.0.1:2525', 'ECONNREFUSED'), [], false).message, /^Nothing accepts mail at the server's address and port: check them/);
  assert.match(classify(fail('connect ECONNREFUSED 10.0.0.9:587', 'ESOCKET'), [], false).message, /^Nothing accepts mail/, 'as nodemailer reports it');
  assert.match(classify(fail('Connection timeout', 'ETIMEDOUT'), [], false).message, /^The mail server did not answer/);
  const login = Object.assign(new Error('Invalid login'), { code: 'EAUTH', response: '535 5.7.8 Authentication credentials invalid', responseCode: 535 }) as NodemailerError;
  assert.is(classify(login, [], false).message, 'Login refused: 535 5.7.8 Authentication credentials invalid');
});

test.run();
