import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';
import { JoinerHandshakeState } from '../../node-agent/auth/handshake.js';
import { deriveRoomKey, roomKeyFromPrs } from '../../node-agent/auth/room-key.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';
import { dialAddress, fetchRoomId } from '../../node-agent/room/join-address.js';
import { isAgentHost, MAX_PENDING_PER_ADDRESS, SignalServer } from '../../node-agent/signalling/signal-server.js';
import { connectSession, type HostPin } from '../../node-agent/signalling/signal-client.js';
import { CamvidError } from '../../protocol/errors.js';
import { signedJoin } from '../helpers/signed-join.js';

const test = suite('signalling server and client over a real WebSocket');
const ROOM = 'abcdefabcdef0123';
let server: SignalServer;
let port: number;
test.before.each(async () => {
  server = new SignalServer({ roomId: ROOM, roomKey: await deriveRoomKey('right', ROOM), identity: new HostIdentity(), port: 0, host: '127.0.0.1' });
  port = await server.listen();
});
test.after.each(() => server.close());

const attempt = async (password: string, localAddress = '127.0.0.1') => {
  try {
    const s = await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey: await deriveRoomKey(password, ROOM), localAddress });
    s.close();
    return 'ok';
  } catch (err) {
    return (err as CamvidError).code;
  }
};

test('the right password opens a session both ends can use; a wrong one gets BAD_PASSWORD', async () => {
  const got = new Promise<string>((resolve) =>
    server.on('session', (s) => s.on('message', (m) => resolve(m.type === 'join' ? m.name : m.type))),
  );
  const session = await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey: await deriveRoomKey('right', ROOM) });
  session.send(signedJoin(session, 'Ann').join);
  assert.is(await got, 'Ann');
  session.close();
  assert.is(await attempt('wrong'), 'BAD_PASSWORD');
});

test('failed attempts are throttled per address while another address still joins at once', async () => {
  const codes: string[] = [];
  for (let i = 0; i < 8; i++) codes.push(await attempt('wrong', '127.0.0.3'));
  assert.ok(codes.includes('THROTTLED'), codes.join(','));
  // Five free failures, then a wait; the server learns of a hang-up a moment after the client,
  // so one more attempt may slip in before the wait starts.
  const free = codes.indexOf('THROTTLED');
  assert.ok(free >= 5 && free <= 7, `throttled after ${free} failures`);
  assert.ok(codes.slice(free).every((c) => c === 'THROTTLED'), codes.join(','));
  assert.is(await attempt('right', '127.0.0.3'), 'THROTTLED', 'even the right password waits out the penalty');
  const t0 = Date.now();
  assert.is(await attempt('right', '127.0.0.4'), 'ok');
  assert.ok(Date.now() - t0 < 2000);
  assert.ok((server.refused.get('THROTTLED') ?? 0) >= 1);
});

