/**
 * One weak student does not drag the class (issue "Picture and sound"): real agent processes, each
 * in its own network namespace, a host whose camera is ffmpeg's test pattern in three simulcast
 * layers (`--simulcast`: 320x180 at 150 kbit/s, 640x360 at 500, 1280x720 at 1.8 Mbit/s) and 8
 * students under it. One student's downlink is then shaped to 400 kbit/s with 2 % loss: that
 * student is moved to the lowest layer and gets a picture every second with no more loss than its
 * link's own; every other student keeps the top layer at ≥ 1.5 Mbit/s; key frame requests stay
 * few. Headless students do not NACK (a watching page would repair the link's 2 %), so the loss
 * checked is before repair.
 * @camvid-timeout-s 420
 */
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import type { AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';
import { assertSteadyLoss, hasFfmpeg, SIMULCAST_SOURCE as SOURCE, sleep, STATS_ARGS as COMMON, videoKbps, WATCH_S, watchSeconds } from '../helpers/simulcast-lab.js';

const { test, ctx, startLab, inHost } = netnsSuite('simulcast over shaped links');
const STUDENTS = 8;
const WEAK = STUDENTS; // lab host index of the shaped student (the host is 0)

test('a student on a 400 kbit/s link with 2 % loss gets the lowest layer; the other seven keep 720p', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const lab = await startLab(STUDENTS + 1);
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', String(STUDENTS), ...SOURCE, ...COMMON], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const students: AgentProcess[] = [];
  for (let i = 1; i <= STUDENTS; i++) {
    const s = ctx.cluster.startStudent(`s${i}`, address, COMMON, inHost(i));
    await s.waitForLine(/^joined /, 60_000);
    students.push(s);
  }
  for (const s of students) await s.waitFor(() => (latestStats(s)?.in.video.packets ?? 0) > 0, 30_000, `${s.name} has video`);
  const weak = students[WEAK - 1]!;
  await sleep(4000);
  const clean = students.map((s) => videoKbps(s, 3000));
  console.log(`    clean links, kbit/s per student: ${clean.map((k) => Math.round(k)).join(' ')}; host layers ${JSON.stringify(latestStats(host)!.layers)}`);

  await lab.impair(WEAK, { downKbps: 400, downLossPct: 2 });
  const shapedAt = Date.now();
  await host.waitFor(() => latestStats(host)!.layers.find((l) => l.layer === 0)?.receivers === 1 || undefined, 30_000, 'the weak student on the lowest layer');
  console.log(`    the weak student is on the lowest layer ${Date.now() - shapedAt} ms after its link was shaped`);
  await sleep(2000); // the report that covered the switch has gone by
  const keyframesBefore = latestStats(host)!.keyframeRequests;
  const framesBefore = latestStats(weak)!.in.video.keyframes;
  // Twelve seconds on the lowest layer: a picture every second, its link's own loss and no more.
  const { gaps, losses, medianLoss, meanLoss, repairedLoss, steadyLoss, steadySeconds, switches } = await watchSeconds(weak, WATCH_S, host);
  const onLayers = () => latestStats(host)!.layers.map((l) => l.receivers).join();
  // A try of the layer above (if one is under way) ends back on the lowest.
  await host.waitFor(() => onLayers() === `1,0,${STUDENTS - 1}` || undefined, 15_000, `the weak student back on layer 0, every other on the top layer (${onLayers()})`);
  const stats = latestStats(host)!;
  const rates = students.map((s) => videoKbps(s, 5000));
  const keyframes = latestStats(weak)!.in.video.keyframes - framesBefore;
  const asked = stats.keyframeRequests.upstream - keyframesBefore.upstream;
  console.log(`    shaped: kbit/s per student ${rates.map((k) => Math.round(k)).join(' ')}; the weak one's packets a second ${gaps.join(' ')}, loss ${losses.map((l) => (l * 100).toFixed(0)).join(" ")} %, ${(meanLoss * 100).toFixed(1)} % mean before repair, ${(repairedLoss * 100).toFixed(2)} % after (${(steadyLoss * 100).toFixed(2)} % over ${steadySeconds} s without a switch, ${switches} switches), ${keyframes} key frames in ${WATCH_S} s; host layers ${JSON.stringify(stats.layers)}, ${stats.layerSwitches} switches, ${asked} key frame requests upstream in ${WATCH_S} s (${stats.keyframeRequests.throttled} throttled in all)`);
  assert.ok(gaps.every((g) => g > 0), `a picture every second (packets a second: ${gaps.join(' ')})`);
  assert.ok(keyframes >= 5, `new pictures keep coming: ${keyframes} key frames in ${WATCH_S} s`);
  assert.ok(rates[WEAK - 1]! < 400, `the weak student gets what its link takes (${Math.round(rates[WEAK - 1]!)} kbit/s)`);
  // One report a second of ~20 packets: a single lost packet reads as 5 %, so the median is checked.
  assert.ok(medianLoss <= 0.05, `no more loss than its link's own 2 % (median ${(medianLoss * 100).toFixed(1)} %, mean ${(meanLoss * 100).toFixed(1)} %)`);
  assertSteadyLoss({ steadyLoss, steadySeconds, switches });
  for (let i = 0; i < STUDENTS - 1; i++) assert.ok(rates[i]! >= 1500, `s${i + 1} keeps 720p at ≥ 1.5 Mbit/s (${Math.round(rates[i]!)} kbit/s)`);
  assert.ok(asked <= 24, `no key frame storm: ${asked} requests upstream in ${WATCH_S} s`);
});

test.run();
