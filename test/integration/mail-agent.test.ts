import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MailSummary } from '../../protocol/mail.js';
import { AgentProcess, CAMVID_BIN, ROOT } from '../helpers/agents.js';
import { canMakeCertificate, freePort, TestSmtpServer, UiSocket } from '../helpers/smtp.js';
import { requireCapability } from '../helpers/require.js';

const PASSWORD = 'app-pass-5678';
const FROM = 'Prof Ada <ada@school.example>';
const test = suite('mail through real agent processes');

const procs: AgentProcess[] = [];
const dirs: string[] = [];
const servers: TestSmtpServer[] = [];
const sockets: UiSocket[] = [];

test.after.each(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const dataDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'camvid-mail-agent-'));
  dirs.push(d);
  return d;
};

/** `camvid <args> --data DIR` with a short mail backoff; the data folder is the caller's, to restart on. */
function camvid(name: string, args: string[], dir: string, stdin?: string): AgentProcess {
  const child = spawn(process.execPath, [CAMVID_BIN, ...args, '--data', dir, '--no-mdns', '--bind', '127.0.0.1'], {
    cwd: ROOT,
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, CAMVID_MAIL_RETRY_BASE_MS: '200', CAMVID_MAIL_RETRY_MAX_MS: '500' },
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  const p = new AgentProcess(name, child);
  procs.push(p);
  return p;
}

async function uiAgent(name: string, dir: string): Promise<{ agent: AgentProcess; ui: UiSocket }> {
  const agent = camvid(name, ['--port', '0', '--ui-port', '0'], dir);
  const [, url] = await agent.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  const ui = await UiSocket.open(url!);
  sockets.push(ui);
  return { agent, ui };
}

const settingsRequest = (port: number) => ({
  type: 'mail-settings-save',
  host: '127.0.0.1',
  port,
  security: 'starttls',
  user: 'ada',
  password: PASSWORD,
  from: FROM,
  allowSelfSigned: true,
});

/** Resolves once the agent pushed a mail-update for `id` that matches. */
async function pushed(ui: UiSocket, id: string, pred: (m: MailSummary) => boolean, timeoutMs = 15_000): Promise<MailSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = ui.events.find((e) => e.type === 'mail-update' && e.mail.id === id && pred(e.mail));
    if (hit && hit.type === 'mail-update') return hit.mail;
    if (Date.now() > deadline) throw new Error(`no matching mail-update for ${id}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('camvid mail sends a mail with an attachment over STARTTLS and AUTH PLAIN; the bytes match and the password shows nowhere', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = new TestSmtpServer({ users: { ada: PASSWORD }, authMethods: ['PLAIN'] });
  servers.push(smtp);
  await smtp.start();
  const dir = dataDir();
  const setup = camvid(
    'setup',
    ['mail', '--setup', '--host', '127.0.0.1', '--smtp-port', String(smtp.port), '--user', 'ada', '--from', FROM, '--password-stdin', '--allow-self-signed'],
    dir,
    `${PASSWORD}\n`,
  );
  assert.is(await setup.exited, 0, setup.output);
  assert.match(setup.output, /password saved/);
  assert.is(statSync(path.join(dir, 'mail-settings.json')).mode & 0o777, 0o600);

  const file = path.join(dir, 'notes.pdf');
  const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
  writeFileSync(file, bytes);
  const send = camvid('send', ['mail', '--to', 'grace@school.example', '--subject', 'Week 4 notes', '--body', 'Notes attached.', '--attach', file], dir);
  assert.is(await send.exited, 0, send.output);
  assert.match(send.output, /^sent <[^>]+@school\.example>/m);
  const [got] = await smtp.waitForMails(1);
  assert.is(got!.parsed.subject, 'Week 4 notes');
  assert.is(got!.parsed.text?.trim(), 'Notes attached.');
  assert.is(got!.parsed.from?.value[0]?.address, 'ada@school.example');
  assert.ok(got!.parsed.attachments[0]!.content.equals(bytes));
  assert.ok(got!.secure);
  assert.not.ok((setup.output + send.output).includes(PASSWORD));
});

test('a wrong password makes camvid mail exit 1 with the server’s words', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = new TestSmtpServer({ users: { ada: PASSWORD } });
  servers.push(smtp);
  await smtp.start();
  const dir = dataDir();
  const setup = camvid('setup', ['mail', '--setup', '--host', '127.0.0.1', '--smtp-port', String(smtp.port), '--user', 'ada', '--from', FROM, '--password-stdin', '--allow-self-signed'], dir, 'nope');
  assert.is(await setup.exited, 0, setup.output);
  const send = camvid('send', ['mail', '--to', 'grace@school.example', '--subject', 's', '--body', 'b'], dir);
  assert.is(await send.exited, 1, send.output);
  assert.match(send.output, /error: MAIL_FAILED: Login refused: 535 5\.7\.8 Authentication credentials invalid/);
  assert.is(smtp.authAttempts, 1);
});

test('an agent killed with mails queued delivers each of them exactly once after restart', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const port = await freePort(); // the server is down while the mails are written
  const dir = dataDir();
  const first = await uiAgent('before', dir);
  await first.ui.request(settingsRequest(port));
  const queued: MailSummary[] = [];
  for (const n of [1, 2, 3]) {
    queued.push(await first.ui.request<MailSummary>({ type: 'mail-send', to: 'grace@school.example', subject: `queued ${n}`, body: `mail ${n}` }));
  }
  for (const m of queued) await pushed(first.ui, m.id, (s) => s.state === 'queued' && s.attempts >= 1 && /ECONNREFUSED/.test(s.lastError ?? ''));
  await first.agent.kill('SIGKILL');

  const smtp = new TestSmtpServer({ users: { ada: PASSWORD }, port });
  servers.push(smtp);
  await smtp.start();
  const second = await uiAgent('after', dir);
  await smtp.waitForMails(3);
  await sleep(1500); // room for a duplicate to show up
  assert.is(smtp.dataCount, 3);
  assert.equal(smtp.received.map((r) => r.parsed.subject).sort(), ['queued 1', 'queued 2', 'queued 3']);
  assert.equal(smtp.received.map((r) => r.parsed.messageId).sort(), queued.map((m) => m.messageId).sort());
  const list = await second.ui.request<MailSummary[]>({ type: 'mail-list' });
  assert.equal(list.map((m) => m.state), ['sent', 'sent', 'sent']);
});

test('an agent killed mid-send: before the final "." the mail is sent once after restart; after it, never again and marked uncertain', async () => {
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  const smtp = new TestSmtpServer({ users: { ada: PASSWORD } });
  servers.push(smtp);
  await smtp.start();
  const dir = dataDir();

  // 1. Killed while the server sits on RCPT TO: the message bytes never went out.
  smtp.holdRcptMs = 30_000;
  const a = await uiAgent('a', dir);
  await a.ui.request(settingsRequest(smtp.port));
  const mail = await a.ui.request<MailSummary>({ type: 'mail-send', to: 'grace@school.example', subject: 'crash test', body: 'once' });
  await smtp.waitUntil(() => smtp.rcptCount >= 1, 15_000, 'RCPT TO');
  await a.agent.kill('SIGKILL');

  // 2. After restart it is sent again; killed while the server holds its reply to the final ".".
  smtp.holdRcptMs = 0;
  smtp.holdDataReplyMs = 30_000;
  const b = await uiAgent('b', dir);
  await smtp.waitUntil(() => smtp.dataCount >= 1, 15_000, 'the whole message');
  await b.agent.kill('SIGKILL');

  // 3. After the second restart it is not sent again: the server has it once.
  smtp.holdDataReplyMs = 0;
  const c = await uiAgent('c', dir);
  const list = await c.ui.request<MailSummary[]>({ type: 'mail-list' });
  assert.is(list.length, 1);
  assert.is(list[0]!.id, mail.id);
  assert.is(list[0]!.state, 'failed');
  assert.is(list[0]!.uncertain, true);
  assert.match(list[0]!.lastError!, /may have been delivered/);
  await sleep(1500);
  assert.is(smtp.dataCount, 1);
  await smtp.waitForMails(1);
  assert.is(smtp.received[0]!.parsed.messageId, mail.messageId);
});

test.run();
