/**
 * Who closes what, and when, in the host's media sources (issue "Shape"): overlapping
 * `MediaRelay.setSource` calls leave exactly the last source set live and close every other one
 * once; the podcast's source is closed once, by the relay, however the podcast ends; FfmpegSource
 * and BrowserLink close what they opened when setting up fails. No network, no ffmpeg run.
 */
import dgram from 'node:dgram';
import nodeDataChannel from 'node-datachannel';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PodcastStatus } from '../../protocol/podcast.js';
import { BrowserLink } from '../../node-agent/media/browser-link.js';
import { FfmpegSource } from '../../node-agent/media/ffmpeg-source.js';
import { MediaRelay, type MediaSource, type SourceSlot } from '../../node-agent/media/media-relay.js';
import type { RoomHost } from '../../node-agent/overlay/room-host.js';
import { HostPodcast, type PodcastFeed } from '../../node-agent/podcast/host-podcast.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A source whose close takes `closeMs` (0: returns at once, no promise) and counts its calls. */
class SlowSource implements MediaSource {
  closes = 0;
  constructor(
    readonly name: string,
    private readonly closeMs = 20,
  ) {}
  attach(): void {}
  requestKeyframe(): void {}
  close(): void | Promise<void> {
    this.closes++;
    return this.closeMs ? sleep(this.closeMs) : undefined;
  }
}

test('setSource: a page goes live while ffmpeg is being replaced: the page is live, both ffmpegs are closed once', async () => {
  const relay = new MediaRelay();
  const ffmpeg = new SlowSource('ffmpeg');
  await relay.setSource(ffmpeg);
  const next = new SlowSource('next ffmpeg');
  const page = new SlowSource('page');
  const replacing = relay.setSource(next); // ffmpeg takes 20 ms to stop
  const live = relay.setSource(page);
  await Promise.all([replacing, live]);
  assert.is(relay.source(), page, 'the last source set is live');
  assert.is(ffmpeg.closes, 1);
  assert.is(next.closes, 1, 'the source replaced before it ever ran is closed, not left running');
  assert.is(page.closes, 0);
  await relay.close();
  assert.is(page.closes, 1);
});

test('setSource: setSource(null) racing setSource(page) leaves nothing live and the page closed', async () => {
  const relay = new MediaRelay();
  const old = new SlowSource('old');
  await relay.setSource(old);
  const page = new SlowSource('page');
  const going = relay.setSource(page);
  const stopping = relay.setSource(null);
  await Promise.all([going, stopping]);
  assert.is(relay.source(), null);
  assert.is(page.closes, 1);
  assert.is(old.closes, 1);
  await relay.close();
  assert.is(page.closes, 1, 'closing the relay does not close it again');
});

test('setSource: after any interleaving of calls on two slots and the relay closing, the last source set is live and every other is closed exactly once', async () => {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const slots: SourceSlot[] = ['camera', 'podcast'];
  for (let round = 0; round < 60; round++) {
    const relay = new MediaRelay();
    const all: SlowSource[] = [];
    const last = new Map<SourceSlot, SlowSource | null>();
    const calls: Promise<void>[] = [];
    let closedRelay: Promise<void> | null = null;
    for (let op = 0; op < 10; op++) {
      const r = random();
      if (r < 0.05 && !closedRelay) {
        closedRelay = relay.close();
      } else {
        const slot = slots[Math.floor(random() * 2)]!;
        const source = r < 0.25 ? null : new SlowSource(`s${round}.${op}`, Math.floor(random() * 4));
        if (source) all.push(source);
        if (!closedRelay) last.set(slot, source);
        calls.push(relay.setSource(source, slot));
      }
      const pause = random();
      if (pause < 0.3) await sleep(Math.floor(random() * 4));
      else if (pause < 0.5) await calls.at(-1);
    }
    await Promise.all(calls);
    await closedRelay;
    const live = new Set(closedRelay ? [] : [...last.values()].filter((s) => s !== null));
    for (const slot of slots) assert.is(relay.source(slot), closedRelay ? null : (last.get(slot) ?? null), `round ${round}, ${slot}`);
    for (const s of all) assert.is(s.closes, live.has(s) ? 0 : 1, `round ${round}: ${s.name} closed ${s.closes} times`);
    await relay.close();
    for (const s of all) assert.is(s.closes, 1, `round ${round}: ${s.name} after the relay closed`);
  }
});

