import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { UiServer, type UiBackend } from '../../node-agent/ui-server/ui-server.js';
import type { RosterEntry } from '../../protocol/common.js';
import { CamvidError } from '../../protocol/errors.js';
import type { AgentState, DiscoveredRoom, UiEvent, UiRequest } from '../../protocol/ui.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

const ROOM: DiscoveredRoom = { id: 'a1b2c3d4e5f60718', name: 'Computer Networks', hostName: 'Dr. Ada', address: '10.0.0.5', port: 7700 };
const IDLE: AgentState = { phase: 'idle', me: null, room: null, joinAddresses: [], lastError: null, resumable: null };
const HOST: RosterEntry = { id: '00112233445566ff', name: 'Dr. Ada', role: 'host', parentId: null, state: 'connected' };

/** A backend that records requests, fails `join` with BAD_PASSWORD and `leave` with a plain Error. */
function fakeBackend() {
  const listeners = new Set<(ev: UiEvent) => void>();
  const handled: UiRequest[] = [];
  const backend: UiBackend & { handled: UiRequest[]; push(ev: UiEvent): void; listeners: number } = {
    handled,
    snapshot: () => ({ state: IDLE, rooms: [ROOM], roster: [HOST] }),
    async handle(req) {
      handled.push(req);
      if (req.type === 'join') throw new CamvidError('BAD_PASSWORD');
      if (req.type === 'leave') throw new Error('something internal broke');
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (ev) => listeners.forEach((l) => l(ev)),
    get listeners() {
      return listeners.size;
    },
  };
  return backend;
}

async function start() {
  const distDir = await fs.mkdtemp(path.join(os.tmpdir(), 'camvid-ui-dist-'));
  await fs.writeFile(path.join(distDir, 'index.html'), '<!doctype html><title>CAMVID</title>');
  await fs.writeFile(path.join(distDir, 'app.js'), 'console.log("app")');
  const backend = fakeBackend();
  const ui = new UiServer({ backend, port: 0, distDir });
  await ui.listen();
  const cleanup = async () => {
    await ui.close();
    await fs.rm(distDir, { recursive: true, force: true });
  };
  return { ui, backend, cleanup };
}

/** GET with full control of the Host header (fetch does not let a caller set it). */
function get(port: number, pathAndQuery: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathAndQuery, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** A UI WebSocket whose messages can be awaited one at a time. */
class Probe {
  readonly ws: WebSocket;
  readonly #queue: UiEvent[] = [];
  #waiter: ((ev: UiEvent) => void) | null = null;

  constructor(url: string, origin?: string) {
    this.ws = new WebSocket(url, origin ? { origin } : {});
    this.ws.on('message', (data) => {
      const ev = JSON.parse(String(data)) as UiEvent;
      if (this.#waiter) this.#waiter(ev);
      else this.#queue.push(ev);
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  next(timeoutMs = 2000): Promise<UiEvent> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within timeout')), timeoutMs);
      this.#waiter = (ev) => {
        clearTimeout(timer);
        this.#waiter = null;
        resolve(ev);
      };
    });
  }

  send(v: unknown): void {
    this.ws.send(typeof v === 'string' ? v : JSON.stringify(v));
  }

  closed(): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }
}

const apiUrl = (ui: UiServer, token = ui.token) => `ws://127.0.0.1:${ui.port}/api?token=${encodeURIComponent(token)}`;
const ownOrigin = (ui: UiServer) => `http://127.0.0.1:${ui.port}`;

/** Resolves with the HTTP status of a refused upgrade; fails if the upgrade succeeds. */
function refusedStatus(url: string, opts: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.on('error', () => {});
  });
}

test('the url carries a 32-byte base64url token and the chosen port on 127.0.0.1', async () => {
  const { ui, cleanup } = await start();
  try {
    assert.match(ui.url, new RegExp(`^http://127\\.0\\.0\\.1:${ui.port}/\\?token=[A-Za-z0-9_-]{43}$`));
    assert.is.not(new UiServer({ backend: fakeBackend(), port: 0 }).token, ui.token);
  } finally {
    await cleanup();
  }
});

