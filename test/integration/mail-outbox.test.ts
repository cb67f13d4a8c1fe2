import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MailService, type MailHost } from '../../node-agent/mail/mail-service.js';
import { MAIL_SETTINGS_FILE, type MailSettingsInput } from '../../node-agent/mail/mail-settings-file.js';
import { Store } from '../../node-agent/store/store.js';
import { CamvidError } from '../../protocol/errors.js';
import type { MailSummary } from '../../protocol/mail.js';
import type { UiEvent } from '../../protocol/ui.js';
import { canMakeCertificate, freePort, TestSmtpServer } from '../helpers/smtp.js';
import { requireCapability } from '../helpers/require.js';

const PASSWORD = 'app-pass-1234';
const test = suite('mail outbox against a real SMTP server');

interface Rig {
  mail: MailService;
  events: UiEvent[];
  dir: string;
  close(): Promise<void>;
}
const rigs: Rig[] = [];
const servers: TestSmtpServer[] = [];

test.after.each(async () => {
  for (const r of rigs.splice(0)) await r.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function startSmtp(opts: { port?: number; authMethods?: string[] } = {}): Promise<TestSmtpServer> {
  const smtp = new TestSmtpServer({ users: { ada: PASSWORD }, ...opts });
  servers.push(smtp);
  await smtp.start();
  return smtp;
}

/** A mail service on its own store, as the agent composes it, with a short backoff. */
async function startMail(reuseDir?: string): Promise<Rig> {
  const dir = reuseDir ?? mkdtempSync(path.join(os.tmpdir(), 'camvid-mail-'));
  const store = await Store.open(dir);
  const events: UiEvent[] = [];
  const host: MailHost = { store, ui: { handle: () => {}, push: (ev) => void events.push(ev), offerFile: () => '' } };
  const mail = new MailService(host, { retry: { baseMs: 100, maxMs: 300 }, timeouts: { connectionTimeout: 2000, greetingTimeout: 2000, socketTimeout: 4000 } });
  await mail.ready;
  const rig = {
    mail,
    events,
    dir,
    async close() {
      await mail.close();
      await store.close();
      if (!reuseDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  rigs.push(rig);
  return rig;
}

const settings = (port: number, over: Partial<MailSettingsInput> = {}): MailSettingsInput => ({
  host: '127.0.0.1',
  port,
  security: 'starttls',
  user: 'ada',
  password: PASSWORD,
  from: 'Ada Lovelace <ada@school.example>',
  allowSelfSigned: true,
  ...over,
});

async function until(mail: MailService, id: string, pred: (m: MailSummary) => boolean, timeoutMs = 10_000): Promise<MailSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = mail.outbox.get(id);
    if (m && pred(m)) return m;
    if (Date.now() > deadline) throw new Error(`mail ${id} never matched; now ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a mail with an attachment arrives over STARTTLS with AUTH LOGIN; subject, body, attachment bytes and Message-ID match', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = await startSmtp({ authMethods: ['LOGIN'] });
  const { mail, dir, events } = await startMail();
  await mail.saveSettings(settings(smtp.port));
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7 + 3) & 0xff));
  const file = path.join(dir, 'lab-report.bin');
  writeFileSync(file, bytes);
  const queued = await mail.send({
    to: 'Grace <grace@school.example>',
    cc: 'alan@school.example',
    subject: 'Lab 3: Selective Repeat — résultats',
    body: 'Dear Grace,\n\nthe report is attached.\n.\nA line with a lone dot above.\n',
    attachments: [{ kind: 'local', path: file }],
  });
  assert.is(queued.state, 'queued');
  const sent = await until(mail, queued.id, (m) => m.state === 'sent');
  const [got] = await smtp.waitForMails(1);
  assert.ok(got!.secure, 'upgraded with STARTTLS');
  assert.is(got!.user, 'ada');
  assert.is(got!.parsed.subject, 'Lab 3: Selective Repeat — résultats');
  assert.is(got!.parsed.text?.trim(), 'Dear Grace,\n\nthe report is attached.\n.\nA line with a lone dot above.');
  assert.is(got!.parsed.messageId, sent.messageId);
  assert.equal(got!.envelopeTo.sort(), ['alan@school.example', 'grace@school.example']);
  assert.is(got!.parsed.attachments.length, 1);
  assert.is(got!.parsed.attachments[0]!.filename, 'lab-report.bin');
  assert.ok(got!.parsed.attachments[0]!.content.equals(bytes), 'attachment bytes match');
  assert.equal(sent.attachments, [{ name: 'lab-report.bin', size: bytes.length }]);
  assert.is(sent.attempts, 1);
  const states = events.flatMap((e) => (e.type === 'mail-update' && e.mail.id === queued.id ? [e.mail.state] : []));
  assert.equal(states, ['queued', 'sending', 'sent']);
});

test('a wrong password fails with the server’s words and is not retried', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = await startSmtp();
  const { mail } = await startMail();
  await mail.saveSettings(settings(smtp.port, { password: 'wrong' }));
  const { id } = await mail.send({ to: 'grace@school.example', subject: 'hi', body: 'hello' });
  const failed = await until(mail, id, (m) => m.state === 'failed');
  assert.match(failed.lastError!, /535/);
  assert.match(failed.lastError!, /Authentication credentials invalid/);
  assert.not.match(failed.lastError!, /wrong/);
  await sleep(1000); // several backoff periods (100–300 ms)
  assert.is(smtp.authAttempts, 1);
  assert.is(mail.outbox.get(id)!.attempts, 1);
  assert.is(smtp.received.length, 0);
  // "Send test mail" reports the same refusal, as a MAIL_FAILED error.
  try {
    await mail.sendTest();
    assert.unreachable('test mail went through with a wrong password');
  } catch (err) {
    assert.instance(err, CamvidError);
    assert.is((err as CamvidError).code, 'MAIL_FAILED');
    assert.match((err as Error).message, /535/);
  }
});

test('mail written while the server is down stays queued and is delivered exactly once when the server starts', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const port = await freePort();
  const { mail } = await startMail();
  await mail.saveSettings(settings(port));
  const a = await mail.send({ to: 'grace@school.example', subject: 'written offline 1', body: 'one' });
  const b = await mail.send({ to: 'grace@school.example', subject: 'written offline 2', body: 'two' });
  const waiting = await until(mail, a.id, (m) => m.state === 'queued' && m.attempts >= 2);
  assert.match(waiting.lastError!, /ECONNREFUSED|connect/i);
  assert.ok(waiting.nextAttemptAt! > 0);
  const smtp = await startSmtp({ port });
  await until(mail, a.id, (m) => m.state === 'sent');
  await until(mail, b.id, (m) => m.state === 'sent');
  await sleep(600);
  assert.equal(smtp.received.map((r) => r.parsed.subject).sort(), ['written offline 1', 'written offline 2']);
  assert.is(smtp.dataCount, 2);
});

test('a 4xx reply is retried until it passes; a 5xx reply stops with the server’s words', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = await startSmtp();
  const { mail } = await startMail();
  await mail.saveSettings(settings(smtp.port));
  smtp.rcptReply = { code: 451, message: '4.3.0 Mailbox temporarily busy' };
  const soft = await mail.send({ to: 'grace@school.example', subject: 'soft', body: 'x' });
  const retrying = await until(mail, soft.id, (m) => m.state === 'queued' && m.attempts >= 2);
  assert.match(retrying.lastError!, /451 4\.3\.0 Mailbox temporarily busy/);
  smtp.rcptReply = null;
  await until(mail, soft.id, (m) => m.state === 'sent');

  smtp.rcptReply = { code: 550, message: '5.1.1 No such user here' };
  const hard = await mail.send({ to: 'nobody@school.example', subject: 'hard', body: 'x' });
  const failed = await until(mail, hard.id, (m) => m.state === 'failed');
  assert.match(failed.lastError!, /550 5\.1\.1 No such user here/);
  const rcpts = smtp.rcptCount;
  await sleep(800);
  assert.is(smtp.rcptCount, rcpts, 'not retried');
  assert.is(smtp.received.length, 1);
});

test('a self-signed certificate is refused unless the settings allow it', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = await startSmtp();
  const { mail } = await startMail();
  await mail.saveSettings(settings(smtp.port, { allowSelfSigned: false }));
  const { id } = await mail.send({ to: 'grace@school.example', subject: 'tls', body: 'x' });
  const failed = await until(mail, id, (m) => m.state === 'failed');
  assert.match(failed.lastError!, /TLS failed.*self-signed/i);
  assert.is(smtp.authAttempts, 0, 'the password never went to an unverified server');
  await mail.saveSettings(settings(smtp.port, { allowSelfSigned: true, password: '' }));
  await mail.outbox.retry(id);
  await until(mail, id, (m) => m.state === 'sent');
  assert.is((await smtp.waitForMails(1)).length, 1);
});

test('closing the agent mid-send puts the mail back in the queue; the next start sends it once', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = await startSmtp();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-mail-reopen-'));
  try {
    const first = await startMail(dir);
    await first.mail.saveSettings(settings(smtp.port));
    smtp.holdRcptMs = 20_000;
    const { id } = await first.mail.send({ to: 'grace@school.example', subject: 'closed mid-send', body: 'x' });
    await smtp.waitUntil(() => smtp.rcptCount >= 1);
    const closing = Date.now();
    await first.close();
    assert.ok(Date.now() - closing < 3000, 'close did not wait for the held RCPT');
    assert.is(first.mail.outbox.get(id)!.state, 'queued');
    smtp.holdRcptMs = 0;
    const second = await startMail(dir); // the same data folder, as a restarted agent sees it
    await until(second.mail, id, (m) => m.state === 'sent');
    await sleep(500);
    assert.is(smtp.dataCount, 1);
  } finally {
    for (const r of rigs.splice(0)) await r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the password is kept only in a 0600 file and never shown back', async () => {
  const { mail, dir, events } = await startMail();
  const view = await mail.saveSettings(settings(2525));
  const file = path.join(dir, MAIL_SETTINGS_FILE);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.ok(readFileSync(file, 'utf8').includes(PASSWORD));
  assert.is(view.passwordSaved, true);
  assert.not.ok(JSON.stringify(view).includes(PASSWORD));
  assert.not.ok(JSON.stringify(events).includes(PASSWORD));
  // Saving without a password keeps the saved one; clearing removes it.
  await mail.saveSettings(settings(2526, { password: undefined }));
  assert.ok(readFileSync(file, 'utf8').includes(PASSWORD));
  assert.is(mail.settings.view().port, 2526);
  await mail.saveSettings(settings(2526, { password: undefined, clearPassword: true }));
  assert.is(mail.settings.view().passwordSaved, false);
});

test('invalid addresses and header injection are refused with BAD_MAIL before anything is queued', async () => {
  const { mail } = await startMail();
  const refusedBeforeSetup = await mail.send({ to: 'grace@school.example', subject: 's', body: 'b' }).catch((e: CamvidError) => e);
  assert.is((refusedBeforeSetup as CamvidError).code, 'BAD_MAIL');
  await mail.saveSettings(settings(2525));
  const bad = [
    { to: 'not-an-address', subject: 's', body: 'b' },
    { to: 'grace@school.example\r\nBcc: everyone@school.example', subject: 's', body: 'b' },
    { to: 'grace@school.example', subject: 'hello\r\nBcc: everyone@school.example', body: 'b' },
    { to: 'grace@school.example', subject: 'hello\nX-Evil: 1', body: 'b' },
    { to: 'grace@school.example', cc: 'ok@school.example, @nope', subject: 's', body: 'b' },
    { to: 'grace@school.example', subject: 's', body: 'b', attachments: [{ kind: 'local' as const, path: '/definitely/not/here.pdf' }] },
  ];
  for (const draft of bad) {
    const err = await mail.send(draft).then(() => null, (e: unknown) => e);
    assert.instance(err, CamvidError, JSON.stringify(draft));
    assert.is((err as CamvidError).code, 'BAD_MAIL', JSON.stringify(draft));
  }
  assert.equal(mail.outbox.list(), []);
});

test.run();