test('setSource: setting the source already in the slot keeps it; a source whose close fails does not stop the next one', async () => {
  const relay = new MediaRelay();
  const a = new SlowSource('a', 0);
  await relay.setSource(a);
  await relay.setSource(a);
  assert.is(a.closes, 0);
  a.close = () => {
    a.closes++;
    throw new Error('close failed');
  };
  const b = new SlowSource('b', 0);
  await relay.setSource(b); // resolves: the failure is the relay's to log
  assert.is(relay.source(), b);
  assert.is(a.closes, 1);
  const p = new SlowSource('p', 0);
  await relay.setSource(p, 'podcast');
  b.close = () => Promise.reject(new Error('close failed'));
  await relay.close();
  assert.is(p.closes, 1, 'one source failing to close does not keep the relay from closing the others');
});

/** A podcast feed like ffmpeg's: `ended` resolves when it ends by itself or is closed. */
class CountingFeed extends SlowSource implements PodcastFeed {
  readonly title = 'Test';
  readonly ended: Promise<void>;
  end: () => void = () => {};
  constructor(name: string, closeMs = 5) {
    super(name, closeMs);
    this.ended = new Promise((resolve) => (this.end = resolve));
  }
  override close(): void | Promise<void> {
    const closing = super.close();
    this.end();
    return closing;
  }
}

function fakeHost(): RoomHost & { sent: PodcastStatus[] } {
  const sent: PodcastStatus[] = [];
  return {
    sent,
    on: () => () => {},
    broadcast: (msg: PodcastStatus & { type: string }) => sent.push({ on: msg.on, title: msg.title, since: msg.since }),
    sendTo: () => {},
    memberName: () => undefined,
  } as unknown as RoomHost & { sent: PodcastStatus[] };
}

function podcastOn(): { relay: MediaRelay; hp: HostPodcast; host: ReturnType<typeof fakeHost> } {
  const relay = new MediaRelay();
  const host = fakeHost();
  return { relay, host, hp: new HostPodcast(host, relay) };
}

test('podcast: podcast-stop closes the source once, through the relay', async () => {
  const { relay, hp } = podcastOn();
  const feed = new CountingFeed('feed');
  await hp.play(async () => feed);
  assert.is(relay.source('podcast'), feed);
  await hp.stop();
  assert.is(relay.source('podcast'), null);
  assert.is(hp.status.on, false);
  await hp.close();
  await relay.close();
  await sleep(10);
  assert.is(feed.closes, 1);
});

test('podcast: the file’s end closes the source once and turns the podcast off', async () => {
  const { relay, hp } = podcastOn();
  const feed = new CountingFeed('feed');
  await hp.play(async () => feed);
  feed.end(); // ffmpeg exited at the end of the file
  await sleep(20);
  assert.is(hp.status.on, false);
  assert.is(relay.source('podcast'), null);
  await hp.close();
  await relay.close();
  assert.is(feed.closes, 1);
});

test('podcast: the relay closing closes the source once; the podcast stopping after it does not close it again', async () => {
  const { relay, hp } = podcastOn();
  const feed = new CountingFeed('feed');
  await hp.play(async () => feed);
  await relay.close();
  assert.is(feed.closes, 1);
  await sleep(10); // `ended` (closing ends it) stops the podcast
  await hp.stop();
  await hp.close();
  assert.is(feed.closes, 1);
  assert.is(hp.status.on, false);
});

test('podcast: a replaced source is closed once; a stop while it is still closing leaves the podcast off and nothing live', async () => {
  const { relay, hp, host } = podcastOn();
  const first = new CountingFeed('first', 30);
  await hp.play(async () => first);
  const second = new CountingFeed('second', 5);
  const playing = hp.play(async () => second); // the relay takes 30 ms to close `first`
  await sleep(10);
  await hp.stop();
  await playing;
  await sleep(40);
  assert.is(hp.status.on, false, 'stopped');
  assert.is(host.sent.at(-1)?.on, false, 'and the members were told so last');
  assert.is(relay.source('podcast'), null, 'nothing left playing');
  assert.is(first.closes, 1);
  assert.is(second.closes, 1);
  await hp.close();
  await relay.close();
  assert.is(first.closes + second.closes, 2);
});

