/**
 * Recording with real agents (docs/record.md): the host records its headless camera (testsrc,
 * VP8 + Opus) into `recordings/` of its share; stopped, the file has both streams and the right
 * duration (ffprobe), and a student downloads it through the share byte for byte. A second
 * recording ended by `kill -9` of the host decodes to its end (ffmpeg), up to the last seconds. A
 * disk with less free space than `--record-min-free` refuses to record, saying so. The shared
 * screen (`--screen testsrc`) goes into its own file beside the camera's, one per share: stopped and
 * shared again mid-recording (`screen stop|start` on stdin), two screen files, each the screen's
 * picture and sound, decodable to its end, while the camera's file runs through.
 * @camvid-timeout-s 300
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import type { RecordingStatus } from '../../protocol/recording.js';
import type { AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = clusterSuite('recording the lecture');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasFfmpeg = () => {
  try {
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const lastStatus = (a: AgentProcess): RecordingStatus | undefined => {
  const l = [...a.lines].reverse().find((x) => x.startsWith('event {"type":"record"'));
  return l ? (JSON.parse(l.slice(6)) as { data: RecordingStatus }).data : undefined;
};

function probe(file: string): { duration: number | null; codecs: string[] } {
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], { encoding: 'utf8' })) as {
    format: { duration?: string };
    streams: { codec_name: string }[];
  };
  return { duration: out.format.duration ? Number(out.format.duration) : null, codecs: out.streams.map((s) => s.codec_name).sort() };
}

/** The time of the last video frame ffmpeg decodes from `file` (the whole file decoded, errors fail it). */
function decodedSeconds(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const times = out.trim().split('\n').map(Number).filter((n) => Number.isFinite(n));
  return Math.max(...times);
}

test('record, stop: VP8 + Opus with the right duration, downloaded by a student; kill -9 mid-recording leaves a playable file; a full disk refuses', async () => {
  if (!requireCapability('ffmpeg and ffprobe', hasFfmpeg())) return;
  const share = path.join(ctx.cluster.dataDir(), 'share');
  mkdirSync(share);
  const data = ctx.cluster.dataDir();
  const { agent: host, port } = await ctx.cluster.startHost(['--source', 'testsrc', '--share', share, '--record', '--stdin', '--data', data]);
  const started = await host.waitFor(() => lastStatus(host)?.recording && lastStatus(host), 30_000, 'recording');
  const t0 = Date.now();
  await host.waitFor(() => (lastStatus(host)?.bytes ?? 0) > 0, 40_000, 'bytes written');
  await sleep(8000);
  const stopAt = host.lines.length;
  host.command('record stop');
  // Record while the file is still being saved: it starts once that one is saved
  host.command('record start');
  const [, file, bytes] = await host.waitForLine(/^recording saved: (\S+) \((\d+) bytes\)/, 15_000);
  const seconds = (Date.now() - t0) / 1000;
  assert.is(file, started.file);
  // Until the file is saved the status names it as being saved, never none (the page shows it)
  const after = host.lines.slice(stopAt);
  const told = after.slice(0, after.findIndex((l) => l.startsWith('recording saved: '))).filter((l) => l.startsWith('event {"type":"record"')).map((l) => (JSON.parse(l.slice(6)) as { data: RecordingStatus }).data);
  // A status the agent sent before it read `record stop` (the size changes every second) may come after the command.
  const statuses = told.slice(Math.max(0, told.findIndex((st) => !st.recording)));
  const saved = statuses.pop();
  assert.equal([saved?.recording, saved?.saving, saved?.file], [false, undefined, file], JSON.stringify(saved));
  assert.ok(statuses.length > 0, 'a status while saving');
  for (const s of statuses) assert.equal([s.recording, s.saving, s.file], [false, true, file], JSON.stringify(s));
  assert.ok(file!.startsWith('recordings/') && file!.endsWith('.webm'), file);
  const abs = path.join(share, file!);
  const p = probe(abs);
  console.log(`    recorded ${seconds.toFixed(1)} s: ${p.duration} s in the file, ${bytes} bytes`);
  assert.equal(p.codecs, ['opus', 'vp8']);
  // The header's duration is the media's (the headless camera's encoder falls behind real time on a
  // loaded machine, so the wall clock is only an upper bound here; browser/recording-ui holds it to ±1 s).
  assert.ok(p.duration !== null && p.duration <= seconds + 1.5, `duration ${p.duration} s for ${seconds.toFixed(1)} s recorded`);
  assert.ok(Math.abs(p.duration - decodedSeconds(abs)) <= 0.5, `duration ${p.duration} s, last frame at ${decodedSeconds(abs)} s`);

  // A student downloads it through the share, like any shared file.
  const out = path.join(ctx.cluster.dataDir(), 'out');
  const student = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--get', file!, '--out', out]);
  assert.is(await student.exited, 0, `the download: ${student.output.slice(-500)}`);
  assert.ok(readFileSync(path.join(out, path.basename(file!))).equals(readFileSync(abs)), 'the same bytes');

  // The second recording (asked for while the first was saved), and the host dies mid-way.
  await host.waitFor(() => lastStatus(host)?.recording && lastStatus(host)!.file !== file && (lastStatus(host)!.bytes ?? 0) > 0, 40_000, 'the second recording');
  const second = path.join(share, lastStatus(host)!.file!);
  await sleep(6000);
  const killedAt = Date.now();
  const t1 = lastStatus(host)!.since!;
  await host.kill('SIGKILL');
  await sleep(3000); // ffmpeg hears of it (SIGTERM from the kernel) and ends
  const decoded = decodedSeconds(second);
  console.log(`    killed after ${((killedAt - t1) / 1000).toFixed(1)} s of recording: ${decoded.toFixed(1)} s decodable`);
  assert.equal(probe(second).codecs, ['opus', 'vp8']);
  assert.ok(decoded >= (killedAt - t1) / 1000 - 4, `${decoded} s of ${(killedAt - t1) / 1000} s decodable`);

  // The same folder again with a disk that cannot hold the minimum: refused with DISK_FULL.
  const { agent: full } = await ctx.cluster.startHost(['--source', 'testsrc', '--share', share, '--stdin', '--record-min-free', '100000000', '--data', data]);
  full.command('record start');
  await full.waitForLine(/error: DISK_FULL: The disk of .* free; recording needs at least 100000000 MB/, 10_000);
  assert.is(readdirSync(path.join(share, 'recordings')).length, 2, 'no file for the refused recording');
});

