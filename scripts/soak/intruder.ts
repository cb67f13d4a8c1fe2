/**
 * The soak's hostile LAN neighbour, run inside a lab host: for as long as it lives it throws bad
 * input at the room host's signalling port at a steady rate, cycling through
 *
 *   guess      a full handshake with a random key (a password guess; throttled after a few)
 *   ws-junk    a WebSocket to /camvid/signal that sends malformed, mistyped or oversized frames
 *   tcp-junk   random bytes straight onto the TCP port
 *   http-junk  HTTP requests for other paths and with broken headers
 *
 * and prints `{"tried":{kind:n,…},"answers":{code:n,…}}` every 2 s (the soak keeps the last line).
 * An answer is what the host did: BAD_PASSWORD, THROTTLED, closed, 404, … Anything else the host
 * does (crash, hang) shows up in the soak as lost chat, video or files.
 *
 *   node --import tsx scripts/soak/intruder.ts HOST PORT PER_SECOND
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import type { CamvidError } from '../../protocol/errors.js';
import { roomKeyFromPrs } from '../../node-agent/auth/room-key.js';
import { connectSession } from '../../node-agent/signalling/signal-client.js';
import { roomIdAt } from '../../test/helpers/password-attack.js';

const [address = '', portArg = '', rateArg = '5'] = process.argv.slice(2);
const port = Number(portArg);
const perSecond = Number(rateArg);
const tried: Record<string, number> = {};
const answers: Record<string, number> = {};
const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
const JUNK_FRAMES: (string | Buffer)[] = [
  '{}', 'null', '[]', '{"type":"hello"}', '{"type":"hello","v":99,"roomId":"zz"}', '{"type":"proof","sig":"AAAA"}',
  '{"type":"__proto__"}', '{"type":', '\u0000\u0001', JSON.stringify({ type: 'hello', pad: 'x'.repeat(70_000) }),
];

function settle(kind: string, work: (done: (answer: string) => void) => void): Promise<void> {
  count(tried, kind);
  return new Promise((resolve) => {
    let over = false;
    const done = (answer: string) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      count(answers, answer);
      resolve();
    };
    const timer = setTimeout(() => done('no answer in 5 s'), 5000);
    work(done);
  });
}

const attacks: Record<string, (roomId: string, i: number) => Promise<void>> = {
  guess: (roomId) =>
    settle('guess', (done) => {
      connectSession({ address, port, roomId, roomKey: roomKeyFromPrs(randomBytes(32)) }).then(
        (s) => {
          s.close();
          done('ACCEPTED');
        },
        (err: CamvidError) => done(err.code ?? 'error'),
      );
    }),
  'ws-junk': (_roomId, i) =>
    settle('ws-junk', (done) => {
      const ws = new WebSocket(`ws://${address}:${port}/camvid/signal`);
      ws.on('open', () => {
        const frame = i % 3 === 0 ? randomBytes(1 + (i % 500)) : JUNK_FRAMES[i % JUNK_FRAMES.length]!;
        ws.send(frame);
      });
      ws.on('message', (data) => {
        try {
          done(`refused ${(JSON.parse(data.toString()) as { code?: string }).code ?? 'frame'}`);
        } catch {
          done('answered');
        }
        ws.terminate();
      });
      ws.on('close', () => done('closed'));
      ws.on('error', () => done('closed'));
    }),
  'tcp-junk': (_roomId, i) =>
    settle('tcp-junk', (done) => {
      const sock = net.connect(port, address, () => sock.write(randomBytes(1 + (i % 2000))));
      sock.on('data', () => {
        done('answered');
        sock.destroy();
      });
      sock.on('close', () => done('closed'));
      sock.on('error', () => done('closed'));
      sock.setTimeout(3000, () => {
        done('ignored');
        sock.destroy();
      });
    }),
  'http-junk': (_roomId, i) =>
    settle('http-junk', (done) => {
      const requests = ['GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', 'POST /camvid/ping HTTP/1.1\r\nContent-Length: -1\r\n\r\n', `GET /camvid/${'a'.repeat(9000)} HTTP/1.1\r\n\r\n`, 'GET / HTTP/9.9\r\n\u0000\r\n\r\n'];
      const sock = net.connect(port, address, () => sock.write(requests[i % requests.length]!));
      sock.once('data', (d) => {
        done(`http ${/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1] ?? 'other'}`);
        sock.destroy();
      });
      sock.on('close', () => done('closed'));
      sock.on('error', () => done('closed'));
    }),
};

const roomId = await roomIdAt(address, port);
const kinds = Object.keys(attacks);
setInterval(() => console.log(JSON.stringify({ tried, answers })), 2000);
for (let i = 0; ; i++) {
  const started = performance.now();
  await attacks[kinds[i % kinds.length]!]!(roomId, i);
  const wait = 1000 / perSecond - (performance.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
