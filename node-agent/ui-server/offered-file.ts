/**
 * `GET /file/<ticket>` of the UI server: a local file a feature offered the pages (a finished
 * download), streamed as an attachment so the browser saves it with its own download handler.
 * The UI server checks the peer, Host and token first; the ticket is the only way to name a file.
 */
import fs from 'node:fs/promises';
import type http from 'node:http';

/** The file behind a ticket, as the backend remembers it; undefined for a ticket never offered. */
export interface OfferedFile {
  file: string;
  name: string;
}

/** `filename="…"` keeps printable ASCII; `filename*` carries the real name (RFC 6266). */
const contentDisposition = (name: string): string =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export async function serveOfferedFile(req: http.IncomingMessage, res: http.ServerResponse, offer: OfferedFile | undefined): Promise<void> {
  const handle = offer && (await fs.open(offer.file, 'r').catch(() => null));
  if (!offer || !handle) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end('That file is no longer here.\n');
    return;
  }
  const { size } = await handle.stat();
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': size,
    'Content-Disposition': contentDisposition(offer.name),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  const stream = handle.createReadStream();
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
