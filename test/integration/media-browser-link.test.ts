/**
 * The agent's side of the loopback media links, without a browser: node-datachannel stands in for
 * the page. Malformed descriptions get a typed error and the agent goes on; a page's links close
 * with its UI socket (the camera stops feeding the relay, a viewer stops receiving).
 */
import * as assert from 'uvu/assert';
import type { LiveStatus } from '../../protocol/live.js';
import { fakePublisher, fakeViewer, pageSuite } from '../helpers/fake-page.js';
import { latestStats } from '../helpers/media-stats.js';

const { test, lab } = pageSuite('loopback media links between an agent and its pages');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'none');

const hostWithUi = (args?: string[]) => lab().hostWithUi(args);
const open = (url: string) => lab().open(url);

test('malformed descriptions in media-publish and media-watch-answer get BAD_MESSAGE; a student cannot publish; the agent goes on', async () => {
  const { ui, port } = await hostWithUi();
  const huge = `v=0\r\n${'a=x\r\n'.repeat(8000)}`;
  const badFingerprint = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n';
  const h264Only = badFingerprint.replace(/VP8/g, 'H264');
  for (const [what, sdp] of [
    ['a number', 7],
    ['garbage', 'garbage'],
    ['an oversized SDP', huge],
    ['a NUL byte', 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\0\r\n'],
    ['a bad fingerprint (refused by libdatachannel)', badFingerprint],
    ['no VP8', h264Only],
  ] as const) {
    assert.is(await codeOf(ui.request({ type: 'media-publish', sdp })), 'BAD_MESSAGE', `media-publish with ${what}`);
  }
  const { link } = await ui.request<{ link: string; sdp: string }>({ type: 'media-watch' });
  for (const sdp of ['garbage', 'v=0\r\n', badFingerprint]) {
    assert.is(await codeOf(ui.request({ type: 'media-watch-answer', link, sdp })), 'BAD_MESSAGE', `media-watch-answer ${JSON.stringify(sdp.slice(0, 20))}`);
  }
  // The refused answer closed that link; asking again is a typed error too.
  assert.is(await codeOf(ui.request({ type: 'media-watch-answer', link, sdp: 'v=0\r\n' })), 'CLOSED');
  assert.is(await codeOf(ui.request({ type: 'media-watch-answer', link: 'w999', sdp: 'v=0\r\n' })), 'CLOSED');
  assert.is(await codeOf(ui.request({ type: 'media-unpublish', link: 'p999' })), 'ok', 'unpublishing nothing is harmless');

  const student = await lab().cluster.startUiAgent('student');
  const sui = await open(student.url);
  assert.is(await codeOf(sui.request({ type: 'media-watch' })), 'NOT_IN_ROOM', 'watching outside a room');
  await sui.request({ type: 'join', name: 'Ann', password: 'pw', address: `127.0.0.1:${port}` });
  assert.is(await codeOf(sui.request({ type: 'media-publish', sdp: 'v=0\r\n' })), 'NOT_IN_ROOM', 'only the instructor goes live');
  assert.is(await codeOf(sui.request({ type: 'screen-publish', sdp: 'v=0\r\n' })), 'NOT_IN_ROOM', 'only the instructor shares a screen');
  assert.is(await codeOf(ui.request({ type: 'screen-publish', sdp: 'v=0\r\nm=application 9 x 1\r\n' })), 'BAD_MESSAGE', 'a screen offer is restricted like the camera');
  assert.is(await codeOf(ui.request({ type: 'screen-unpublish', link: 's999' })), 'ok', 'unsharing nothing is harmless');
  assert.is(await codeOf(ui.request({ type: 'chat-send', text: 'still here' })), 'ok', 'the host still answers');
});

test("a page's links close with its socket: the camera stops feeding the relay, a viewer stops receiving", async () => {
  const { host, ui, url } = await hostWithUi();
  const observer = await open(url);
  const pub = await fakePublisher(ui, lab().pcs);
  const timer = setInterval(pub.send, 20);
  try {
    await host.waitFor(() => (latestStats(host)?.in.video.packets ?? 0) > 20 && latestStats(host)?.upstream === 'source', 10_000, 'video from the page');
    const status = () => (observer.events.filter((e) => e.type === 'media-status').at(-1) as { status: LiveStatus } | undefined)?.status;
    await host.waitFor(() => status()?.publishing && status()?.state === 'live', 5_000, 'live');

    const viewerUi = await open(url);
    const viewer = await fakeViewer(viewerUi, lab().pcs);
    await host.waitFor(() => viewer.received.video > 10 && viewer.received.audio > 10, 10_000, 'the viewer receives');
    const rewritten = latestStats(host)!;
    assert.is(rewritten.dropped.unexpected, 0, 'the page’s payload types were rewritten to the tree’s');

    viewerUi.close();
    await sleep(500);
    const frozen = viewer.received.video;
    await sleep(500);
    assert.is(viewer.received.video, frozen, 'nothing arrives after the viewer’s socket closed');

    ui.close();
    await host.waitFor(() => latestStats(host)?.upstream === 'none', 5_000, 'no source after the publisher’s socket closed');
    await host.waitFor(() => status()?.publishing === false && status()?.state === 'ended', 5_000, 'ended');
    const after = latestStats(host)!.in.video.packets;
    await sleep(500);
    assert.is(latestStats(host)!.in.video.packets, after, 'the page’s packets no longer reach the relay');
  } finally {
    clearInterval(timer);
  }
});

test.run();
