/**
 * `node --import tsx scripts/bench/handshake-time.ts [N]`: the room handshake's cost without scrypt
 * (the room key is derived once and cached): in process (host and joiner state machines back to
 * back) and over a loopback WebSocket to a SignalServer (connect → session), N times each; prints
 * p50 / p90 in ms.
 */
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostHandshakeState, JoinerHandshakeState } from '../../node-agent/auth/handshake.js';
import { SignalServer } from '../../node-agent/signalling/signal-server.js';
import { connectSession } from '../../node-agent/signalling/signal-client.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';

const N = Number(process.argv[2] ?? 200);
const ROOM = '0123456789abcdef';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

const key = await deriveRoomKey('tulip42', ROOM);
const identity = new HostIdentity();
const inProc: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const joiner = new JoinerHandshakeState(key, ROOM);
  const host = new HostHandshakeState(key, ROOM, identity);
  const { proof } = joiner.onChallenge(host.onHello(joiner.hello()));
  host.onProof(proof);
  inProc.push(performance.now() - t0);
}
const server = new SignalServer({ roomId: ROOM, roomKey: key, identity, port: 0, host: '127.0.0.1' });
const port = await server.listen();
const wire: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const session = await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey: key });
  wire.push(performance.now() - t0);
  session.close();
}
await server.close();
console.log(`in process: p50 ${pct(inProc, 50).toFixed(2)} ms, p90 ${pct(inProc, 90).toFixed(2)} ms (${N} handshakes)`);
console.log(`loopback WebSocket, connect → session: p50 ${pct(wire, 50).toFixed(2)} ms, p90 ${pct(wire, 90).toFixed(2)} ms`);