test('podcast: a start that lost the race to a stop closes its own source, which the relay never saw', async () => {
  const { relay, hp } = podcastOn();
  const late = new CountingFeed('late');
  const starting = hp.play(async () => (await sleep(10), late));
  await hp.stop();
  await starting;
  assert.is(late.closes, 1);
  assert.is(relay.source('podcast'), null);
  assert.is(hp.status.on, false);
  await hp.close();
  await relay.close();
  assert.is(late.closes, 1);
});

const udpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

async function boundSocket(port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
  return s;
}

test('FfmpegSource.launch: when the second socket cannot bind, the first is closed and its port is free again', async () => {
  const busy = await boundSocket();
  await sleep(10);
  const before = udpHandles();
  const createSocket = dgram.createSocket;
  const ports: number[] = [];
  let made = 0;
  // The second socket of launch() is sent to a port that is taken: a real EADDRINUSE.
  dgram.createSocket = ((...args: Parameters<typeof createSocket>) => {
    const s = createSocket(...args);
    s.once('listening', () => ports.push(s.address().port));
    if (++made === 2) {
      const bind = s.bind.bind(s) as (port: number, address: string, cb: () => void) => dgram.Socket;
      s.bind = ((_port: number, address: string, cb: () => void) => bind(busy.address().port, address, cb)) as typeof s.bind;
    }
    return s;
  }) as typeof dgram.createSocket;
  let err: NodeJS.ErrnoException | undefined;
  try {
    await FfmpegSource.launch({ kinds: ['video', 'audio'], args: () => assert.unreachable('ffmpeg must not start') as never });
  } catch (e) {
    err = e as NodeJS.ErrnoException;
  } finally {
    dgram.createSocket = createSocket;
  }
  assert.is(err?.code, 'EADDRINUSE');
  assert.is(ports.length, 1, 'the first socket was bound');
  const again = await boundSocket(ports[0]); // EADDRINUSE here if the first socket leaked
  again.close();
  busy.close();
  await sleep(10);
  assert.is(udpHandles(), before - 1, 'no socket left open');
});

test('FfmpegSource.launch: when the command line cannot be made or ffmpeg cannot be spawned, its sockets are closed', async () => {
  await sleep(10);
  const before = udpHandles();
  const bad = await FfmpegSource.launch({
    kinds: ['video', 'audio'],
    args: () => {
      throw new TypeError('bad input');
    },
  }).catch((e: Error) => e);
  assert.instance(bad, TypeError);
  // A NUL byte in a path: spawn throws at once.
  const unspawnable = await FfmpegSource.launch({ kinds: ['podcast'], args: () => ['-version'], ffmpegPath: 'ff\0mpeg' }).catch((e: NodeJS.ErrnoException) => e);
  assert.is((unspawnable as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_VALUE');
  await sleep(10);
  assert.is(udpHandles(), before);
});

test('BrowserLink.offer: a track it cannot make closes the PeerConnection it had opened', async () => {
  const made: InstanceType<typeof nodeDataChannel.PeerConnection>[] = [];
  const Real = nodeDataChannel.PeerConnection;
  (nodeDataChannel as { PeerConnection: typeof Real }).PeerConnection = class extends Real {
    constructor(...args: ConstructorParameters<typeof Real>) {
      super(...args);
      made.push(this);
    }
  };
  try {
    const err = await BrowserLink.offer('bad', [{ mid: 'audio', kind: 'audio', codec: 'opus', payloadType: 111, ssrc: 'not a number' as never }]).catch((e: Error) => e);
    assert.instance(err, Error);
  } finally {
    (nodeDataChannel as { PeerConnection: typeof Real }).PeerConnection = Real;
  }
  assert.is(made.length, 1);
  assert.is(made[0]!.state(), 'closed', 'not left for the 8 s connect timer');
  nodeDataChannel.cleanup();
});

test.run();
