import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { RoomHost } from '../../node-agent/overlay/room-host.js';
import { RoomMember } from '../../node-agent/overlay/room-member.js';
import { openDirect } from '../../node-agent/overlay/direct-connect.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { AgentIdentity } from '../../node-agent/auth/agent-identity.js';

const test = suite('direct edges between members');
const newId = () => randomBytes(8).toString('hex');
let host: RoomHost;
let members: RoomMember[] = [];

test.before.each(async () => {
  const roomId = newId();
  const roomKey = await deriveRoomKey('pw', roomId);
  host = new RoomHost({ roomId, roomName: 'CN', roomKey, hostId: newId(), hostName: 'Prof', port: 0, listenHost: '127.0.0.1', rootFanout: 1, fanout: 1, bindAddress: '127.0.0.1' });
  const port = await host.listen();
  members = [];
  for (const name of ['a', 'b', 'c']) {
    const m = new RoomMember({ address: '127.0.0.1', port, roomId, roomKey, identity: new AgentIdentity(), name, bindAddress: '127.0.0.1' });
    await m.start();
    await m.whenJoined();
    members.push(m);
  }
});
test.after.each(async () => {
  for (const m of members) m.close();
  await host.close();
});

const nextLab = (link: PeerLink) => new Promise<string>((resolve) => link.once('lab', (b) => resolve(b.toString())));

test('two members that are not neighbours in the tree get a direct edge with a working lab channel', async () => {
  const [a, , c] = members as [RoomMember, RoomMember, RoomMember];
  // fan-out 1 makes a chain host → a → b → c: a and c are not adjacent.
  assert.ok(!a.edges.children().some((l) => l.peerId === c.peerId));
  const cId = c.peerId;
  const aId = a.peerId;
  // As the agent asks (RoomContext.connectDirect): retried when libdatachannel fails a link at once.
  const [fromA, atC] = await Promise.all([
    openDirect(a.edges, cId, () => a.connectDirect(cId)),
    new Promise<PeerLink>((resolve) => c.edges.on('open', (l) => l.opts.kind === 'direct' && resolve(l))),
  ]);
  assert.is(fromA.peerId, cId);
  assert.is(atC.peerId, aId);
  const got = nextLab(atC);
  fromA.channel('lab')!.sendMessageBinary(Buffer.from('frame 0'));
  assert.is(await got, 'frame 0');
  assert.is(c.edges.parent?.opts.kind, 'tree', 'the tree edge is untouched');
});

test('the host can open a direct edge to a member, and a member leaving drops it at the other end', async () => {
  const b = members[1]!;
  const bId = b.peerId;
  const link = await openDirect(host.edges, bId, () => host.connectDirect(bId));
  assert.ok(link.isOpen);
  const closed = new Promise<void>((resolve) => link.on('closed', () => resolve()));
  b.close();
  await closed;
  assert.is(host.edges.directLinks().length, 0);
});

test('asking for a member who is not in the room is refused', async () => {
  try {
    await host.connectDirect(newId());
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'NOT_IN_ROOM');
  }
});

test.run();
