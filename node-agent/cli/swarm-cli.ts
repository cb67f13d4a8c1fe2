/**
 * The swarm part of the `camvid` command line (cli.ts only wires it in): `--swarm` with
 * `--bootstrap host:port,…` (explicit: no public bootstrap is ever used), `--ice URL` (repeatable),
 * a `swarm: …` line whenever the swarm's state changes (and an event line with `--events`), and
 * `camvid dht-node --port P [--host ADDR]` to run a bootstrap node for a campus.
 */
import dgram from 'node:dgram';
import os from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import DHT from 'hyperdht';
import type { Agent, AgentOptions } from '../agent.js';
import { parseAddress } from '../room/join-address.js';

/** Agent options for every command that starts an agent. */
export const SWARM_OPTIONS: ParseArgsConfig['options'] = {
  swarm: { type: 'boolean' },
  bootstrap: { type: 'string' },
  ice: { type: 'string', multiple: true },
};

export const SWARM_USAGE = `Swarm (rooms beyond one LAN, docs/swarm.md): --swarm --bootstrap HOST:PORT[,…]  --ice stun:HOST:PORT (repeatable)
  camvid dht-node --port P [--host ADDR]   run a DHT bootstrap node (ADDR: how others reach it)`;

type Values = Record<string, unknown>;

/** The swarm and ICE parts of AgentOptions; throws TypeError on bad usage. */
export function swarmAgentOptions(v: Values, bindAddress?: string): Pick<AgentOptions, 'swarm' | 'iceServers'> {
  const ice = (v.ice as string[] | undefined) ?? [];
  for (const url of ice) {
    if (!/^(stun|turns?):\S+$/.test(url)) throw new TypeError(`--ice must be a stun: or turn: URL, e.g. stun:192.168.1.5:3478 (got "${url}")`);
  }
  const out: Pick<AgentOptions, 'swarm' | 'iceServers'> = ice.length ? { iceServers: ice } : {};
  if (!v.swarm && v.bootstrap === undefined) return out;
  if (!v.bootstrap) {
    throw new TypeError('--swarm needs --bootstrap HOST:PORT[,…] (a `camvid dht-node` of your campus, for example): CAMVID never uses a public bootstrap by itself');
  }
  const bootstrap = String(v.bootstrap)
    .split(',')
    .filter((s) => s.trim())
    .map((s) => {
      try {
        const { address, port } = parseAddress(s);
        return { host: address, port };
      } catch (err) {
        throw new TypeError(`--bootstrap: ${(err as Error).message}`);
      }
    });
  return { ...out, swarm: { bootstrap, bindAddress } };
}

/** Prints `swarm: <message>` on every change, and with --events an event line. */
export function wireSwarmLines(agent: Agent, v: Values, printEvent: (type: string, data: unknown) => void): void {
  if (!agent.swarm) return;
  const print = () => {
    const status = agent.swarm!.status();
    console.log(`swarm: ${status.dht}${status.room ? ` ${status.room.state}` : ''}: ${status.message}`);
    if (v.events) printEvent('swarm', status);
  };
  agent.on('swarm', print);
  print();
}

/**
 * `camvid dht-node`: a persistent DHT node that others bootstrap from (`--port 0`: any free port). `--host` is the address
 * other machines reach it at (what it tells them); it listens on --bind (default all interfaces).
 */
export async function runDhtNode(v: Values, port: number): Promise<() => Promise<void>> {
  const host = (v.host as string | undefined) ?? (v.bind as string | undefined) ?? firstLanAddress();
  const bind = (v.bind as string | undefined) ?? '0.0.0.0';
  // A bootstrap node must know its own port before it starts: `--port 0` picks a free one (tests).
  const node = DHT.bootstrapper(port || (await freeUdpPort(bind)), host, { host: bind });
  node.on('error', (err) => console.error(`dht-node: ${(err as Error).message}`));
  await node.ready();
  console.log(`dht-node listening on ${host}:${node.address().port}; agents use --swarm --bootstrap ${host}:${node.address().port}`);
  return () => node.destroy();
}

function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, host, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

function firstLanAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
