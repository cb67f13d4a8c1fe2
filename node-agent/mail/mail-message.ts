/**
 * Turns a checked draft into the exact bytes that will go over SMTP, once, when the mail is
 * queued. Every retry then sends the same message (same Message-ID, same Date, same attachment
 * bytes even if the file on disk changes later), which is what lets a receiver recognise a
 * duplicate by its Message-ID.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { CamvidError } from '../../protocol/errors.js';
import {
  type AttachmentSource,
  type MailAddress,
  MAX_ATTACHMENT_BYTES,
  assertHeaderSafe,
  formatAddress,
  parseAddressList,
} from '../../protocol/mail.js';

export interface ResolvedAttachment {
  filename: string;
  content: Buffer;
}

/**
 * One resolver per attachment kind. The room's file share adds `share: (src) => …` here (fetching
 * the file through the files feature) once that exists; the outbox never needs to know.
 */
type Resolvers = { [K in AttachmentSource['kind']]: (src: Extract<AttachmentSource, { kind: K }>) => Promise<ResolvedAttachment> };

const RESOLVERS: Resolvers = {
  async local(src) {
    const file = path.resolve(src.path.startsWith('~/') ? path.join(os.homedir(), src.path.slice(2)) : src.path);
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      throw new CamvidError('BAD_MAIL', `Cannot attach ${src.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    if (!info.isFile()) throw new CamvidError('BAD_MAIL', `Cannot attach ${src.path}: not a file.`);
    if (info.size > MAX_ATTACHMENT_BYTES) throw new CamvidError('BAD_MAIL', `${src.path} is larger than ${MAX_ATTACHMENT_BYTES >> 20} MB.`);
    return { filename: path.basename(file), content: await readFile(file) };
  },
};

export async function resolveAttachments(sources: readonly AttachmentSource[]): Promise<ResolvedAttachment[]> {
  const out: ResolvedAttachment[] = [];
  let total = 0;
  for (const src of sources) {
    const a = await RESOLVERS[src.kind](src);
    assertHeaderSafe('An attachment name', a.filename);
    total += a.content.length;
    if (total > MAX_ATTACHMENT_BYTES) throw new CamvidError('BAD_MAIL', `The attachments add up to more than ${MAX_ATTACHMENT_BYTES >> 20} MB.`);
    out.push(a);
  }
  return out;
}

/** `<random.time@domain-of-sender>`: unique, and stable because it is stored with the mail. */
export function newMessageId(from: string): string {
  const domain = parseAddressList('From', from, { min: 1 })[0]!.address.split('@')[1]!;
  return `<${randomBytes(12).toString('hex')}.${Date.now().toString(36)}@${domain}>`;
}

export interface BuiltMessage {
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  body: string;
  attachments: ResolvedAttachment[];
  messageId: string;
  date: Date;
}

export function buildMessage(m: BuiltMessage): Promise<Buffer> {
  const composer = new MailComposer({
    from: formatAddress(m.from),
    to: m.to.map(formatAddress),
    cc: m.cc.length ? m.cc.map(formatAddress) : undefined,
    subject: m.subject,
    text: m.body,
    messageId: m.messageId,
    date: m.date,
    attachments: m.attachments.map((a) => ({ filename: a.filename, content: a.content })),
    // The content is ours alone: never let a value be read as a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
