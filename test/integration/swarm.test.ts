/**
 * Rooms beyond one LAN (issue 9), with real agent processes and a local DHT on 127.0.0.1 only
 * (`camvid dht-node`; mDNS off everywhere, so the swarm is the only way a student can find the room):
 * a student joins by room code over the swarm, chats and receives the live testsrc stream; a
 * bootstrap address that does not answer leaves LAN rooms working and is reported as unreachable
 * within 10 s; a stranger on the topic without the password is refused (BAD_PASSWORD), and
 * garbage or resets from swarm peers never crash the host.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { SwarmStatus } from '../../protocol/swarm.js';
import { AgentProcess, ROOT } from '../helpers/agents.js';
import { mediaStats, packetsAt, waitForVideo } from '../helpers/media-stats.js';
import { requireCapability } from '../helpers/require.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const SOURCE = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '250', '--media-stats-ms', '200'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { test, ctx } = clusterSuite('rooms over hyperswarm (local DHT on 127.0.0.1)');

async function startDhtNode(): Promise<string> {
  const node = ctx.cluster.start('dht', ['dht-node', '--port', '0', '--host', '127.0.0.1']);
  const [, address] = await node.waitForLine(/^dht-node listening on (\S+);/, 20_000);
  return address!;
}

const swarmStatuses = (a: AgentProcess): SwarmStatus[] =>
  a.lines.filter((l) => l.startsWith('event {"type":"swarm"')).map((l) => (JSON.parse(l.slice(6)) as { data: SwarmStatus }).data);
const lastSwarm = (a: AgentProcess) => swarmStatuses(a).at(-1);

async function swarmHost(bootstrap: string, extra: string[] = []) {
  const { agent, port } = await ctx.cluster.startHost(['--swarm', '--bootstrap', bootstrap, '--stdin', ...extra]);
  const [, code] = await agent.waitForLine(/^room code: (\S+)/);
  await agent.waitFor(() => lastSwarm(agent)?.room?.state === 'announced', 20_000, 'the room announced');
  return { host: agent, port, code: code! };
}

const swarmStudent = (name: string, code: string, bootstrap: string, extra: string[] = []) =>
  ctx.cluster.start(name, ['join', '--room-id', code, '--name', name, '--password', 'secret', '--port', '0', '--events', '--swarm', '--bootstrap', bootstrap, ...extra]);

test('with mDNS off, a student joins by room code over the swarm, chats with the host and receives the live testsrc stream', async () => {
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const bootstrap = await startDhtNode();
  const { host, code } = await swarmHost(bootstrap, SOURCE);
  const ann = swarmStudent('Ann', code, bootstrap, ['--say', 'hello over the swarm', '--media-stats-ms', '200']);
  const [, took] = await ann.waitForLine(/^joined "Computer Networks" as Ann(?: \(parent Prof\))? in (\d+) ms/, 60_000).catch((err) => {
    console.log(ann.lines.filter((l) => !l.includes('media-stats')).join('\n'));
    throw err;
  });
  console.log(`    joined over the swarm in ${took} ms`);
  const states = swarmStatuses(ann).map((s) => s.room?.state).filter(Boolean);
  assert.ok(states.includes('searching') && states.includes('found') && states.at(-1) === 'connected', `student swarm states ${states.join(' → ')}`);
  await host.waitFor(() => lastSwarm(host)?.room?.state === 'connected', 5000, 'the host showing a swarm connection');

  // Chat both ways.
  await host.waitFor(() => host.chat.some((c) => c.name === 'Ann' && c.text === 'hello over the swarm'), 10_000, 'Ann’s message at the host');
  host.command('say welcome, remote student');
  await ann.waitFor(() => ann.chat.some((c) => c.name === 'Prof' && c.text === 'welcome, remote student'), 10_000, 'the host’s message at Ann');

  // The live stream: video arrives, and over a window Ann receives (nearly) every packet the host took in.
  await waitForVideo(ann, 20_000);
  await sleep(500);
  const from = Date.now();
  const to = from + 3000;
  // A stats line past the window's end from both processes (stdout lags on a loaded machine).
  for (const a of [host, ann]) await a.waitFor(() => mediaStats(a).some((s) => s.t >= to), 15_000, 'media-stats past the window');
  const sent = packetsAt(host, to) - packetsAt(host, from);
  const got = packetsAt(ann, to) - packetsAt(ann, from);
  console.log(`    ${Math.round(sent)} RTP packets at the host in 3 s, ${Math.round(got)} at the student`);
  assert.ok(sent > 100, `the host took in ${sent} packets`);
  assert.ok(got / sent >= 0.9, `the student received ${((got / sent) * 100).toFixed(1)}%`);
});

test('a bootstrap address that does not answer: the host serves its LAN room at once and reports the swarm unreachable within 10 s', async () => {
  const closed = await closedUdpPort();
  const started = Date.now();
  const { agent: host, port } = await ctx.cluster.startHost(['--swarm', '--bootstrap', `127.0.0.1:${closed}`]);
  const hostingAfter = Date.now() - started;
  const first = await host.waitFor(() => swarmStatuses(host)[0], 5000, 'a first swarm line');
  const firstAt = Date.now();
  assert.is(first.dht, 'bootstrapping');
  // The LAN path does not wait for the swarm: a student joins by address while the DHT is still trying.
  const lan = ctx.cluster.startStudent('Bo', `127.0.0.1:${port}`);
  await lan.waitForLine(/^joined /, 20_000);
  const stillTrying = lastSwarm(host)!.dht;
  const unreachable = await host.waitFor(() => swarmStatuses(host).find((s) => s.dht === 'unreachable'), 12_000, 'swarm unreachable');
  const after = Date.now() - firstAt;
  console.log(`    hosting line after ${hostingAfter} ms; LAN student joined while the DHT was ${stillTrying}; unreachable reported ${after} ms after the first swarm line`);
  assert.ok(after <= 10_000, `unreachable after ${after} ms`);
  assert.match(unreachable.message, new RegExp(`no bootstrap node answered \\(127\\.0\\.0\\.1:${closed}\\)`));
  assert.ok(host.lines.some((l) => /^swarm: unreachable.*Rooms on this network work as usual/.test(l)), 'a plain CLI line says so too');
  assert.is(host.exitCode, null);
});

test('a stranger on the topic without the password is refused (BAD_PASSWORD); garbage and resets from swarm peers never crash the host', async () => {
  const bootstrap = await startDhtNode();
  const { host, code } = await swarmHost(bootstrap);
  const roomId = code.replace(/-/g, '');
  const intruder = new AgentProcess(
    'intruder',
    spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/swarm-intruder.ts'), bootstrap, roomId, 'guess'], { cwd: ROOT }),
  );
  ctx.cluster.agents.push(intruder);
  await intruder.waitForLine(/^done$/, 60_000);
  const outcome = (name: string) => intruder.lines.find((l) => l.startsWith(`case ${name} `))?.split(' ')[2];
  console.log(`    ${intruder.lines.filter((l) => l.startsWith('case ')).join('; ')}`);
  assert.is(outcome('wrong-password'), 'BAD_PASSWORD', 'the joiner cannot verify the host and gives up with BAD_PASSWORD');
  assert.is(outcome('forged-proof'), 'BAD_PASSWORD', 'the host refuses a proof without the password');
  for (const c of ['garbage', 'oversized', 'sealed-garbage']) assert.is(outcome(c), 'closed', `${c}: the host closes that connection`);
  assert.is(outcome('half-frame'), 'reset');

  assert.is(host.exitCode, null, 'the host is still running');
  assert.ok(!host.roster.some((m) => m.name !== 'Prof'), 'nobody joined');
  // …and still lets the right password in over the swarm.
  const ann = swarmStudent('Ann', code, bootstrap);
  await ann.waitForLine(/^joined "Computer Networks" as Ann/, 40_000);
  await host.waitFor(() => host.roster.some((m) => m.name === 'Ann' && m.state === 'connected'), 10_000, 'Ann in the roster');
});

test('swarm usage errors: --swarm without --bootstrap, a bad bootstrap or --ice, a bad room code (exit 2)', async () => {
  const cases: [string[], RegExp][] = [
    [['host', '--password', 'p', '--no-ui', '--swarm'], /--swarm needs --bootstrap/],
    [['host', '--password', 'p', '--no-ui', '--bootstrap', 'nowhere'], /--bootstrap: "nowhere" is not an address/],
    [['host', '--password', 'p', '--no-ui', '--ice', 'http://x'], /--ice must be a stun: or turn: URL/],
    [['join', '--room-id', '12-34', '--name', 'A', '--password', 'p'], /is not a room code/],
  ];
  for (const [args, re] of cases) {
    const a = ctx.cluster.start('bad', args);
    assert.is(await a.exited, 2, args.join(' '));
    assert.match(a.output, re);
  }
});

/** A UDP port on 127.0.0.1 where nothing listens (bound, then released). */
function closedUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test.run();
