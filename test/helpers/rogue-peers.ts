/**
 * In-process peers that hold the room password but not the rules, for tests of what a hostile
 * peer can send: a RoomHost that any real student agent will join (and take as its parent), and a
 * RoomMember that joins a real host. Both bind 127.0.0.1. The caller closes them; a test file that
 * made any calls `nodeDataChannel.cleanup()` when it is done (libdatachannel's threads otherwise
 * keep the process alive for a minute or more).
 */
import { randomBytes } from 'node:crypto';
import { AgentIdentity } from '../../node-agent/auth/agent-identity.js';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { RoomHost } from '../../node-agent/overlay/room-host.js';
import { RoomMember } from '../../node-agent/overlay/room-member.js';

export const newPeerId = (): string => randomBytes(8).toString('hex');

/** A listening rogue host with fan-out 1; resolves with it and its signalling port. */
export async function startRogueHost(password = 'secret'): Promise<{ host: RoomHost; port: number }> {
  const roomId = newPeerId();
  const host = new RoomHost({
    roomId, roomName: 'Rogue', roomKey: await deriveRoomKey(password, roomId), hostId: newPeerId(), hostName: 'Mallory',
    port: 0, listenHost: '127.0.0.1', rootFanout: 1, fanout: 1, bindAddress: '127.0.0.1',
  });
  return { host, port: await host.listen() };
}

/** A rogue member in the tree of the host at 127.0.0.1:`port` (its parent edge open). */
export async function joinRogueMember(port: number, password = 'secret'): Promise<RoomMember> {
  const roomId = ((await (await fetch(`http://127.0.0.1:${port}/camvid/ping`)).json()) as { roomId: string }).roomId;
  const member = new RoomMember({ address: '127.0.0.1', port, roomId, roomKey: await deriveRoomKey(password, roomId), identity: new AgentIdentity(), name: 'rogue', bindAddress: '127.0.0.1' });
  await member.start();
  await member.whenJoined();
  return member;
}
