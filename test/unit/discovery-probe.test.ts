/**
 * The liveness probe against real HTTP servers on 127.0.0.1, the address choice for a browse
 * result, and the guard that keeps a throwing mDNS listener from crashing the agent.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guardEmitter, type MulticastDns } from '../../node-agent/discovery/mdns.js';
import { PING_PATH, pingResponse, probeRoom } from '../../node-agent/discovery/probe.js';
import { pickAddress } from '../../node-agent/discovery/room-browser.js';

const ID = '0123456789abcdef';
const OTHER = 'fedcba9876543210';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const servers: Array<http.Server | net.Server> = [];
const sockets = new Set<net.Socket>();
async function listen<S extends http.Server | net.Server>(server: S): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
const serveHttp = (handler: http.RequestListener) => listen(http.createServer(handler));
const serveJson = (body: string, status = 200) =>
  serveHttp((req, res) => {
    if (req.url !== PING_PATH) return void res.writeHead(404).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });

test.after(async () => {
  // A raw socket that never reads never sees the probe hang up: destroy them, or close() waits.
  for (const socket of sockets) socket.destroy();
  for (const s of servers) {
    await new Promise((resolve) => s.close(resolve));
  }
});

test('the ping body is pinned: {"v":3,"roomId":<id>}', () => {
  assert.is(pingResponse(ID), `{"v":3,"roomId":"${ID}"}`);
  assert.is(PING_PATH, '/camvid/ping');
});

test('a host that answers the ping with its room id is alive', async () => {
  const port = await serveJson(pingResponse(ID));
  assert.is(await probeRoom('127.0.0.1', port, ID, 700), true);
});

const DEAD: Array<[string, () => Promise<number>, string?]> = [
  ['answers for another room', () => serveJson(pingResponse(OTHER))],
  ['answers with another protocol version', () => serveJson(JSON.stringify({ v: 1, roomId: ID }))],
  ['answers with the version as text', () => serveJson(JSON.stringify({ v: '3', roomId: ID }))],
  ['answers 404', () => serveJson(pingResponse(ID), 404)],
  ['answers 500', () => serveJson(pingResponse(ID), 500)],
  ['answers with truncated JSON', () => serveJson(pingResponse(ID).slice(0, -3))],
  ['answers with a JSON array', () => serveJson(`[${pingResponse(ID)}]`)],
  ['answers with JSON null', () => serveJson('null')],
  ['answers with an empty body', () => serveJson('')],
  ['answers with a huge body', () => serveJson(`{"v":1,"roomId":"${ID}","pad":"${'x'.repeat(200_000)}"}`)],
  ['answers after the timeout', () => serveHttp((_req, res) => void setTimeout(() => res.end(pingResponse(ID)), 1500))],
  ['accepts the connection and never answers', () => listen(net.createServer(() => {}))],
  ['hangs up without a word', () => listen(net.createServer((socket) => socket.destroy()))],
  ['speaks something that is not HTTP', () => listen(net.createServer((socket) => socket.end('SSH-2.0-OpenSSH\r\n')))],
  ['sends half a body and hangs up', () => listen(net.createServer((socket) => {
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"v":2,"roomId"');
  }))],
];

for (const [what, start] of DEAD) {
  test(`a host that ${what} is not alive`, async () => {
    const port = await start();
    const started = Date.now();
    assert.is(await probeRoom('127.0.0.1', port, ID, 700), false);
    assert.ok(Date.now() - started < 1200, `probe took ${Date.now() - started} ms`);
  });
}

test('a closed port, a bad port and a bad address are not alive, and the probe never throws', async () => {
  const port = await listen(net.createServer());
  await new Promise((resolve) => servers.pop()!.close(resolve));
  assert.is(await probeRoom('127.0.0.1', port, ID, 700), false);
  assert.is(await probeRoom('127.0.0.1', 0, ID, 700), false);
  assert.is(await probeRoom('127.0.0.1', 70000, ID, 700), false);
  assert.is(await probeRoom('not an address', 80, ID, 700), false);
});

const ADDRESSES: Array<[string, { addresses?: string[]; referer?: { address: string } }, string | null]> = [
  ['the packet source when the host lists it', { addresses: ['10.0.0.5', '192.168.1.9'], referer: { address: '192.168.1.9' } }, '192.168.1.9'],
  ['the first listed IPv4 when the source is not listed', { addresses: ['fe80::1', '10.0.0.5', '10.0.0.6'], referer: { address: '10.9.9.9' } }, '10.0.0.5'],
  ['the packet source when no address is listed (loopback-only host)', { addresses: [], referer: { address: '127.0.0.1' } }, '127.0.0.1'],
  ['the packet source when only IPv6 is listed', { addresses: ['fe80::1'], referer: { address: '10.1.1.1' } }, '10.1.1.1'],
  ['no address when there is nothing usable', { addresses: ['fe80::1', 'garbage'] }, null],
  ['no multicast, broadcast or unspecified address', { addresses: ['224.0.0.251', '255.255.255.255', '0.0.0.0'], referer: { address: '10.1.1.2' } }, '10.1.1.2'],
];

for (const [what, service, expected] of ADDRESSES) {
  test(`a browse result's address is ${what}`, () => {
    assert.is(pickAddress(service as Parameters<typeof pickAddress>[0]), expected);
  });
}

test('a throwing mDNS listener neither escapes emit nor stops the other listeners', () => {
  const mdns = new EventEmitter() as unknown as MulticastDns & EventEmitter;
  guardEmitter(mdns, quiet);
  const calls: string[] = [];
  mdns.on('response', () => {
    throw new Error('malformed packet');
  });
  mdns.on('response', (packet: unknown) => calls.push(`second ${String(packet)}`));
  mdns.once('response', () => calls.push('once'));
  assert.not.throws(() => mdns.emit('response', 'p1'));
  assert.not.throws(() => mdns.emit('response', 'p2'));
  assert.equal(calls, ['second p1', 'once', 'second p2']);
  assert.is(mdns.emit('nothing'), false);
  // An 'error' with no listener still throws, as EventEmitter promises; ours always has one.
  assert.throws(() => mdns.emit('error', new Error('EACCES')));
});

test.run();
