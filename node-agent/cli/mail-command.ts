/**
 * `camvid mail`: mail from a terminal, through the same outbox as the UI (so it needs the agent's
 * data folder to itself: with a UI agent running, use its Mail view instead).
 *
 *   camvid mail --setup --host H [--smtp-port P] [--security starttls|tls|none] [--user U]
 *               --from ADDR [--password-stdin] [--allow-self-signed]
 *   camvid mail --to A [--cc C] --subject S --body B [--attach FILE]... [--wait SECONDS]
 *   camvid mail --list
 *
 * Sending waits for the outcome. Exit codes: 0 sent, 1 failed (the server's words are printed),
 * 2 bad usage, 75 still queued when --wait ran out (EX_TEMPFAIL, as sendmail: the mail leaves the
 * next time an agent runs with this data folder).
 */
import type { ParseArgsConfig } from 'node:util';
import { CamvidError } from '../../protocol/errors.js';
import { DEFAULT_MAIL_PORT, MAIL_SECURITY, type MailSecurity, type MailSummary } from '../../protocol/mail.js';
import type { Agent } from '../agent.js';

export const EXIT_QUEUED = 75;
const DEFAULT_WAIT_S = 120;

export const MAIL_OPTIONS: ParseArgsConfig['options'] = {
  to: { type: 'string' },
  cc: { type: 'string' },
  subject: { type: 'string' },
  body: { type: 'string' },
  attach: { type: 'string', multiple: true },
  wait: { type: 'string' },
  list: { type: 'boolean' },
  setup: { type: 'boolean' },
  host: { type: 'string' },
  'smtp-port': { type: 'string' },
  security: { type: 'string' },
  user: { type: 'string' },
  from: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'allow-self-signed': { type: 'boolean' },
};

export const MAIL_USAGE = `usage:
  camvid mail --setup --host H [--smtp-port P] [--security starttls|tls|none] [--user U] --from ADDR
              [--password-stdin] [--allow-self-signed]
  camvid mail --to ADDR[,ADDR] [--cc ADDR] --subject S --body TEXT [--attach FILE]... [--wait SECONDS]
  camvid mail --list
exit codes: 0 sent, 1 failed, 2 bad usage, 75 still queued after --wait (default ${DEFAULT_WAIT_S} s)`;

type Values = Record<string, string | boolean | string[] | undefined>;

const usage = (message: string): number => {
  console.error(`camvid mail: ${message}\n\n${MAIL_USAGE}`);
  return 2;
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const describe = (m: MailSummary) => `${m.subject ? `"${m.subject}"` : '(no subject)'} to ${[...m.to, ...m.cc].join(', ')}`;

export async function mailCommand(v: Values, startAgent: () => Promise<Agent>): Promise<number> {
  if (v.help) {
    console.log(MAIL_USAGE);
    return 0;
  }
  const modes = [v.setup, v.list, v.to !== undefined].filter(Boolean).length;
  if (modes !== 1) return usage('give exactly one of --setup, --list or --to');
  const wait = Number(v.wait ?? DEFAULT_WAIT_S);
  if (!Number.isFinite(wait) || wait < 0) return usage('--wait must be a number of seconds');
  if (v.setup) {
    if (!v.host || !v.from) return usage('--setup needs --host and --from');
    if (v.security !== undefined && !(MAIL_SECURITY as readonly string[]).includes(v.security as string)) {
      return usage(`--security must be one of ${MAIL_SECURITY.join(', ')}`);
    }
    const security = (v.security as MailSecurity | undefined) ?? 'starttls';
    const port = Number(v['smtp-port'] ?? DEFAULT_MAIL_PORT[security]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return usage('--smtp-port must be a port number');
    // Never from an argument: it would show in `ps` and in shell history.
    const password = v['password-stdin'] ? await readStdin() : undefined;
    const agent = await startAgent();
    try {
      const view = await agent.features.mail.saveSettings({
        host: v.host as string,
        port,
        security,
        user: (v.user as string | undefined) ?? '',
        password,
        from: v.from as string,
        allowSelfSigned: v['allow-self-signed'] === true,
      });
      console.log(`mail settings saved: ${view.host}:${view.port} (${view.security}) as ${view.user || '(no login)'}, from ${view.from}; password ${view.passwordSaved ? 'saved' : 'not set'}`);
      return 0;
    } finally {
      await agent.close();
    }
  }
  if (v.to !== undefined && (v.subject === undefined || v.body === undefined)) return usage('--to needs --subject and --body');
  const agent = await startAgent();
  try {
    const mail = agent.features.mail;
    await mail.ready;
    if (v.list) {
      for (const m of mail.outbox.list()) {
        console.log(`${m.state.padEnd(7)} ${m.id}  ${describe(m)}${m.lastError ? `  — ${m.lastError}` : ''}`);
      }
      return 0;
    }
    const queued = await mail.send({
      to: v.to as string,
      cc: v.cc as string | undefined,
      subject: v.subject as string,
      body: v.body as string,
      attachments: ((v.attach as string[] | undefined) ?? []).map((p) => ({ kind: 'local' as const, path: p })),
    });
    console.log(`queued ${queued.messageId} ${describe(queued)}`);
    const done = await mail.waitForOutcome(queued.id, wait * 1000);
    if (done.state === 'sent') {
      console.log(`sent ${done.messageId}${done.lastError ? ` (${done.lastError})` : ''}`);
      return 0;
    }
    if (done.state === 'failed') throw new CamvidError('MAIL_FAILED', done.lastError ?? 'The mail failed.');
    console.log(
      `still queued after ${wait} s${done.lastError ? ` (last error: ${done.lastError})` : ''}; ` +
        'it will be sent the next time an agent runs with this data folder',
    );
    return EXIT_QUEUED;
  } finally {
    await agent.close();
  }
}
