/**
 * Plain-text rendering of lab results for the terminal: the Hamming codeword table, the ARQ
 * timeline and the ARQ summary. Pure string building, so the command stays about I/O.
 */
import type { HammingLabResult } from '../../protocol/labs/hamming.js';
import { ARQ_PROTOCOL_NAMES, type ArqConfig, type ArqEvent, type ArqRunStats } from '../../protocol/labs/arq.js';

const pad = (v: unknown, n: number) => String(v).padEnd(n);
const lpad = (v: unknown, n: number) => String(v).padStart(n);
const pct = (p: number) => `${(p * 100).toFixed(p > 0 && p < 0.01 ? 2 : 1)} %`;

/** Maps the first byte of each character to how it should look in the table. */
function charsByByte(text: string): Map<number, string> {
  const map = new Map<number, string>();
  let at = 0;
  for (const ch of text) {
    map.set(at, /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}'` : JSON.stringify(ch));
    at += new TextEncoder().encode(ch).length;
  }
  return map;
}

export function formatHammingTable(text: string, result: HammingLabResult, heading: string): string[] {
  const secded = result.scheme === '8,4';
  const layout = secded ? 'p0 p1 p2 d1 p4 d2 d3 d4 (positions 0..7)' : 'p1 p2 d1 p4 d2 d3 d4 (positions 1..7)';
  const w = secded ? 8 : 7;
  const chars = charsByByte(text);
  const lines = [heading, `codeword bits: ${layout}; parity column: ${secded ? 'p0 p1 p2 p4' : 'p1 p2 p4'}; · = rest of a multi-byte character`, ''];
  lines.push(
    [lpad('#', 5), lpad('byte', 5), pad('char', 6), pad('half', 4), pad('data', 4), pad('parity', 6), pad('sent', w),
      pad('flipped', 7), pad('received', Math.max(w, 8)), lpad('syn', 3), ...(secded ? ['P'] : []), pad('fix', 3), 'status'].join(' '),
  );
  for (const c of result.codewords) {
    const char = c.half === 'high' ? (chars.get(c.byteIndex) ?? '·') : '';
    const status = c.status === 'detected' ? 'DETECTED (double error, not corrected)' : c.status;
    lines.push(
      [lpad(c.index, 5), lpad(c.half === 'high' ? c.byteIndex : '', 5), pad(char, 6), pad(c.half === 'high' ? 'hi' : 'lo', 4),
        pad(c.dataBits, 4), pad(c.parityBits, 6), pad(c.sentBits, w), pad(c.flipped.join('+') || '-', 7),
        pad(c.receivedBits, Math.max(w, 8)), lpad(c.syndrome, 3), ...(secded ? [String(c.overallParity)] : []),
        pad(c.correctedBit ?? '-', 3), status].join(' '),
    );
  }
  const n = result.counts;
  lines.push(
    '',
    `decoded: ${JSON.stringify(result.decodedText)}${result.decodedText === text ? ' (identical to the input)' : ' (differs from the input)'}`,
    `counts: ${n.codewords} codewords, ${n.flippedBits} flipped bits, ${n.ok} ok, ${n.corrected} corrected, ${n.detected} detected`,
  );
  return lines;
}

function formatEvent(e: ArqEvent, decimals: number): string {
  const parts = [lpad(`${e.t.toFixed(decimals)} ms`, 12), pad(e.side, 8), pad(e.kind, 10)];
  if (e.what) parts.push(e.what);
  if (e.frame !== undefined) parts.push(`frame ${e.frame}`);
  if (e.seq !== undefined) parts.push(`seq ${e.seq}`);
  if (e.base !== undefined && e.next !== undefined) parts.push(`window [${e.base}, ${e.next})`);
  else if (e.base !== undefined) parts.push(`expecting ${e.base}`);
  if (e.note) parts.push(`(${e.note})`);
  return parts.join(' ').trimEnd();
}

/** The timeline, cut to `limit` lines (head and a short tail) with a count of what was left out. */
export function formatTimeline(events: ArqEvent[], limit: number, decimals = 2): string[] {
  if (events.length <= limit) return events.map((e) => formatEvent(e, decimals));
  const tail = Math.min(5, Math.floor(limit / 4));
  const head = limit - tail;
  return [
    ...events.slice(0, head).map((e) => formatEvent(e, decimals)),
    `        … ${events.length - limit} more events not shown (--events all prints every one)`,
    ...events.slice(events.length - tail).map((e) => formatEvent(e, decimals)),
  ];
}

export interface ArqSummaryInput {
  config: ArqConfig;
  stats: ArqRunStats;
  transport: string;
  dataLoss: number;
  ackLoss: number;
  corruption: number;
  seed: number;
  inputName: string;
  outputName: string;
  inputHash: string;
  outputHash: string;
  /** Only for simulated runs, where the link model matches the textbook's. */
  utilisation?: { measured: number; textbook: number; a: number; p: number };
}

export function formatArqSummary(s: ArqSummaryInput): string[] {
  const { config: c, stats: st } = s;
  const identical = s.inputHash === s.outputHash;
  const lines = [
    `${ARQ_PROTOCOL_NAMES[c.protocol]} over ${s.transport}`,
    `  window ${c.window}, ${c.seqBits}-bit sequence numbers (space ${c.seqSpace}), timeout ${c.timeout} ms, segments of ${c.segmentSize} B`,
    `  loss: data ${pct(s.dataLoss)}, ACK ${pct(s.ackLoss)}, corruption ${pct(s.corruption)}; seed ${s.seed} (--seed ${s.seed} replays the same loss draws)`,
    `  ${s.inputName}: ${st.bytesDelivered} B in ${st.segments} segments → ${s.outputName}`,
    `  data frames sent ${st.dataFramesSent} (${st.segments} new + ${st.retransmissions} retransmissions), timeouts ${st.timeouts}`,
    `  ACKs sent ${st.acksSent}, received ${st.acksReceived} (${st.duplicateAcks} duplicate or stale)`,
    `  dropped: ${st.dataDropped} data, ${st.acksDropped} ACKs; corrupted ${st.corrupted}, rejected (bad checksum or another transfer) ${st.rejected}`,
    `  elapsed ${st.elapsed.toFixed(1)} ms, goodput ${(st.goodput / 1024).toFixed(1)} KiB/s, efficiency ${pct(st.efficiency)} (new / sent data frames)`,
  ];
  if (s.utilisation) {
    const u = s.utilisation;
    lines.push(`  utilisation measured ${u.measured.toFixed(3)}, textbook ${u.textbook.toFixed(3)} (p = ${u.p.toFixed(3)}, a = ${u.a})`);
  }
  lines.push(
    `  SHA-256 sent     ${s.inputHash}`,
    `  SHA-256 received ${s.outputHash}  ${identical ? 'identical ✓' : 'DIFFERENT ✗'}`,
  );
  return lines;
}
