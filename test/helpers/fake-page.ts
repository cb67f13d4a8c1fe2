/**
 * Pages without a browser: node-datachannel stands in for a page's loopback RTCPeerConnection to
 * its agent (publishing, or watching), for integration tests of the agent's side of those links.
 */
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { suite, type Test } from 'uvu';
import { Cluster, type AgentProcess } from './agents.js';
import { UiSocket } from './smtp.js';
import { takeCandidates } from '../../protocol/sdp.js';

/** One test's agents, UI sockets and fake pages, closed after it (pageSuite). */
export class PageLab {
  readonly cluster = new Cluster();
  readonly sockets: UiSocket[] = [];
  readonly pcs: PeerConnection[] = [];

  async open(url: string): Promise<UiSocket> {
    const ui = await UiSocket.open(url);
    this.sockets.push(ui);
    return ui;
  }

  /** A host (password `pw`, media-stats every 200 ms on its events) and a UI socket to it. */
  async hostWithUi(args: string[] = []): Promise<{ host: AgentProcess; ui: UiSocket; port: number; url: string }> {
    const host = this.cluster.start('host', ['host', '--password', 'pw', '--name', 'Prof', '--port', '0', '--ui-port', '0', '--events', '--media-stats-ms', '200', ...args]);
    const port = Number((await host.waitForLine(/^hosting .* on port (\d+)/))[1]);
    const url = (await host.waitForLine(/^CAMVID UI: (\S+)/))[1]!;
    return { host, ui: await this.open(url), port, url };
  }

  async close(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.close();
    for (const pc of this.pcs.splice(0)) pc.close();
    await this.cluster.close();
  }
}

/** A uvu suite whose tests each get a fresh PageLab (`lab()`), closed after each. */
export function pageSuite(name: string): { test: Test; lab: () => PageLab } {
  const test = suite(name);
  let current: PageLab | null = null;
  test.before.each(() => {
    current = new PageLab();
  });
  test.after.each(() => current?.close());
  // No nodeDataChannel.cleanup() at the end: it crashed the process now and then (SIGSEGV in
  // TrackWrapper::CloseAll, tracks still closing in libdatachannel's threads), before uvu printed
  // its totals; scripts/run-tests.mjs ends a file 2 s after its totals anyway.
  return { test, lab: () => current! };
}

/** Fails a wait on a fake page's connection that has not come within this: a hang would say nothing. */
const PC_WAIT_MS = 20_000;

/**
 * Resolves once `pc` reaches what `reached` reads. The callback is set before the state is read:
 * libdatachannel changes state on its own threads and calls only a callback already set, so
 * reading first could miss the change (a test then hung, with nothing left to wake it).
 */
function pcReaches(what: string, listen: (cb: () => void) => void, reached: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake page: ${what} not within ${PC_WAIT_MS / 1000} s`)), PC_WAIT_MS);
    const check = () => {
      if (!reached()) return;
      clearTimeout(timer);
      resolve();
    };
    listen(check);
    check();
  });
}

export async function gathered(pc: PeerConnection): Promise<string> {
  await pcReaches('ICE gathering complete', (cb) => pc.onGatheringStateChange(cb), () => pc.gatheringState() === 'complete');
  return pc.localDescription()!.sdp;
}

export const connected = (pc: PeerConnection): Promise<void> =>
  pcReaches('connected', (cb) => pc.onStateChange(cb), () => pc.state() === 'connected');

/**
 * A stand-in for a page that shares (the instructor's camera by default; `present-publish` for a
 * presenting student): VP8 + Opus sendonly, as Chromium would offer them. `pcs` collects the
 * connection for the test to close.
 */
export async function fakePublisher(
  ui: UiSocket,
  pcs: PeerConnection[],
  type: 'media-publish' | 'screen-publish' | 'present-publish' = 'media-publish',
): Promise<{ pc: PeerConnection; link: string; send: () => void }> {
  const pc = new nodeDataChannel.PeerConnection('page', { iceServers: [], bindAddress: '127.0.0.1' });
  pcs.push(pc);
  const video = new nodeDataChannel.Video('0', 'SendOnly');
  video.addVP8Codec(100); // not the tree's 96: the agent must rewrite it
  video.addSSRC(4242, 'page', 'page', 'v');
  const audio = new nodeDataChannel.Audio('1', 'SendOnly');
  audio.addOpusCodec(109);
  audio.addSSRC(4343, 'page', 'page', 'a');
  const tracks: Track[] = [pc.addTrack(video), pc.addTrack(audio)];
  pc.setLocalDescription();
  // No addresses in the offer: the agent cannot check us before we have its answer (takeCandidates).
  const offer = takeCandidates(await gathered(pc)).sdp;
  const { link, sdp } = await ui.request<{ link: string; sdp: string }>({ type, sdp: offer });
  pc.setRemoteDescription(sdp, 'answer' as never);
  await connected(pc);
  let seq = 0;
  const send = () => {
    seq++;
    // A VP8 key frame start (S bit, partition 0, P bit clear) every packet keeps the example short.
    const v = Buffer.from([0x80, 100, seq >> 8, seq & 255, 0, 0, 0, seq, 0, 0, 0x10, 0x92, 0x10, 0x00, 0x9d, 0x01, 0x2a]);
    const a = Buffer.from([0x80, 109, seq >> 8, seq & 255, 0, 0, 0, seq, 0, 0, 0x10, 0xf7, 0xfc, 0xff, 0xfe]);
    try {
      tracks[0]!.sendMessageBinary(v);
      tracks[1]!.sendMessageBinary(a);
    } catch {
      /* closed */
    }
  };
  return { pc, link, send };
}

/** RTP packets a fake viewer got, by the kind its track's mid names. */
type Received = { video: number; audio: number; screen: number; 'screen-audio': number } & Record<string, number>;

/** A stand-in for a watching page: answers the agent's offer and counts the RTP that arrives, by kind (mid). */
export async function fakeViewer(ui: UiSocket, pcs: PeerConnection[]): Promise<{ link: string; received: Received }> {
  const { link, sdp } = await ui.request<{ link: string; sdp: string }>({ type: 'media-watch' });
  const pc = new nodeDataChannel.PeerConnection('viewer', { iceServers: [], bindAddress: '127.0.0.1' });
  pcs.push(pc);
  const received: Received = { video: 0, audio: 0, screen: 0, 'screen-audio': 0 };
  pc.onTrack((track) => {
    const kind = track.mid();
    track.onMessage((msg) => {
      if (msg[1]! < 192 || msg[1]! > 223) received[kind] = (received[kind] ?? 0) + 1;
    });
  });
  // As the page does (web-ui/loopback-watch.ts): the agent's addresses once it has our answer.
  const offer = takeCandidates(sdp);
  pc.setRemoteDescription(offer.sdp, 'offer' as never);
  await ui.request({ type: 'media-watch-answer', link, sdp: await gathered(pc) });
  for (const c of offer.candidates) pc.addRemoteCandidate(c.candidate, c.mid);
  await connected(pc);
  return { link, received };
}

