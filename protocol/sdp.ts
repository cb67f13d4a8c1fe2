/**
 * The few SDP edits the loopback link between an agent and its own browser needs. Pure text: no
 * parsing beyond lines and media sections. Anything that does not look like an SDP from a browser
 * is refused with CamvidError('BAD_MESSAGE') before libdatachannel sees it.
 *
 * Why restrict a browser's offer (docs/media.md): the tree carries one codec per kind (VP8, Opus)
 * with fixed payload types, and libdatachannel answers with every codec and extension the offer
 * lists. Keeping only VP8/Opus removes RTX, RED, FEC and the other video codecs; removing
 * `transport-cc` (feedback and header extension) matters most: libdatachannel accepts it but never
 * sends the feedback, and Chromium's sender then collapses to 320x240 at ~90 kbit/s. Without it
 * Chromium falls back to receiver reports and REMB, which the agent sends.
 */
import { CamvidError } from './errors.js';

/** A browser offer is 2–8 KB; this leaves room for many candidates and stays far below the UI socket's 64 KiB. */
export const MAX_SDP_LENGTH = 32 * 1024;
const LINE = /^[a-z]=[^\0-\x08\x0a-\x1f\x7f]*$/;

export type SdpMediaKind = 'video' | 'audio';

/** What a kept media section negotiates: its mid and the payload type of the one codec left. */
export interface SdpMedia {
  kind: SdpMediaKind;
  mid: string;
  payloadType: number;
  /**
   * Simulcast (video, when the caller allows it): the layers' SSRCs, lowest first, as the page's
   * `a=ssrc-group:SIM` lists them.
   */
  simulcast?: { ssrcs: number[] };
}

/** At most this many simulcast layers are taken from a page. */
export const MAX_SIMULCAST_LAYERS = 3;

/**
 * The instructor's camera in simulcast layers, lowest first, as the page sends them
 * (web-ui/simulcast.ts) and as its agent allows for them (node-agent/media/rate-control.ts
 * `cameraBitrate`): each layer's scale and bitrate.
 */
export const CAMERA_LAYERS: readonly { scaleResolutionDownBy: number; maxBitrate: number }[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_800_000 },
];

export interface RestrictedOffer {
  sdp: string;
  media: SdpMedia[];
}

const bad = (what: string): never => {
  throw new CamvidError('BAD_MESSAGE', `Bad media description from the page: ${what}.`);
};

/** Splits an SDP into its lines after checking size and characters; throws BAD_MESSAGE. */
export function sdpLines(sdp: unknown): string[] {
  if (typeof sdp !== 'string' || sdp.length === 0) return bad('not a string');
  if (sdp.length > MAX_SDP_LENGTH) return bad(`longer than ${MAX_SDP_LENGTH} characters`);
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'v=0') return bad('it does not start with v=0');
  for (const l of lines) if (!LINE.test(l)) return bad(`line "${l.slice(0, 40)}"`);
  return lines;
}

