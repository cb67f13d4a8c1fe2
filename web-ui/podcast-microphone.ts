/**
 * The instructor's microphone as the podcast, one per AgentClient: getUserMedia (audio only), one
 * sendonly Opus track on a loopback RTCPeerConnection to this page's agent (`podcast-publish` with
 * our offer → the agent's answer), and a level meter on the microphone itself (an AnalyserNode),
 * since the agent never decodes what it forwards. Separate from going live: the podcast has its
 * own connection and its own slot in the agent, so the instructor can do either alone.
 */
import type { AgentClient } from './agent-client.js';
import { Listeners, gatheredSdp, onConnectionLost, whenConnected } from './loopback-peer.js';

const LEVEL_MS = 100;
/** readings the meter holds its peak over (one second) */
const HOLD_READINGS = 10;
/** Speech as it is: the voice-call processing would pump a music or lecture recording. */
const AUDIO: MediaTrackConstraints = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };

export class PodcastMicrophone {
  on = false;
  starting = false;
  /** RMS of the last 100 ms, dBFS */
  levelDb: number | null = null;
  error: string | null = null;
  readonly #listeners = new Listeners();
  #pc: RTCPeerConnection | null = null;
  #stream: MediaStream | null = null;
  #audio: AudioContext | null = null;
  #meter: ReturnType<typeof setInterval> | undefined;

  /** Made by the client: `client.model(PodcastMicrophone)`. */
  constructor(readonly client: AgentClient) {
    // The podcast stopped (its Stop button, another source): the microphone is off with it, now,
    // rather than when the closed loopback link is noticed seconds later as a lost connection.
    client.onEvent('podcast-status', (ev) => {
      if (!ev.status.on && this.on) this.#teardown(null);
    });
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  async start(): Promise<void> {
    if (this.on || this.starting) return;
    this.starting = true;
    this.error = null;
    this.#listeners.emit();
    // Made now, inside the click: an AudioContext made after the awaits below (the agent's answer,
    // ICE) can miss the click's user activation (about 5 s) and stay suspended, a meter stuck at
    // silence although the microphone is on air.
    this.#audio = new AudioContext();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: AUDIO });
      this.#stream = stream;
      const pc = new RTCPeerConnection({ iceServers: [] });
      this.#pc = pc;
      for (const track of stream.getAudioTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      await pc.setLocalDescription();
      const { sdp } = await this.client.request({ type: 'podcast-publish', sdp: await gatheredSdp(pc) });
      await pc.setRemoteDescription({ type: 'answer', sdp });
      await whenConnected(pc);
      onConnectionLost(pc, () => this.#pc === pc && this.#teardown('The connection to the agent was lost; the microphone is off.'));
      this.#startMeter(stream);
      this.on = true;
    } catch (err) {
      this.#teardown(err instanceof DOMException ? `The microphone is not available (${err.name}).` : err instanceof Error ? err.message : String(err));
    } finally {
      this.starting = false;
      this.#listeners.emit();
    }
  }

  async stop(): Promise<void> {
    this.#teardown(null);
    await this.client.request({ type: 'podcast-stop' }).catch(() => {});
  }

  #startMeter(stream: MediaStream): void {
    const ctx = this.#audio ?? new AudioContext();
    this.#audio = ctx;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
    const an = ctx.createAnalyser();
    // 8192 samples (170 ms at 48 kHz) read every 100 ms: the windows overlap, so no sound falls
    // between two readings. A 2048-sample window read every 100 ms saw 43 % of the signal, and a
    // short periodic sound (a beep every 500 ms, a syllable) could be missed for seconds.
    an.fftSize = 8192;
    ctx.createMediaStreamSource(stream).connect(an);
    const samples = new Float32Array(an.fftSize);
    // The meter shows the loudest of the last second's readings, as a peak-hold meter does.
    const recent: number[] = [];
    this.#meter = setInterval(() => {
      an.getFloatTimeDomainData(samples);
      const rms = loudestBlockRms(samples);
      recent.push(rms > 0 ? Math.max(-100, Math.round(20 * Math.log10(rms))) : -100);
      if (recent.length > HOLD_READINGS) recent.shift();
      this.levelDb = Math.max(...recent);
      this.#listeners.emit();
    }, LEVEL_MS);
  }

  #teardown(error: string | null): void {
    clearInterval(this.#meter);
    void this.#audio?.close().catch(() => {});
    this.#audio = null;
    this.#pc?.close();
    this.#pc = null;
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
    this.on = false;
    this.levelDb = null;
    this.error = error;
    this.#listeners.emit();
  }
}

/** RMS of the loudest 1024-sample block (21 ms at 48 kHz): a short sound is not averaged away. */
function loudestBlockRms(samples: Float32Array, block = 1024): number {
  let loudest = 0;
  for (let start = 0; start < samples.length; start += block) {
    let sum = 0;
    const end = Math.min(samples.length, start + block);
    for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
    loudest = Math.max(loudest, sum / (end - start));
  }
  return Math.sqrt(loudest);
}
