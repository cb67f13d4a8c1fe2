/**
 * The page side of `npm run bench -- glass`, bundled by esbuild into one script (global
 * `camvidGlass`) that the benchmark puts into Chromium pages: a source that paints the wall time
 * into each frame and sounds a tone burst once a second, a reader that times each decoded frame
 * and each burst's onset, and a direct page-to-page RTCPeerConnection (the floor, no agents).
 *
 * Every time here is wall time in ms, `performance.timeOrigin + performance.now()`: all pages of
 * one Chromium read the same clock, which is what makes capture → display measurable.
 */
import { decodeStamp, stampBits, stampCells } from './glass-pattern.js';

export interface SourceOptions {
  width: number;
  height: number;
  fps: number;
  /**
   * The lower half: 'noise' (default), 60 rectangles of random colours at random places each
   * frame, nothing an encoder can predict (a worst case); 'motion', a few shapes gliding over a
   * still background, as a lecturer moves in front of a wall (what a camera's encoder mostly sees).
   */
  picture?: 'noise' | 'motion';
}

/** one tone burst a second, this long; its onset is what the reader times */
const BURST_PERIOD_S = 1;
const BURST_ON_S = 0.08;
const TONE_HZ = 1000;
/** a sample above this (the burst's amplitude is 1) is sound */
const ONSET_LEVEL = 0.3;
/** silence this long before a sound makes it an onset (a burst has many zero crossings) */
const QUIET_MS = 300;
/** the reader's canvas: the stamp's cells are ~18 × 40 px on it */
const READ_W = 320;
const READ_H = 180;
/** what the floor's sender may use, as the agent asks of the instructor's page (REMB) */
const FLOOR_MAX_BITRATE = 2_500_000;

const wall = (): number => performance.timeOrigin + performance.now();

interface Source {
  stream: MediaStream;
  /** wall time of each burst's onset as scheduled in the AudioContext */
  bursts: number[];
}
let source: Source | null = null;
/** frames the source has painted */
let painted = 0;

/** Makes getUserMedia return the stamped source (an init script in the instructor's page). */
export function installSource(o: SourceOptions): void {
  navigator.mediaDevices.getUserMedia = async () => (await openSource(o)).stream;
}

/** The page's one source (the publisher and the floor's link send the same frames). */
export async function openSource(o: SourceOptions): Promise<Source> {
  if (source) return source;
  const canvas = document.createElement('canvas');
  canvas.width = o.width;
  canvas.height = o.height;
  const g = canvas.getContext('2d')!;
  const cells = stampCells(o.width, o.height);
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const background = g.createLinearGradient(0, 0, o.width, o.height);
  background.addColorStop(0, '#445');
  background.addColorStop(1, '#b98');
  const paint = () => {
    painted++;
    const bits = stampBits(wall());
    g.fillStyle = '#000';
    g.fillRect(0, 0, o.width, o.height / 2);
    g.fillStyle = '#fff';
    cells.forEach((c, i) => {
      if (bits[i]) g.fillRect(c.x, c.y, c.w, c.h);
    });
    const top = o.height / 2 + 8;
    const h = o.height / 2 - 8;
    if (o.picture === 'motion') {
      const t = performance.now() / 1000;
      g.fillStyle = background;
      g.fillRect(0, top, o.width, h);
      for (let i = 0; i < 6; i++) {
        g.fillStyle = `hsl(${i * 60},70%,50%)`;
        g.beginPath();
        g.arc(((Math.sin(t * (0.3 + i * 0.1) + i) + 1) / 2) * o.width, top + ((Math.cos(t * (0.2 + i * 0.07) + i) + 1) / 2) * h, h / 6, 0, 2 * Math.PI);
        g.fill();
      }
      return;
    }
    // noise: nothing predictable from the last frame
    for (let i = 0; i < 60; i++) {
      g.fillStyle = `hsl(${Math.floor(random() * 360)},70%,${20 + Math.floor(random() * 60)}%)`;
      g.fillRect(random() * o.width, top + random() * h, (random() * o.width) / 6, (random() * o.height) / 8);
    }
  };
  paint();
  setInterval(paint, 1000 / o.fps);

  const ac = new AudioContext({ latencyHint: 'interactive' });
  await ac.resume().catch(() => {});
  const osc = ac.createOscillator();
  osc.frequency.value = TONE_HZ;
  const gain = ac.createGain();
  gain.gain.value = 0;
  const dest = ac.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  const bursts: number[] = [];
  let next = ac.currentTime + 0.5;
  setInterval(() => {
    while (next < ac.currentTime + 0.3) {
      gain.gain.setValueAtTime(1, next);
      gain.gain.setValueAtTime(0, next + BURST_ON_S);
      bursts.push(wall() + (next - ac.currentTime) * 1000);
      next += BURST_PERIOD_S;
    }
  }, 50);
  const stream = new MediaStream([...canvas.captureStream().getVideoTracks(), ...dest.stream.getAudioTracks()]);
  source = { stream, bursts };
  return source;
}

