/**
 * Chat input that must be refused: oversized and malformed messages from a member, and records a
 * relay forges on their way down the tree. The agents under test are real processes; the attacker
 * is an in-process member that knows the room password.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';
import { RoomMember } from '../../node-agent/overlay/room-member.js';
import { chatSigningBytes, type ChatRecord } from '../../protocol/chat.js';
import { Cluster } from '../helpers/agents.js';
import { AgentIdentity } from '../../node-agent/auth/agent-identity.js';

const test = suite('chat bad input');
let cluster: Cluster;
let rogue: RoomMember | null = null;
test.before.each(() => {
  cluster = new Cluster();
});
test.after.each(async () => {
  rogue?.close();
  rogue = null;
  // Let the in-process links finish closing with their (still running) peers: a link whose peer
  // vanishes mid-close keeps libdatachannel's threads, and so this process, alive for ~90 s.
  await sleep(500);
  await cluster.close();
});
const hex = () => randomBytes(8).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function joinRogue(port: number): Promise<RoomMember> {
  const { roomId } = (await (await fetch(`http://127.0.0.1:${port}/camvid/ping`)).json()) as { roomId: string };
  const m = new RoomMember({ address: '127.0.0.1', port, roomId, roomKey: await deriveRoomKey('secret', roomId), identity: new AgentIdentity(), name: 'rogue', bindAddress: '127.0.0.1' });
  await m.start();
  await m.whenJoined();
  return m;
}

test('oversized and malformed chat messages are refused and the room chats on', async () => {
  const { agent: host, port } = await cluster.startHost(['--stdin']);
  rogue = await joinRogue(port);
  const send = (msg: unknown) => (rogue as unknown as { send(m: unknown): boolean }).send(msg);
  send({ type: 'chat-send', id: hex(), text: 'x'.repeat(4097) });
  send({ type: 'chat-send', id: hex(), text: 'é'.repeat(2049) }); // 4098 bytes of UTF-8
  send({ type: 'chat-send', id: 'not-hex-at-all!!', text: 'hi' });
  send({ type: 'chat-send', id: hex(), text: '   ' });
  send({ type: 'chat-send', id: hex(), text: 42 });
  send({ type: 'chat-history', after: -5 });
  const okId = hex();
  send({ type: 'chat-send', id: okId, text: 'a fine message' });
  await host.waitFor(() => host.chat.some((r) => r.id === okId), 10_000, 'the valid message');
  assert.is(host.chat.length, 1, 'only the valid message was sequenced');
  assert.is(host.exitCode, null);
  host.command('say still here');
  await host.waitFor(() => host.chat.some((r) => r.text === 'still here'), 5000, 'the host chatting on');
});

test('a relay that forges a record (bad signature, or signed by another key) cannot get it shown downstream', async () => {
  const { agent: host, port } = await cluster.startHost(['--fanout', '1', '--stdin']);
  rogue = await joinRogue(port); // fan-out 1: the next student becomes the rogue's child
  const victim = cluster.startStudent('victim', `127.0.0.1:${port}`);
  await victim.waitForLine(/^joined /, 20_000);
  await sleep(300);
  const down = rogue.edges.children()[0];
  assert.ok(down, 'the victim hangs below the rogue');
  const hostId = host.roster.find((m) => m.role === 'host')!.id;
  const rec: ChatRecord = { seq: 1, id: hex(), from: hostId, name: 'Prof', role: 'host', text: 'the exam is cancelled', ts: Date.now() };
  down!.sendCtl({ type: 'chat', item: { rec, sig: Buffer.alloc(64, 7).toString('base64') } });
  const otherKey = new HostIdentity();
  down!.sendCtl({ type: 'chat', item: { rec, sig: otherKey.sign(chatSigningBytes(rec)) } });
  host.command('say real message');
  await victim.waitFor(() => victim.chat.some((r) => r.text === 'real message'), 10_000, 'the real message');
  assert.equal(victim.chat.map((r) => r.text), ['real message'], 'forged records never shown');
  assert.match(victim.output, /bad signature/);
});

test.run();
