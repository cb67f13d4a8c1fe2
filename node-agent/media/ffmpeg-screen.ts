/**
 * A headless shared screen for tests and benches (`camvid host --screen testsrc|ffmpeg:<input>`):
 * ffmpeg encodes VP8 with the screen's profile (high resolution, few frames, a steady bitrate) and
 * Opus for its sound, and sends RTP like the headless camera (FfmpegSource.launch). It becomes the
 * relay's `screen` source, beside whatever is the camera.
 *
 * `testsrc` is a slide: black text on white at 1920x1080 (a title, lines of a terminal, a frame
 * counter that changes every frame) and a 660 Hz tone; without the DejaVu font (Debian's
 * fonts-dejavu-core) it is ffmpeg's testsrc2 pattern. A still image (png, jpg) is shown for as long
 * as the share lasts; any other file loops; anything else goes to `-i` as it is.
 */
import { existsSync, statSync } from 'node:fs';
import { CLOCK_RATES, PAYLOAD_TYPES } from '../../protocol/media.js';
import { FfmpegSource, KEYFRAME_SECONDS } from './ffmpeg-source.js';

/** Text needs pixels, not motion: few frames, at a rate the tree can carry (docs/benchmarks.md). */
export const SCREEN_DEFAULTS = { size: '1920x1080', fps: 5, kbps: 1200 } as const;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
const RTP_PACKET_BYTES = 1200;
const IMAGE = /\.(png|jpe?g|bmp|webp)$/i;

export interface ScreenSourceOptions {
  /** `testsrc` or an ffmpeg input */
  input: string;
  size?: string;
  fps?: number;
  kbps?: number;
  ffmpegPath?: string;
}

/** The test slide: lines of text and a counter, black on white. */
function slideFilter(size: string, fps: number): string {
  const line = (y: number, text: string, px: number) =>
    `drawtext=fontfile=${FONT}:fontsize=${px}:fontcolor=black:x=80:y=${y}:text='${text}'`;
  return [
    `color=c=white:size=${size}:rate=${fps}`,
    line(60, 'Computer Networks - Lecture 7 - TCP congestion control', 56),
    line(200, '$ tcpdump -i eth0 -nn port 443', 36),
    line(260, '10.0.0.7.51234 > 10.0.0.1.443 Flags [S] seq 2024 win 64240', 36),
    line(320, '10.0.0.1.443 > 10.0.0.7.51234 Flags [S.] seq 9 ack 2025 win 65160', 36),
    line(380, 'cwnd = min(cwnd + MSS * MSS / cwnd, rwnd)   ssthresh = cwnd / 2', 36),
    `drawtext=fontfile=${FONT}:fontsize=36:fontcolor=black:x=80:y=460:text='frame %{n}'`,
  ].join(',');
}

export function screenArgs(opts: ScreenSourceOptions, ports: { screen: number; audio: number }): string[] {
  const fps = opts.fps ?? SCREEN_DEFAULTS.fps;
  const size = opts.size ?? (opts.input === 'testsrc' ? SCREEN_DEFAULTS.size : undefined);
  const gop = Math.max(1, Math.round(fps * KEYFRAME_SECONDS));
  const isFile = opts.input !== 'testsrc' && existsSync(opts.input) && statSync(opts.input).isFile();
  let input: string[];
  if (opts.input === 'testsrc') {
    const video = existsSync(FONT) ? slideFilter(size!, fps) : `testsrc2=size=${size}:rate=${fps}`;
    input = ['-re', '-f', 'lavfi', '-i', video, '-re', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000'];
  } else if (isFile && IMAGE.test(opts.input)) {
    input = ['-re', '-loop', '1', '-framerate', String(fps), '-i', opts.input, '-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'];
  } else {
    input = [...(isFile ? ['-re', '-stream_loop', '-1'] : []), '-i', opts.input];
  }
  const audioMap = opts.input === 'testsrc' || (isFile && IMAGE.test(opts.input)) ? '1:a:0' : '0:a:0?';
  const url = (port: number) => `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=${RTP_PACKET_BYTES}`;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', ...input,
    '-map', '0:v:0', ...(size && opts.input !== 'testsrc' ? ['-vf', `scale=${size.replace('x', ':')}`] : []), '-r', String(fps),
    // Screen content: a steady rate (text smears when the encoder starves a frame), blocks that do not
    // change are skipped, key frames capped so one does not flood the tree.
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '6', '-b:v', `${opts.kbps ?? SCREEN_DEFAULTS.kbps}k`,
    '-static-thresh', '100', '-max-intra-rate', '900', '-undershoot-pct', '95',
    '-g', String(gop), '-force_key_frames', `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`, '-auto-alt-ref', '0', '-error-resilient', '1',
    '-payload_type', String(PAYLOAD_TYPES.screen), '-f', 'rtp', url(ports.screen),
    '-map', audioMap, '-c:a', 'libopus', '-b:a', '48k', '-ar', String(CLOCK_RATES['screen-audio']), '-application', 'audio',
    '-frame_duration', '20', '-payload_type', String(PAYLOAD_TYPES['screen-audio']), '-f', 'rtp', url(ports.audio),
  ];
}

/** Starts ffmpeg as the shared screen; resolves once its first screen packet arrived. */
export function startScreenSource(opts: ScreenSourceOptions): Promise<FfmpegSource> {
  return FfmpegSource.launch({
    kinds: ['screen', 'screen-audio'],
    args: (ports) => screenArgs(opts, { screen: ports.screen!, audio: ports['screen-audio']! }),
    ffmpegPath: opts.ffmpegPath,
  });
}