test('the shared screen is recorded beside the camera, one file per share: stopped and shared again mid-recording', async () => {
  if (!requireCapability('ffmpeg and ffprobe', hasFfmpeg())) return;
  const share = path.join(ctx.cluster.dataDir(), 'share');
  mkdirSync(share);
  const screen = ['--screen', 'testsrc', '--screen-size', '640x360', '--screen-fps', '5', '--screen-kbps', '300'];
  const { agent: host } = await ctx.cluster.startHost(['--source', 'testsrc', '--video-size', '320x240', ...screen, '--share', share, '--record', '--stdin']);
  const screenStatus = () => lastStatus(host)?.screen;
  const first = await host.waitFor(() => (screenStatus()?.bytes ?? 0) > 0 && screenStatus(), 40_000, 'the screen file growing');
  const firstSeen = Date.now();
  const since = lastStatus(host)!.since!;
  assert.ok(first.file.startsWith('recordings/') && first.file.endsWith('-screen.webm'), first.file);
  assert.is(first.file.replace('-screen.webm', '.webm'), lastStatus(host)!.file, 'named after the recording');
  await sleep(5000);
  host.command('screen stop');
  const stoppedAt = Date.now();
  await host.waitForLine(/^screen share stopped$/, 10_000);
  await sleep(2000);
  assert.ok(lastStatus(host)?.recording, 'the camera keeps recording');
  host.command('screen start');
  const startedAt = Date.now();
  const second = await host.waitFor(() => screenStatus()?.file !== first.file && (screenStatus()?.bytes ?? 0) > 0 && screenStatus(), 40_000, 'a second screen file');
  const secondSeen = Date.now();
  await sleep(4000);
  host.command('record stop');
  const recordStoppedAt = Date.now();
  await host.waitForLine(/^recording saved: /, 30_000);
  await host.waitForLine(/^screen recording saved: /, 5_000);

  const camera = probe(path.join(share, lastStatus(host)!.file!));
  // Each file holds its share: no longer than the share lasted, no shorter than we saw it growing.
  const spans = [
    { f: first.file, most: (stoppedAt - since) / 1000, least: (stoppedAt - firstSeen) / 1000 },
    { f: second.file, most: (recordStoppedAt - startedAt) / 1000, least: (recordStoppedAt - secondSeen) / 1000 },
  ];
  const shares = spans.map((x) => ({ ...x, p: probe(path.join(share, x.f)), width: width(path.join(share, x.f)), decoded: decodedSeconds(path.join(share, x.f)) }));
  console.log(`    camera ${camera.duration} s; screen files ${shares.map((x) => `${x.f} ${x.p.duration} s (shared ${x.least.toFixed(1)}-${x.most.toFixed(1)} s), ${x.width} px wide`).join('; ')}`);
  for (const x of shares) {
    assert.equal(x.p.codecs, ['opus', 'vp8'], `${x.f}: the screen and its sound`);
    assert.is(x.width, 640, `${x.f}: the screen's picture, not the camera's`);
    assert.ok(x.p.duration !== null && Math.abs(x.p.duration - x.decoded) <= 0.6, `${x.f}: ${x.p.duration} s, decodes to ${x.decoded} s`);
    assert.ok(x.p.duration! >= x.least - 1.5 && x.p.duration! <= x.most + 1.5, `${x.f}: ${x.p.duration} s for a share of ${x.least.toFixed(1)}-${x.most.toFixed(1)} s`);
  }
  assert.ok(camera.duration! > shares[0]!.p.duration! + 3, 'the camera recorded through the pause in sharing');
  assert.equal(readdirSync(path.join(share, 'recordings')).sort(), [lastStatus(host)!.file!, first.file, second.file].map((f) => path.basename(f)).sort());
});

function width(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

test.run();