/** Checks an answer from the page (size, characters, v=0, at least one media section). */
export function checkSdp(sdp: unknown): string {
  const lines = sdpLines(sdp);
  if (!lines.some((l) => l.startsWith('m='))) bad('no media section');
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Keeps, in each audio/video section of a browser's offer, only the codec named in `codecs`
 * (`VP8`, `opus`; case-insensitive), drops `transport-cc`, header extensions and RTX/FEC SSRCs,
 * and reports each section's mid and payload type. At most one section per kind; a kind not
 * named in `codecs` is refused, and so is an offer with none of the named kinds. With
 * `simulcast`, a video section's `a=ssrc-group:SIM` layers (2 to MAX_SIMULCAST_LAYERS) keep their
 * SSRCs and are reported lowest first; without, only the group's first SSRC is kept.
 *
 * Why SSRC simulcast (SIM, which the page puts into its offer) and not RID simulcast (the
 * standard `a=simulcast`/`a=rid`): libdatachannel (0.24) routes incoming RTP to a track by an SSRC
 * a description announced, or to the only track there is; RID layers announce no SSRC, so with
 * the microphone beside the camera every video packet was dropped before the agent saw it.
 */
export function restrictOffer(sdp: unknown, codecs: Partial<Record<SdpMediaKind, string>>, opts: { simulcast?: boolean } = {}): RestrictedOffer {
  const lines = sdpLines(sdp);
  const sections: string[][] = [[]];
  for (const l of lines) {
    if (l.startsWith('m=')) sections.push([]);
    sections.at(-1)!.push(l);
  }
  const out: string[] = sections[0]!.filter((l) => !l.startsWith('a=extmap:'));
  const media: SdpMedia[] = [];
  for (const section of sections.slice(1)) {
    const m = /^m=(\w+) (\d+) ([\w/]+)( \d+)+$/.exec(section[0]!);
    if (!m) return bad('a media line');
    const kind = m[1] as SdpMediaKind;
    const codec = codecs[kind];
    if (!codec || (kind !== 'video' && kind !== 'audio')) return bad(`a ${m[1]} section`);
    if (media.some((x) => x.kind === kind)) return bad(`more than one ${kind} section`);
    const mid = section.map((l) => /^a=mid:(\S{1,32})$/.exec(l)?.[1]).find((x) => x !== undefined);
    if (mid === undefined) return bad(`a ${kind} section without a mid`);
    const pt = section
      .map((l) => /^a=rtpmap:(\d{1,3}) ([^/\s]+)\//.exec(l))
      .find((r) => r && r[2]!.toLowerCase() === codec.toLowerCase())?.[1];
    if (pt === undefined || Number(pt) > 127) return bad(`no ${codec} in the ${kind} section`);
    // SSRCs named second in a group are retransmission or FEC streams, which are not kept; in a
    // SIM group they are the simulcast layers above the first.
    const simulcast = kind === 'video' && opts.simulcast ? simulcastOf(section) : undefined;
    const secondary = new Set<string>();
    for (const l of section) {
      const group = /^a=ssrc-group:(\S+) \d+((?: \d+)+)$/.exec(l);
      if (group && !(group[1] === 'SIM' && simulcast)) for (const s of group[2]!.trim().split(' ')) secondary.add(s);
    }
    out.push(`m=${kind} ${m[2]} ${m[3]} ${pt}`);
    for (const l of section.slice(1)) {
      const fmt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l)?.[1];
      if (fmt !== undefined && fmt !== pt) continue;
      if (/^a=rtcp-fb:\d+ transport-cc/.test(l) || l.startsWith('a=extmap:') || l.startsWith('a=ssrc-group:')) continue;
      if (l.startsWith('a=rid:') || l.startsWith('a=simulcast:')) continue; // RID layers: see above
      const ssrc = /^a=ssrc:(\d+)/.exec(l)?.[1];
      if (ssrc !== undefined && secondary.has(ssrc)) continue;
      out.push(l);
    }
    media.push({ kind, mid, payloadType: Number(pt), ...(simulcast && { simulcast }) });
  }
  if (media.length === 0) bad('no audio or video section');
  return { sdp: `${out.join('\r\n')}\r\n`, media };
}

/**
 * The layers a video section sends, lowest first (its `a=ssrc-group:SIM`), or undefined when it
 * has none. A group of one, of more than MAX_SIMULCAST_LAYERS, with a repeated SSRC or with an
 * SSRC the section does not describe is refused.
 */
function simulcastOf(section: string[]): SdpMedia['simulcast'] {
  const groups = section.map((l) => /^a=ssrc-group:SIM ((?:\d+ ?)+)$/.exec(l)?.[1]).filter((x) => x !== undefined);
  if (groups.length === 0) return undefined;
  if (groups.length > 1) return bad('more than one simulcast group');
  const ssrcs = groups[0]!.trim().split(' ').map(Number);
  if (ssrcs.length < 2 || ssrcs.length > MAX_SIMULCAST_LAYERS) return bad(`a simulcast group of ${ssrcs.length}`);
  if (new Set(ssrcs).size !== ssrcs.length || ssrcs.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) return bad('its simulcast SSRCs');
  for (const x of ssrcs) if (!section.some((l) => l.startsWith(`a=ssrc:${x} `))) return bad(`simulcast SSRC ${x} without its a=ssrc line`);
  return { ssrcs };
}

/** An ICE candidate taken out of a description: its `a=` value and the mid of its media section. */
export interface SdpCandidate {
  candidate: string;
  mid: string;
}

/**
 * Takes the candidates (and end-of-candidates) out of `sdp`, to be added once the other end has
 * our answer. Why: libdatachannel's setRemoteDescription hands the ICE credentials to the ICE
 * agent before it stores the description's fingerprint, so an answerer already checking us can
 * finish ICE and DTLS in that gap, and the certificate check then fails ("unknown CA"), 2 in 100
 * on a loaded 2-core machine. An answerer that does not know our addresses cannot check us early.
 */
export function takeCandidates(sdp: string): { sdp: string; candidates: SdpCandidate[] } {
  const candidates: SdpCandidate[] = [];
  const kept: string[] = [];
  const sections: { at: number; mid: string | null }[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push({ at: candidates.length, mid: null });
    else if (line.startsWith('a=mid:') && sections.length) sections.at(-1)!.mid = line.slice(6).trim();
    if (line.startsWith('a=candidate:')) candidates.push({ candidate: line.slice(2), mid: '' });
    else if (line !== 'a=end-of-candidates') kept.push(line);
  }
  // each candidate belongs to the media section it was listed in (its mid may come after it)
  sections.forEach((s, i) => {
    const end = sections[i + 1]?.at ?? candidates.length;
    for (let k = s.at; k < end; k++) candidates[k]!.mid = s.mid ?? String(i);
  });
  return { sdp: kept.join('\r\n'), candidates };
}
