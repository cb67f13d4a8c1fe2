/**
 * For views that load what the agent has for the current room (polls, attendance): calls `enter`
 * with the room id now and on every change of room, while the agent connection is open. "Now"
 * matters: a tab opened mid-lecture would otherwise wait for the next roster change.
 */
import type { AgentClient } from './agent-client.js';

export function followRoom(client: AgentClient, enter: (roomId: string | null) => void): () => void {
  let current: string | null | undefined;
  const check = () => {
    const roomId = client.state?.room?.id ?? null;
    if (roomId === current || client.connection !== 'open') return;
    current = roomId;
    enter(roomId);
  };
  const off = client.subscribe(check);
  check();
  return off;
}