test('the index needs the right token and is served with a strict content policy', async () => {
  const { ui, cleanup } = await start();
  try {
    assert.is((await get(ui.port, '/')).status, 403);
    assert.is((await get(ui.port, '/?token=wrong')).status, 403);
    assert.is((await get(ui.port, `/?token=${ui.token}x`)).status, 403);
    const ok = await get(ui.port, `/?token=${ui.token}`);
    assert.is(ok.status, 200);
    assert.match(String(ok.headers['content-type']), /^text\/html/);
    assert.match(ok.body, /<title>CAMVID<\/title>/);
    assert.match(String(ok.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.is(ok.headers['referrer-policy'], 'no-referrer');
  } finally {
    await cleanup();
  }
});

test('the bundle is served without a token and unknown paths are 404', async () => {
  const { ui, cleanup } = await start();
  try {
    const js = await get(ui.port, '/app.js');
    assert.is(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.is((await get(ui.port, '/../../etc/passwd')).status, 404);
    assert.is((await get(ui.port, '/meta.json')).status, 404);
  } finally {
    await cleanup();
  }
});

test('an offered file is a download with the token only, by its ticket only; nothing else on disk is reachable', async () => {
  const { ui, backend, cleanup } = await start();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'camvid-ui-offer-'));
  const file = path.join(dir, 'week 1 "notes".txt');
  await fs.writeFile(file, 'lecture notes');
  const ticket = 'ab'.repeat(16);
  backend.offeredFile = (t) => (t === ticket ? { file, name: path.basename(file) } : undefined);
  try {
    const ok = await get(ui.port, `/file/${ticket}?token=${ui.token}`);
    assert.is(ok.status, 200);
    assert.is(ok.body, 'lecture notes');
    assert.is(ok.headers['content-type'], 'application/octet-stream');
    assert.is(ok.headers['content-disposition'], `attachment; filename="week 1 _notes_.txt"; filename*=UTF-8''${encodeURIComponent('week 1 "notes".txt')}`);
    assert.is((await get(ui.port, `/file/${ticket}`)).status, 403, 'no token');
    assert.is((await get(ui.port, `/file/${ticket}?token=${ui.token}`, 'evil.example')).status, 403, 'foreign Host');
    assert.is((await get(ui.port, `/file/${'cd'.repeat(16)}?token=${ui.token}`)).status, 404, 'a ticket never offered');
    assert.is((await get(ui.port, `/file/..%2F..%2Fetc%2Fpasswd?token=${ui.token}`)).status, 404, 'not a ticket');
    await fs.rm(file);
    assert.is((await get(ui.port, `/file/${ticket}?token=${ui.token}`)).status, 404, 'a file gone since');
  } finally {
    await cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a request with a foreign Host header is refused even with the token', async () => {
  const { ui, cleanup } = await start();
  try {
    for (const host of ['evil.example', `evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`, '127.0.0.1']) {
      assert.is((await get(ui.port, `/?token=${ui.token}`, host)).status, 403, host);
      assert.is((await get(ui.port, '/app.js', host)).status, 403, host);
    }
    assert.is((await get(ui.port, `/?token=${ui.token}`, `localhost:${ui.port}`)).status, 200);
  } finally {
    await cleanup();
  }
});

test('an HTTP request to /api without the token is refused', async () => {
  const { ui, cleanup } = await start();
  try {
    assert.is((await get(ui.port, '/api')).status, 403);
    assert.is((await get(ui.port, '/api?token=nope')).status, 403);
    assert.is((await get(ui.port, `/api?token=${ui.token}`)).status, 426);
  } finally {
    await cleanup();
  }
});

test('a WebSocket without the right token, or from another origin, is refused', async () => {
  const { ui, cleanup } = await start();
  try {
    const origin = ownOrigin(ui);
    assert.is(await refusedStatus(`ws://127.0.0.1:${ui.port}/api`, { origin }), 403);
    assert.is(await refusedStatus(apiUrl(ui, 'wrong'), { origin }), 403);
    assert.is(await refusedStatus(apiUrl(ui), { origin: 'http://evil.example' }), 403);
    assert.is(await refusedStatus(apiUrl(ui), { origin: `http://127.0.0.1:${ui.port + 1}` }), 403);
    assert.is(await refusedStatus(apiUrl(ui), {}), 403, 'no Origin at all');
    assert.is(await refusedStatus(`ws://127.0.0.1:${ui.port}/other?token=${ui.token}`, { origin }), 403);
    assert.is(await refusedStatus(apiUrl(ui), { origin, headers: { Host: 'evil.example' } }), 403);
  } finally {
    await cleanup();
  }
});

test('a UI with token and own origin gets hello, rooms and roster, then pushed events', async () => {
  const { ui, backend, cleanup } = await start();
  try {
    for (const origin of [ownOrigin(ui), `http://localhost:${ui.port}`]) {
      const p = new Probe(apiUrl(ui), origin);
      await p.opened();
      assert.equal(await p.next(), { type: 'hello', v: PROTOCOL_VERSION, state: IDLE });
      assert.equal(await p.next(), { type: 'rooms', rooms: [ROOM] });
      assert.equal(await p.next(), { type: 'roster', members: [HOST] });
      backend.push({ type: 'rooms', rooms: [] });
      assert.equal(await p.next(), { type: 'rooms', rooms: [] });
      p.ws.close();
      await p.closed();
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.is(backend.listeners, 0, 'closed sockets unsubscribe from the backend');
  } finally {
    await cleanup();
  }
});

test('invalid messages get a BAD_MESSAGE reply when they carry an id and the socket stays open', async () => {
  const { ui, backend, cleanup } = await start();
  try {
    const p = new Probe(apiUrl(ui), ownOrigin(ui));
    await p.opened();
    for (let i = 0; i < 3; i++) await p.next();
    p.send('this is not json');
    p.send(Buffer.from([1, 2, 3]));
    p.send({ type: 'teleport', id: 7 });
    p.send({ type: 'host', id: 8, room: 'R', password: '' });
    p.send({ type: 'join', id: -1, name: 'x', password: 'y' });
    const r7 = await p.next();
    assert.is(r7.type === 'reply' && r7.id, 7);
    assert.is(r7.type === 'reply' && r7.error?.code, 'BAD_MESSAGE');
    const r8 = await p.next();
    assert.is(r8.type === 'reply' && r8.id, 8);
    assert.is(r8.type === 'reply' && r8.error?.code, 'BAD_MESSAGE');
    p.send({ type: 'host', id: 9, room: 'Computer Networks', password: 'admin', name: 'Ada', fanout: 4 });
    assert.equal(await p.next(), { type: 'reply', id: 9 }, 'the socket still works');
    assert.is(backend.handled.length, 1, 'only the valid request reached the backend');
    assert.is(p.ws.readyState, WebSocket.OPEN);
    p.ws.close();
  } finally {
    await cleanup();
  }
});

test('a backend failure is answered with its code and message', async () => {
  const { ui, cleanup } = await start();
  try {
    const p = new Probe(apiUrl(ui), ownOrigin(ui));
    await p.opened();
    for (let i = 0; i < 3; i++) await p.next();
    p.send({ type: 'join', id: 1, name: 'Bo', password: 'wrong', roomId: ROOM.id });
    assert.equal(await p.next(), { type: 'reply', id: 1, error: { code: 'BAD_PASSWORD', message: 'Wrong room password.' } });
    // A plain Error from the backend is logged, still answered, and the agent keeps serving.
    const logged: unknown[][] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    let r2: UiEvent;
    try {
      p.send({ type: 'leave', id: 2 });
      r2 = await p.next();
    } finally {
      console.error = consoleError;
    }
    assert.ok(logged.some((args) => args.some((a) => a instanceof Error && /internal broke/.test(a.message))));
    assert.is(r2.type === 'reply' && r2.id, 2);
    assert.ok(r2.type === 'reply' && r2.error);
    p.ws.close();
  } finally {
    await cleanup();
  }
});

test('a message over 64 KiB closes only that socket', async () => {
  const { ui, cleanup } = await start();
  try {
    const big = new Probe(apiUrl(ui), ownOrigin(ui));
    const other = new Probe(apiUrl(ui), ownOrigin(ui));
    await Promise.all([big.opened(), other.opened()]);
    big.send({ type: 'leave', id: 1, pad: 'x'.repeat(70 * 1024) });
    assert.is(await big.closed(), 1009);
    for (let i = 0; i < 3; i++) await other.next();
    other.send({ type: 'host', id: 3, room: 'R', password: 'p', name: 'N' });
    assert.equal(await other.next(), { type: 'reply', id: 3 });
    other.ws.close();
  } finally {
    await cleanup();
  }
});

test('close is idempotent, closes open UI sockets and refuses a later listen', async () => {
  const { ui, cleanup } = await start();
  const p = new Probe(apiUrl(ui), ownOrigin(ui));
  await p.opened();
  const closed = p.closed();
  const first = ui.close();
  assert.is(ui.close(), first);
  await first;
  assert.is(await closed, 1001);
  try {
    await ui.listen();
    assert.unreachable('listen after close should reject');
  } catch (err) {
    assert.instance(err, CamvidError);
    assert.is((err as CamvidError).code, 'CLOSED');
  }
  await cleanup();
});

test('the constructor rejects a missing backend, a bad port and a short token', () => {
  assert.throws(() => new UiServer({ port: 0 } as never), TypeError);
  assert.throws(() => new UiServer({ backend: fakeBackend(), port: -1 }), TypeError);
  assert.throws(() => new UiServer({ backend: fakeBackend(), port: 0, token: 'short' }), TypeError);
});

test.run();
