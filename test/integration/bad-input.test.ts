/**
 * Random and malformed bytes at every door a peer can reach: the signalling port (raw TCP, HTTP,
 * WebSocket before and after the handshake) and each data channel of a tree edge, in both
 * directions. The agent under test is a real process; afterwards it must still be running and
 * still let a well-behaved student in.
 */
import * as assert from 'uvu/assert';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { RoomHost } from '../../node-agent/overlay/room-host.js';
import { RoomMember } from '../../node-agent/overlay/room-member.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { connectSession } from '../../node-agent/signalling/signal-client.js';
import type { FrameTransport } from '../../node-agent/signalling/frame-transport.js';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { until } from '../helpers/until.js';
import { signedJoin } from '../helpers/signed-join.js';
import { AgentIdentity } from '../../node-agent/auth/agent-identity.js';

const { test, ctx } = clusterSuite('bad input from peers');

const ROUNDS = 200;
const rnd = (max: number) => randomBytes(1 + Math.floor(Math.random() * max));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newId = () => randomBytes(8).toString('hex');

async function roomIdOf(port: number): Promise<string> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/camvid/ping`)).json()) as { roomId: string };
  return body.roomId;
}

/** Garbage that a hostile LAN neighbour might send: JSON-ish, truncated, huge, binary. */
function garbage(i: number): string | Buffer {
  const samples = [
    '{}', 'null', '[]', '{"type":"ping"}', '{"type":"ping","t":-1}', '{"type":"roster","members":"x"}',
    '{"type":"__proto__"}', '{"type":"constructor","t":1}', '{"type":"pong","t":1e400}', '{"type":', '\u0000\u0001',
    JSON.stringify({ type: 'ping', t: 1, extra: 'x'.repeat(70_000) }),
  ];
  return i % 2 === 0 ? samples[i % samples.length]! : rnd(i % 7 === 0 ? 60_000 : 300);
}

function spray(link: PeerLink): number {
  let sent = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const label of ['ctl', 'bulk', 'lab'] as const) {
      const dc = link.channel(label);
      if (!dc) continue;
      const g = garbage(i + (label === 'ctl' ? 0 : 1));
      try {
        if (typeof g === 'string') dc.sendMessage(g);
        else dc.sendMessageBinary(g);
        sent++;
      } catch {
        /* the channel may refuse an oversized message: that is fine */
      }
    }
  }
  return sent;
}

test('garbage on the signalling port (TCP, HTTP, WebSocket before and after the handshake) leaves the host answering', async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  const roomId = await roomIdOf(port);
  for (let i = 0; i < ROUNDS; i++) {
    await new Promise<void>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(i % 3 === 0 ? rnd(2000) : `GET /camvid/signal HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n${rnd(50).toString('latin1')}\r\n\r\n`);
        sock.end();
      });
      // A server may keep a half-closed socket open for a while: that is not the host failing,
      // and waiting on it forever hung this file for 300 s with no output once in CI.
      const timer = setTimeout(() => sock.destroy(), 3000);
      sock.on('error', () => resolve());
      sock.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  // WebSocket frames that are not a handshake.
  for (let i = 0; i < 50; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/camvid/signal`);
    await new Promise<void>((resolve) => {
      ws.on('open', () => {
        const g = garbage(i);
        ws.send(i % 5 === 0 ? JSON.stringify({ type: 'hello', v: 3, roomId, role: 'join', sid: 'A'.repeat(43) + '=', share: '!!' }) : g);
      });
      ws.on('close', () => resolve());
      ws.on('error', () => resolve());
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
    });
  }
  // After a real handshake: garbage sealed frames and nonsense session messages.
  const roomKey = await deriveRoomKey('secret', roomId);
  for (let i = 0; i < 20; i++) {
    const session = await Promise.race([
      connectSession({ address: '127.0.0.1', port, roomId, roomKey }),
      sleep(15_000).then(() => Promise.reject(new Error(`handshake ${i} with the host took over 15 s`))),
    ]);
    if (i % 2 === 0) {
      (session as unknown as { transport: FrameTransport }).transport.sendBinary(rnd(500));
    } else {
      session.send(signedJoin(session, 'x'.repeat(64)).join);
      session.send({ type: 'signal', edge: `${newId()}>${newId()}#1`, peer: newId(), data: { kind: 'offer', sdp: 'v=garbage' } });
      session.send({ type: 'edge', edge: `${newId()}>${newId()}#9`, state: 'lost' });
    }
    await sleep(20);
    session.close();
  }
  assert.is(host.exitCode, null, 'host still running');
  assert.is(await roomIdOf(port), roomId, 'host still answers its ping');
  const good = ctx.cluster.startStudent('good', `127.0.0.1:${port}`);
  await good.waitForLine(/^joined /, 20_000);
});

test('garbage on every data channel from a child and from a parent leaves the agent running and relaying', async () => {
  // A real host agent process, attacked by an in-process member that holds the password.
  const { agent: host, port } = await ctx.cluster.startHost();
  const roomId = await roomIdOf(port);
  const roomKey = await deriveRoomKey('secret', roomId);
  const rogueChild = new RoomMember({ address: '127.0.0.1', port, roomId, roomKey, identity: new AgentIdentity(), name: 'rogue', bindAddress: '127.0.0.1' });
  await rogueChild.start();
  await rogueChild.whenJoined();
  assert.ok(spray(rogueChild.edges.parent!) > ROUNDS, 'garbage sent up to the host');

  // A real student agent process, attacked by an in-process parent: a rogue host it joins.
  const rogueRoomId = newId();
  const rogueHost = new RoomHost({
    roomId: rogueRoomId, roomName: 'Rogue', roomKey: await deriveRoomKey('secret', rogueRoomId), hostId: newId(), hostName: 'Mallory',
    port: 0, listenHost: '127.0.0.1', rootFanout: 4, fanout: 4, bindAddress: '127.0.0.1',
  });
  const roguePort = await rogueHost.listen();
  const victim = ctx.cluster.startStudent('victim', `127.0.0.1:${roguePort}`);
  await victim.waitForLine(/^joined /, 20_000);
  // The student prints `joined` once its side of the edge is open; the rogue host's side can
  // open a moment later on a loaded machine.
  const down = await until(() => rogueHost.edges.children().find((l) => l.isOpen), 10_000, 'the rogue host\'s edge to the student');
  assert.ok(spray(down) > ROUNDS, 'garbage sent down to the student');

  await sleep(1000);
  assert.is(host.exitCode, null, 'host still running');
  assert.is(victim.exitCode, null, 'student still running');
  // The attacked host still admits and relays: a new student joins and sees the roster.
  const good = ctx.cluster.startStudent('good', `127.0.0.1:${port}`);
  await good.waitForLine(/^joined /, 20_000);
  await good.waitFor(() => good.roster.some((m) => m.name === 'rogue'), 5000, 'the roster');
  rogueChild.close();
  await rogueHost.close();
});

test.run();
