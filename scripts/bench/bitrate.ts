/**
 * `npm run bench -- bitrate`: how fast the instructor's page sends its camera on an idle loopback
 * LAN, and what limits it. A UI agent hosts (fan-out 1), its page goes live with Chromium's fake
 * camera (720p ideal), a headless relay and a student page two hops down watch. Every second for
 * SECONDS the instructor page's getStats (outbound-rtp: bytes, resolution, frame rate, the
 * encoder's target and its quality limitation; the transport's available outgoing bitrate, which
 * the agent's REMB caps) and the student page's (inbound-rtp) are read; the table gives them every
 * STEP seconds. The host's REMB is the lower of the camera's 2.5 Mbit/s and the tree's estimate
 * (docs/media.md, "What the tree can carry"): on clean loopback links the tree limits nothing.
 */
import { Cluster } from '../../test/helpers/agents.js';
import { AUTOPLAY_ARG, launchBrowser } from '../../test/helpers/browser.js';
import { startDepth2Class } from '../../test/helpers/depth2-class.js';
import { readVideoRates, type VideoRateStats } from '../../test/helpers/send-stats.js';

const SECONDS = 40;
const STEP = 4;

export async function benchBitrate(): Promise<string> {
  const browser = await launchBrowser([AUTOPLAY_ARG]);
  const cluster = new Cluster();
  try {
    const { teacher, student } = await startDepth2Class(cluster, browser);
    const kbps = (a: VideoRateStats, b: VideoRateStats, key: 'sent' | 'received') => Math.round(((a[key].bytes - b[key].bytes) * 8) / (a.at - b.at));
    const rows: string[] = [];
    let from = { t: await readVideoRates(teacher), s: await readVideoRates(student) };
    for (let second = 1; second <= SECONDS; second++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (second % STEP) continue;
      const t = await readVideoRates(teacher);
      const s = await readVideoRates(student);
      const row = `| ${second} | ${kbps(t, from.t, 'sent')} | ${t.sent.width}×${t.sent.height} @ ${t.sent.fps} | ${Math.round(t.sent.targetBitrate / 1000)} | ${Math.round(t.sent.available / 1000)} | ${t.sent.limitation} | ${kbps(s, from.s, 'received')} | ${s.received.width}×${s.received.height} @ ${s.received.fps} |`;
      console.log(row);
      rows.push(row);
      from = { t, s };
    }
    return [
      "The instructor's page live with Chromium's fake camera (720p ideal), a student page two hops down (host → relay → student agent → page), real Chromium on 127.0.0.1, read every",
      `${STEP} s for ${SECONDS} s from the pages' getStats. "sent" / "received": kbit/s of video over the last ${STEP} s; "target": the encoder's target bitrate; "available": the transport's`,
      "estimate (availableOutgoingBitrate), which the agent's REMB caps at 2.5 Mbit/s; \"limited by\": the encoder's qualityLimitationReason.",
      '',
      '| s after the picture | sent kbit/s | sent size @ fps | target kbit/s | available kbit/s | limited by | student received kbit/s | received size @ fps |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  } finally {
    await browser.close();
    await cluster.close();
  }
}
