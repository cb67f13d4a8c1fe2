/**
 * An agent started and closed in every state leaves nothing behind: no socket, timer, file
 * descriptor or child process of its own (the room's host runs in another process). And the
 * lifecycle races the agent used to lose: two hosts at once, leaving mid-host or mid-join, a
 * feature that throws at start or at close, the close order.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { Agent, type AgentOptions } from '../../node-agent/agent.js';
import type { Feature } from '../../node-agent/feature-host.js';
import { startFeatures } from '../../node-agent/features.js';
import { Store } from '../../node-agent/store/store.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('agent lifecycle');
const dirs: string[] = [];
test.after(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const options = (extra: Partial<AgentOptions> = {}): AgentOptions => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'camvid-life-'));
  dirs.push(dataDir);
  return { dataDir, port: 0, mdns: false, listenHost: '127.0.0.1', bindAddress: '127.0.0.1', ...extra };
};

/** This process's own handles: libuv resources, open file descriptors, live child processes. */
function handles(): { resources: string[]; fds: number; children: number } {
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  const fds = readdirSync('/proc/self/fd').length;
  let children = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) children++;
    } catch {
      // gone meanwhile
    }
  }
  return { resources, fds, children };
}

const extra = (now: string[], before: string[]): string[] => {
  const left = [...before];
  return now.filter((r) => {
    const i = left.indexOf(r);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
};

/** Waits (a closed native socket may take a moment) until nothing is left beyond `before`. */
async function assertNothingLeft(before: ReturnType<typeof handles>, what: string): Promise<void> {
  let now = handles();
  for (let i = 0; i < 50; i++) {
    now = handles();
    if (!extra(now.resources, before.resources).length && now.fds <= before.fds && now.children <= before.children) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(extra(now.resources, before.resources), [], `${what}: handles left`);
  assert.ok(now.fds <= before.fds, `${what}: ${now.fds - before.fds} file descriptors left`);
  assert.ok(now.children <= before.children, `${what}: child processes left`);
}

const HOST = { room: 'Computer Networks', password: 'secret', name: 'Prof' };

async function closedIn(state: string, run: (agent: Agent) => Promise<unknown>): Promise<void> {
  const before = handles();
  const agent = await Agent.start(options());
  await run(agent);
  await agent.close();
  await assertNothingLeft(before, state);
}

test('an agent closed in each state leaves no socket, timer, file or child process: idle, hosting, joined, mid-host, mid-join', async () => {
  const { port } = await ctx.cluster.startHost();
  const address = `127.0.0.1:${port}`;
  // Warm up before the baselines: libdatachannel keeps process-wide threads and their descriptors
  // (created with the first PeerConnection, never the agent's to close).
  const warm = await Agent.start(options());
  await (await warm.join({ name: 'Warm', password: 'secret', address })).member.whenJoined();
  await warm.close();

  await closedIn('idle', async () => {});
  await closedIn('hosting', async (a) => {
    await a.host(HOST);
    assert.is(a.phase, 'hosting');
  });
  await closedIn('joined', async (a) => {
    const room = await a.join({ name: 'Ann', password: 'secret', address });
    await room.member.whenJoined();
    assert.is(a.phase, 'joined');
  });
  await closedIn('mid-host', async (a) => {
    const hosting = a.host(HOST);
    const closing = a.close();
    const err = await hosting.then(() => null, (e: CamvidError) => e);
    assert.is(err?.code, 'CLOSED', 'the host in progress is told the agent closed');
    await closing;
  });
  await closedIn('mid-join (deriving the key)', async (a) => {
    const joining = a.join({ name: 'Bob', password: 'secret', address });
    const closing = a.close();
    const err = await joining.then(() => null, (e: CamvidError) => e);
    assert.is(err?.code, 'CLOSED');
    await closing;
  });
});

test('an agent closed while its join waits on a host that never answers stops at once and leaves nothing', async () => {
  // Accepts TCP and says nothing: the join's room-id request hangs until it is aborted.
  const held = new Set<import('node:net').Socket>();
  const silent = createServer((sock) => held.add(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const before = handles();
    const agent = await Agent.start(options());
    const joining = agent.join({ name: 'Bob', password: 'secret', address: `127.0.0.1:${(silent.address() as { port: number }).port}` });
    while (!held.size) await new Promise((r) => setTimeout(r, 20));
    assert.is(agent.phase, 'joining');
    const failed = joining.then(() => null, (e: CamvidError) => e);
    const t0 = Date.now();
    await agent.close();
    const err = await failed;
    assert.is(err?.code, 'CLOSED');
    assert.ok(Date.now() - t0 < 2000, `closed in ${Date.now() - t0} ms, not after the request's timeout`);
    for (const sock of held) sock.destroy();
    await assertNothingLeft(before, 'mid-join (asking the address)');
  } finally {
    await new Promise((r) => silent.close(r));
  }
});

test('two pages press Host at once: one room is hosted, the other is told ALREADY_IN_ROOM, and nothing is orphaned', async () => {
  const before = handles();
  const agent = await Agent.start(options());
  const [a, b] = await Promise.allSettled([
    agent.handle({ id: 1, type: 'host', ...HOST }),
    agent.handle({ id: 1, type: 'host', ...HOST, room: 'Another room' }),
  ]);
  assert.is(a.status, 'fulfilled');
  assert.is(b.status, 'rejected');
  assert.is(((b as PromiseRejectedResult).reason as CamvidError).code, 'ALREADY_IN_ROOM');
  assert.is(agent.state().room?.name, 'Computer Networks');
  await agent.leave();
  await agent.close();
  await assertNothingLeft(before, 'after two hosts');
});

test('leaving while a host is in progress closes its listener; the next host works', async () => {
  const agent = await Agent.start(options());
  try {
    const hosting = agent.host(HOST).then(() => null, (e: CamvidError) => e);
    await agent.leave();
    const err = await hosting;
    assert.is(err?.code, 'CLOSED');
    assert.is(agent.phase, 'idle');
    const room = await agent.host(HOST);
    assert.is(agent.state().room?.id, room.info.id);
  } finally {
    await agent.close();
  }
});

/** A port nothing listens on: a swarm bootstrap that never answers (its UDP sockets still open). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

test('a feature that throws at start: the swarm, the store and the features made so far are closed', async () => {
  const before = handles();
  const opts = options({ swarm: { bootstrap: [{ host: '127.0.0.1', port: await closedPort() }], bindAddress: '127.0.0.1' } });
  const closed: string[] = [];
  const err = await Agent.start(opts, async (host) => {
    const made = await startFeatures(host);
    for (const [name, f] of made.order) {
      const close = f.close.bind(f);
      f.close = () => (closed.push(name), close());
    }
    for (const [, f] of [...made.order].reverse()) await f.close();
    throw new CamvidError('MISSING_TOOL', 'a feature could not start');
  }).then(() => null, (e: CamvidError) => e);
  assert.is(err?.code, 'MISSING_TOOL');
  assert.ok(closed.length >= 8, 'the features made were closed');
  await assertNothingLeft(before, 'failed start');
  const store = await Store.open(opts.dataDir); // LevelDB's lock is free: the store was closed
  await store.close();
});

test('a feature whose close() throws: the others still close, in reverse of the declared order, and the store closes last', async () => {
  const opts = options();
  const closed: string[] = [];
  const recording = (name: string, fail = false): Feature => ({
    close: () => {
      closed.push(name);
      if (fail) throw new Error(`${name} failed to close`);
    },
  });
  const agent = await Agent.start(opts, async (host) => {
    const made = await startFeatures(host);
    made.order.unshift(['first', recording('first')]);
    made.order.push(['broken', recording('broken', true)], ['last', recording('last')]);
    return made;
  });
  await agent.host(HOST);
  await agent.close();
  assert.equal(closed, ['last', 'broken', 'first']);
  const store = await Store.open(opts.dataDir);
  await store.close();
});

test.run();