test('hellos held open without a proof: at most MAX_PENDING_PER_ADDRESS are answered at once, and each is a failed attempt when it ends', async () => {
  // Each challenge lets its peer test the one guess its share was made with: holding many open
  // gets no more than the cap answered, and all of them count once they end without a proof.
  const open = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/camvid/signal`, { localAddress: '127.0.0.5' });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify(new JoinerHandshakeState(roomKeyFromPrs(randomBytes(32)), ROOM).hello()));
    const reply = await new Promise<string>((resolve) => {
      ws.once('message', (m) => {
        const r = JSON.parse(String(m)) as { type: string; code?: string };
        resolve(r.type === 'error' ? r.code! : r.type);
      });
      ws.once('close', () => resolve('dropped'));
    });
    return { ws, reply };
  };
  const held = [];
  for (let i = 0; i < MAX_PENDING_PER_ADDRESS; i++) held.push(await open());
  assert.equal(held.map((h) => h.reply), Array(MAX_PENDING_PER_ADDRESS).fill('challenge'));
  const beyond = await open();
  assert.is(beyond.reply, 'dropped', 'a hello beyond the cap is not answered');
  for (const h of held) h.ws.terminate();
  await new Promise((r) => setTimeout(r, 200));
  const after = await open();
  assert.is(after.reply, 'THROTTLED', 'the held-open hellos counted as failed attempts');
  after.ws.terminate();
});

test('a joiner pins the host identity: a second host with the same password but another identity is refused', async () => {
  const pin: HostPin = {};
  const roomKey = await deriveRoomKey('right', ROOM);
  (await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey, pin })).close();
  assert.ok(pin.hostKey);
  // A classmate who knows the password runs the "same" room on another port.
  const impostor = new SignalServer({ roomId: ROOM, roomKey, identity: new HostIdentity(), port: 0, host: '127.0.0.1' });
  const otherPort = await impostor.listen();
  try {
    const err = await connectSession({ address: '127.0.0.1', port: otherPort, roomId: ROOM, roomKey, pin }).then(() => null, (e: CamvidError) => e);
    assert.is(err?.code, 'BAD_MESSAGE');
    (await connectSession({ address: '127.0.0.1', port: otherPort, roomId: ROOM, roomKey })).close(); // unpinned, a valid room
    (await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey, pin })).close();
  } finally {
    await impostor.close();
  }
});

test('a room id this server does not host is refused with ROOM_NOT_FOUND', async () => {
  const other = 'ffffffffffffffff';
  try {
    await connectSession({ address: '127.0.0.1', port, roomId: other, roomKey: await deriveRoomKey('right', other) });
    assert.unreachable();
  } catch (err) {
    assert.is((err as CamvidError).code, 'ROOM_NOT_FOUND');
  }
});

/** One raw request with exactly these headers (`host: null`: none at all); its status and body. */
function raw(headers: Record<string, string | null>, opts: { path?: string; upgrade?: boolean } = {}): Promise<{ status: number; body: string }> {
  const { host = `127.0.0.1:${port}`, ...rest } = headers;
  const upgrade = opts.upgrade ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } : {};
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path ?? (opts.upgrade ? '/camvid/signal' : '/camvid/ping'), agent: false, setHost: false,
      headers: { ...(host === null ? {} : { host }), ...upgrade, ...(rest as Record<string, string>) },
    });
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end();
  });
}

test('a request from a browser (Origin) or by a name a DNS-rebinding page could use (Host) gets a bare 403', async () => {
  for (const upgrade of [false, true]) {
    const what = upgrade ? 'WebSocket' : 'ping';
    for (const [headers, why] of [
      [{ origin: 'http://evil.example' }, 'Origin'],
      [{ origin: 'null' }, 'Origin null'],
      [{ origin: `http://127.0.0.1:${port}` }, 'Origin even of this very address'],
      [{ host: 'evil.example:7710' }, 'Host evil.example'],
      [{ host: 'evil.example' }, 'Host without a port'],
      [{ host: 'localhost:7710' }, 'Host localhost'],
      [{ host: '127.0.0.1.nip.io:7710' }, 'Host ending like an IP'],
      [{ host: 'evil.local.example:7710' }, 'Host with .local inside'],
      [{ host: null }, 'no Host'],
    ] as [Record<string, string | null>, string][]) {
      const got = await raw(headers, { upgrade });
      assert.equal(got, { status: 403, body: '' }, `${what}: ${why}`);
    }
  }
});

test('agents’ requests are served: Host an IPv4 or IPv6 literal or a .local name, with or without a port', async () => {
  for (const host of [`127.0.0.1:${port}`, `[::1]:${port}`, `laptop-12.local:${port}`, '192.168.1.10', '[fe80::1]']) {
    const got = await raw({ host });
    assert.is(got.status, 200, host);
    assert.is(JSON.parse(got.body).roomId, ROOM, host);
    assert.is((await raw({ host }, { upgrade: true })).status, 101, `WebSocket with Host ${host}`);
  }
  assert.is((await raw({ host: `127.0.0.1:${port}` }, { path: '/other' })).status, 404);
  // The client's own requests pass: a real join (the first test) and the discovery probe.
  const session = await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey: await deriveRoomKey('right', ROOM) });
  session.close();
});

test('join by a typed name: the agent looks it up and dials the address, so the host lets it in', async () => {
  const address = await dialAddress('localhost');
  assert.ok(['127.0.0.1', '::1'].includes(address), address);
  assert.is(await fetchRoomId(address, port), ROOM);
  for (const a of ['10.1.2.3', 'fe80::1', 'laptop.local']) assert.is(await dialAddress(a), a);
  assert.is(await dialAddress('no-such-host.invalid').catch((err: CamvidError) => err.code), 'UNREACHABLE');
});

test('isAgentHost', () => {
  for (const h of ['10.0.0.7:7710', '[::1]:1', '[fe80::1%25eth0]:7710', 'Host-1.local', 'a.b.local.:7710']) assert.ok(isAgentHost(h), h);
  for (const h of [undefined, '', 'example.com', '[::1', '::1', '10.0.0.7:', '10.0.0.7:123456', '999.1.1.1', 'local', '.local', 'a..local', 'x.local:7710 extra']) {
    assert.not.ok(isAgentHost(h), String(h));
  }
});

test.run();
