/**
 * What the tree can carry (docs/media.md), with real agent processes each in its own network
 * namespace: a chain host → s0 → s1 (fan-out 1) streaming testsrc. On clean links nothing limits
 * the tree. When s0's link starts losing a third of what it sends, s1's receiver reports say so,
 * s0's estimate for s1 falls, s0's REMB carries it up, and the host's estimate (what the
 * instructor's page would be told) falls and names the edge to s0; when the loss stops it grows again.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import { TREE_MAX_BPS } from '../../node-agent/media/rate-control.js';
import type { AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('the tree estimate');
const SOURCE = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '250'];
const COMMON = ['--no-mdns', '--media-stats-ms', '200'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const videoEstimate = (a: AgentProcess) => latestStats(a)?.estimate.video;

test('a lossy relay link lowers the host’s estimate and names the edge; clean again, it grows', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const lab = await startLab(3);
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '1', ...SOURCE, ...COMMON], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const s0 = ctx.cluster.startStudent('s0', address, COMMON, inHost(1));
  await s0.waitForLine(/^joined /, 60_000);
  const s1 = ctx.cluster.startStudent('s1', address, COMMON, inHost(2));
  await s1.waitForLine(/^joined /, 60_000);
  const s0Id = () => host.roster.find((m) => m.name === 's0')?.id;
  await host.waitFor(() => host.roster.some((m) => m.name === 's1' && m.parentId === s0Id() && m.state === 'connected'), 30_000, 's1 under s0');
  for (const s of [s0, s1]) await s.waitFor(() => (latestStats(s)?.in.video.packets ?? 0) > 0, 30_000, `${s.name} has video`);

  await sleep(3000);
  for (const a of [host, s0]) {
    assert.equal(videoEstimate(a), { bps: TREE_MAX_BPS, limitedBy: null, peer: null, member: null }, `${a.name}: clean links limit nothing`);
    assert.ok(latestStats(a)!.feedbackSent > 0 || a === host, `${a.name} sends its feedback up`);
  }

  await lab.impair(1, { lossPct: 33 });
  const at = Date.now();
  const s0Low = await s0.waitFor(() => {
    const e = videoEstimate(s0);
    return e && e.bps < TREE_MAX_BPS && e.limitedBy ? e : undefined;
  }, 15_000, 's0 limited by its child');
  const hostLow = await host.waitFor(() => {
    const e = videoEstimate(host);
    return e && e.bps < TREE_MAX_BPS && e.limitedBy ? e : undefined;
  }, 15_000, 'the host limited by the edge to s0');
  console.log(`    33 % loss on s0's link: s0's estimate ${s0Low.bps} (${s0Low.limitedBy}), the host's ${hostLow.bps} (${hostLow.limitedBy}) within ${Date.now() - at} ms`);
  assert.ok(hostLow.bps <= 250_000 * 1.5, 'below what the source sends, give or take the floor');
  const id = (name: string) => host.roster.find((m) => m.name === name)!.id;
  assert.is(s0Low.member, id('s1'), 's0: the link to s1 loses');
  assert.is(hostLow.peer, id('s0'));
  await host.waitFor(() => (videoEstimate(host)?.member === id('s1') ? true : undefined), 5000, 'the host names s1, as s0 said');

  await lab.impair(1, {});
  let lowest = hostLow.bps;
  const grown = await host.waitFor(() => {
    const e = videoEstimate(host);
    if (!e) return undefined;
    lowest = Math.min(lowest, e.bps);
    return e.bps > lowest ? e : undefined;
  }, 20_000, 'the host’s estimate grows once the loss stops');
  console.log(`    loss stopped: the host's estimate grew from ${lowest} to ${grown.bps}`);
});

test.run();
