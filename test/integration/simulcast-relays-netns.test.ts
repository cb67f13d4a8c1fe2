/**
 * A weak student below a relay gets the layer its own link takes, and nobody else does (docs/media.md,
 * "Simulcast through relays"): real agent processes in network namespaces, the host's camera
 * ffmpeg's test pattern in three simulcast layers, fan-out 2, six students (two relays under the
 * host, two students under each). One student under a relay has its downlink shaped to 400 kbit/s
 * with 2 % loss: its relay asks its own parent for the lowest layer besides the top, sends that
 * student the lowest, and its other child, itself and every other student keep 720p at ≥ 1.5 Mbit/s.
 * @camvid-timeout-s 420
 */
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import type { AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';
import { assertSteadyLoss, hasFfmpeg, layerKbps, SIMULCAST_SOURCE as SOURCE, sleep, STATS_ARGS as COMMON, videoKbps, WATCH_S, watchSeconds } from '../helpers/simulcast-lab.js';

const { test, ctx, startLab, inHost } = netnsSuite('simulcast through relays');
const STUDENTS = 6;

test('a student on a 400 kbit/s link below a relay gets the lowest layer; its sibling, its relay and the rest keep 720p', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const lab = await startLab(STUDENTS + 1);
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2', ...SOURCE, ...COMMON], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const students: AgentProcess[] = [];
  for (let i = 1; i <= STUDENTS; i++) {
    const s = ctx.cluster.startStudent(`s${i}`, address, COMMON, inHost(i));
    await s.waitForLine(/^joined /, 60_000);
    students.push(s);
  }
  // The tree as the host planned it, once every student's edge is up (a student's own "joined"
  // line names its parent only if its roster already has it).
  const connected = () => students.every((s) => host.roster.some((m) => m.name === s.name && m.state === 'connected'));
  await host.waitFor(() => connected() || undefined, 30_000, 'every student connected');
  const nameOf = (id: string | null) => host.roster.find((m) => m.id === id)?.name ?? 'host';
  const parentOf = new Map(students.map((s) => [s.name, nameOf(host.roster.find((m) => m.name === s.name)!.parentId)]));
  const weak = students.at(-1)!;
  const relay = students.find((s) => s.name === parentOf.get(weak.name));
  assert.ok(relay, `the last student is below a relay (parents: ${JSON.stringify([...parentOf])})`);
  const sibling = students.find((s) => s !== weak && parentOf.get(s.name) === relay!.name);
  assert.ok(sibling, 'and has a sibling there');
  for (const s of students) await s.waitFor(() => (latestStats(s)?.in.video.packets ?? 0) > 0, 30_000, `${s.name} has video`);
  await sleep(3000);
  assert.is(layerKbps(relay!, 0, 2000), 0, 'clean links: the relay is sent the top layer alone');

  await lab.impair(students.indexOf(weak) + 1, { downKbps: 400, downLossPct: 2 });
  const shapedAt = Date.now();
  await relay!.waitFor(() => latestStats(relay!)!.layers.find((l) => l.layer === 0)?.receivers === 1 || undefined, 30_000, 'the weak student on the lowest layer at its relay');
  console.log(`    the weak student is on the lowest layer ${Date.now() - shapedAt} ms after its link was shaped`);
  await sleep(2000);
  const { gaps, losses, medianLoss, repairedLoss, steadyLoss, steadySeconds, switches } = await watchSeconds(weak, WATCH_S, relay);
  const onLayers = () => latestStats(relay!)!.layers.map((l) => l.receivers).join();
  // A try of the layer above (if one is under way) ends back on the lowest.
  await relay!.waitFor(() => onLayers() === '1,0,1' || undefined, 15_000, `at the relay: the weak student on layer 0, its sibling on the top layer (${onLayers()})`);
  const rates = students.map((s) => videoKbps(s, 5000));
  const relayStats = latestStats(relay!)!;
  const hostStats = latestStats(host)!;
  const lowIn = layerKbps(relay!, 0, 5000);
  console.log(`    shaped: kbit/s per student ${rates.map((k) => Math.round(k)).join(' ')}; the weak one's packets a second ${gaps.join(' ')}, loss ${losses.map((l) => (l * 100).toFixed(0)).join(' ')} % before repair, ${(repairedLoss * 100).toFixed(2)} % after (${(steadyLoss * 100).toFixed(2)} % over ${steadySeconds} s without a switch, ${switches} switches); its relay ${relay!.name} gets layer 0 at ${Math.round(lowIn)} kbit/s besides the top, its receivers per layer ${JSON.stringify(relayStats.layers.map((l) => l.receivers))}; host ${JSON.stringify(hostStats.layers.map((l) => l.receivers))}`);
  assert.ok(lowIn > 50 && lowIn < 400, `the relay is sent layer 0 besides the top (${Math.round(lowIn)} kbit/s)`);
  assert.ok(gaps.every((g) => g > 0), `a picture every second (packets a second: ${gaps.join(' ')})`);
  assert.ok(rates[students.indexOf(weak)]! < 400, 'the weak student gets what its link takes');
  assert.ok(medianLoss <= 0.05, `no more loss than its link's own 2 % (median ${(medianLoss * 100).toFixed(1)} %)`);
  assertSteadyLoss({ steadyLoss, steadySeconds, switches });
  for (const s of students) if (s !== weak) assert.ok(rates[students.indexOf(s)]! >= 1500, `${s.name} keeps 720p at ≥ 1.5 Mbit/s (${Math.round(rates[students.indexOf(s)]!)} kbit/s)`);
  assert.equal(hostStats.layers.at(-1)!.receivers, 2, 'both of the host’s children are on the top layer');
});

test.run();