/** How many frames the source has painted so far. */
export function paints(): number {
  return painted;
}

export function bursts(): number[] {
  return source ? [...source.bursts] : [];
}

export interface FrameReading {
  /** the stamp's counter, null when the frame held no clean stamp */
  stamp: number | null;
  /** wall time the frame was to be shown (rVFC expectedDisplayTime) */
  display: number;
  /** wall time its last packet arrived (rVFC receiveTime, WebRTC frames only) */
  receive: number | null;
  /** the frame's RTP timestamp (rVFC rtpTimestamp, WebRTC frames only) */
  rtp: number | null;
  width: number;
}

export interface Reading {
  frames: FrameReading[];
  /** wall time of each tone onset heard */
  onsets: number[];
}

/** Reads every frame `video` shows and every burst it plays, for `ms`. */
export async function watch(video: HTMLVideoElement, ms: number): Promise<Reading> {
  const frames: FrameReading[] = [];
  const onsets: number[] = [];
  const c = document.createElement('canvas');
  c.width = READ_W;
  c.height = READ_H;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  let stop = false;
  const onFrame = (_now: number, meta: VideoFrameCallbackMetadata & { receiveTime?: number; rtpTimestamp?: number }) => {
    if (stop) return;
    g.drawImage(video, 0, 0, READ_W, READ_H);
    frames.push({
      stamp: decodeStamp(g.getImageData(0, 0, READ_W, READ_H).data, READ_W, READ_H),
      display: performance.timeOrigin + meta.expectedDisplayTime,
      receive: meta.receiveTime === undefined ? null : performance.timeOrigin + meta.receiveTime,
      rtp: meta.rtpTimestamp ?? null,
      width: meta.width,
    });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);

  const ac = new AudioContext();
  await ac.resume().catch(() => {});
  const an = ac.createAnalyser();
  // 43 ms at 48 kHz: a poll late by less than that still sees the onset's first sample
  an.fftSize = 2048;
  const audio = new MediaStream((video.srcObject as MediaStream).getAudioTracks());
  if (audio.getAudioTracks().length) ac.createMediaStreamSource(audio).connect(an);
  // The analyser holds the last fftSize samples; the onset is the first loud one of the window
  // that first has one, dated back from now by how far it is from the window's end.
  const samples = new Float32Array(an.fftSize);
  let quietSince = 0;
  const poll = setInterval(() => {
    const at = wall();
    an.getFloatTimeDomainData(samples);
    const first = samples.findIndex((x) => Math.abs(x) > ONSET_LEVEL);
    if (first < 0) {
      quietSince ||= at;
      return;
    }
    if (quietSince && at - quietSince > QUIET_MS) onsets.push(at - ((samples.length - first) / ac.sampleRate) * 1000);
    quietSince = 0;
  }, 2);
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  clearInterval(poll);
  await ac.close();
  return { frames, onsets };
}

/** Plays the page's own source in a new <video id="glass-local"> (the path with no encoder). */
export async function playLocal(): Promise<void> {
  const v = document.createElement('video');
  v.id = 'glass-local';
  v.muted = true;
  v.srcObject = source!.stream;
  document.body.append(v);
  await v.play();
}

/** Whole-description SDP once gathering is done (loopback: a few ms). */
async function gathered(pc: RTCPeerConnection): Promise<string> {
  while (pc.iceGatheringState !== 'complete') await new Promise((r) => setTimeout(r, 10));
  return pc.localDescription!.sdp;
}

let floorPc: RTCPeerConnection | null = null;

/** In the source's page: the floor's sending end, VP8 like the tree; returns its offer. */
export async function floorOffer(): Promise<string> {
  floorPc?.close(); // the last floor's page is gone: stop encoding for it
  const pc = new RTCPeerConnection({ iceServers: [] });
  floorPc = pc;
  for (const track of source!.stream.getTracks()) {
    const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [source!.stream] });
    if (track.kind === 'video') {
      const vp8 = (RTCRtpSender.getCapabilities('video')?.codecs ?? []).filter((k) => /VP8/i.test(k.mimeType));
      t.setCodecPreferences(vp8);
      const p = t.sender.getParameters();
      if (p.encodings[0]) p.encodings[0].maxBitrate = FLOOR_MAX_BITRATE;
      await t.sender.setParameters(p);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  return gathered(pc);
}

export async function floorAccept(answer: string): Promise<void> {
  await floorPc!.setRemoteDescription({ type: 'answer', sdp: answer });
}

/** In the floor's watching page: answers, and plays what arrives in <video id="glass-floor">. */
export async function floorAnswer(offer: string): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const v = document.createElement('video');
  v.id = 'glass-floor';
  v.muted = true;
  v.autoplay = true;
  document.body.append(v);
  const stream = new MediaStream();
  pc.ontrack = (ev) => {
    stream.addTrack(ev.track);
    v.srcObject = stream;
    void v.play().catch(() => {});
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  return gathered(pc);
}
