/**
 * A source that flashes white and beeps at the same instant once a second, and a detector that
 * stamps each flash and beep where a student's page plays them: the lip-sync measurement,
 * shared by the `live-flash-beep` browser test and `npm run bench -- lipsync`.
 *
 * The instructor's page replaces getUserMedia with a canvas (captureStream) that turns white and a
 * WebAudio oscillator that sounds, from the same tick of the page's clock, for 120 ms. At the watching
 * page each decoded frame's luminance is read at requestVideoFrameCallback (a rising edge = a
 * flash, stamped with the frame's expectedDisplayTime) and the received audio goes through an
 * AnalyserNode polled every 2 ms (a rising RMS = a beep). Offset = beep − flash: positive when
 * sound is late. The range is −45…+125 ms (ITU-R BT.1359) at p5/p95 over 20 events.
 */
import type { Locator } from 'playwright-core';

/** Sound at most this late after the picture (ms). */
export const MAX_AUDIO_LAG_MS = 125;
/** Sound at most this early before the picture (ms). */
export const MAX_AUDIO_LEAD_MS = 45;

/**
 * Replaces getUserMedia in the instructor's page: flash + beep once a second, started in the same
 * tick of the page's clock, each captured at its first chance. The canvas is captured frame by
 * frame (captureStream(0) + requestFrame: the flash goes with the next rendering, not up to 33 ms
 * later at a fixed 30 fps), and the beep is switched on at the AudioContext's current time (the
 * next render quantum). Painting the flash when the audio clock said so, as this did first, put it
 * behind the beep by the audio clock's update step, the timer's lateness and the frame-rate wait:
 * 0–50 ms, which read as sound early at the student (p5 −50 ms in one CI run).
 */
export const FLASH_AND_BEEP = `(() => {
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const g = canvas.getContext('2d');
    const track = canvas.captureStream(0).getVideoTracks()[0];
    const ac = new AudioContext({ latencyHint: 'interactive' });
    await ac.resume().catch(() => {});
    const osc = ac.createOscillator();
    osc.frequency.value = 1000;
    const gain = ac.createGain();
    gain.gain.value = 0;
    const dest = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    const PERIOD = 1000, ON = 120, FRAME = 1000 / 30;
    const start = performance.now() + 1000;
    let on = false;
    let lastFrame = -Infinity;
    setInterval(() => {
      const t = performance.now();
      const flash = t >= start && (t - start) % PERIOD < ON;
      if (flash === on && t - lastFrame < FRAME) return;
      if (flash !== on) {
        on = flash;
        gain.gain.setValueAtTime(flash ? 1 : 0, ac.currentTime);
      }
      g.fillStyle = flash ? '#fff' : '#000';
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = '#333';
      g.fillRect((t / 5) % 600, 330, 30, 20);
      track.requestFrame();
      lastFrame = t;
    }, 2);
    const stream = new MediaStream([track, ...dest.stream.getAudioTracks()]);
    window.__camvidSynthetic = { ac, osc, stream };
    return stream;
  };
})()`;

/**
 * Flash and beep onsets (performance.now() ms) at the watching page over `ms`: an init script that
 * defines `window.__camvidDetect(video, ms)` (source text, not a function passed to evaluate():
 * tsx's keepNames would wrap its inner arrow functions in a helper the page lacks).
 */
export const DETECT = `window.__camvidDetect = async (v, ms) => {
  const ac = new AudioContext();
  await ac.resume().catch(() => {});
  const an = ac.createAnalyser();
  an.fftSize = 256;
  ac.createMediaStreamSource(v.srcObject).connect(an);
  const buf = new Float32Array(an.fftSize);
  const beeps = [];
  let loud = false;
  const poll = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let e = 0;
    for (const x of buf) e += x * x;
    const rms = Math.sqrt(e / buf.length);
    if (!loud && rms > 0.1) {
      loud = true;
      beeps.push(performance.now());
    } else if (loud && rms < 0.02) loud = false;
  }, 2);
  const c = document.createElement('canvas');
  c.width = 32;
  c.height = 18;
  const g = c.getContext('2d', { willReadFrequently: true });
  const flashes = [];
  let bright = false;
  let stop = false;
  const onFrame = (_now, meta) => {
    if (stop) return;
    g.drawImage(v, 0, 0, 32, 18);
    const d = g.getImageData(0, 0, 32, 18).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    const lum = s / (3 * 32 * 18);
    if (!bright && lum > 128) {
      bright = true;
      flashes.push(meta.expectedDisplayTime);
    } else if (bright && lum < 64) bright = false;
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  clearInterval(poll);
  await ac.close();
  return { flashes, beeps };
};`;

export function onsets(video: Locator, ms: number): Promise<{ flashes: number[]; beeps: number[] }> {
  return video.evaluate((v, ms) => (window as unknown as { __camvidDetect(v: Element, ms: number): Promise<{ flashes: number[]; beeps: number[] }> }).__camvidDetect(v, ms), ms);
}

/** beep − flash for each flash with a beep within 500 ms (ms). */
export function pair(flashes: number[], beeps: number[]): number[] {
  const out: number[] = [];
  for (const f of flashes) {
    const near = beeps.reduce<number | null>((best, b) => (Math.abs(b - f) < 500 && (best === null || Math.abs(b - f) < Math.abs(best - f)) ? b : best), null);
    if (near !== null) out.push(near - f);
  }
  return out;
}

/** How many of `offsets` fall within the range. */
export const withinWindow = (offsets: readonly number[]): number => offsets.filter((o) => o >= -MAX_AUDIO_LEAD_MS && o <= MAX_AUDIO_LAG_MS).length;
