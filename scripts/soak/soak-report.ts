/**
 * Judges a soak run (soak-run.ts) and puts its figures into words: what was lost (must be 0),
 * the load held, the faults survived and the memory trend. `npm run soak` prints the summary and
 * writes the markdown into docs/benchmarks.md; the CI test asserts on `judgeSoak`.
 */
import type { ChatRecord } from '../../protocol/chat.js';
import { pct } from '../bench/proc-stats.js';
import type { SoakRun } from './soak-run.js';

export interface SoakVerdict {
  lost: {
    /** messages sent that the host never sequenced */
    chatNeverSequenced: number;
    /** (member, record) pairs the host has and a member does not */
    chatMissing: number;
    /** records a member holds that differ from the host's under the same sequence number */
    chatDiffering: number;
    /** students without the file, or with a file whose hash does not match */
    files: number;
    /** students without video at the end */
    video: number;
    total: number;
  };
  /** a message sequenced twice, or a record shown twice to a member */
  duplicates: number;
  /** one line per problem, naming the agent */
  problems: string[];
  /** agents named in a problem */
  suspects: string[];
  figures: SoakFigures;
}

export interface SoakFigures {
  members: number;
  /** RTP streams delivered: video + audio to every student */
  streams: number;
  messages: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  rtpPacketsPerSecond: number;
  cuts: number;
  placedMs: number[];
  videoBackMs: number[];
  relayBackMs: number[];
  /**
   * A student lost its parent (switching to its standby, or placed again) or its session with no cut to explain it: not the cut relay nor
   * below it between the cut and 30 s after the replug. Must be 0: a false loss moves a subtree.
   */
  falseLosses: { name: string; at: number }[];
  badInputs: number;
  badInputAnswers: Record<string, number>;
  linkDrops: number | null;
  /** RSS (MiB) at minute 1 and at the last minute: host, and students' median and worst growth */
  rss: { host: [number, number]; studentMedian: [number, number]; worstGrowth: { name: string; from: number; to: number } };
  /** host and median student RSS, minute by minute */
  rssSeries: { minute: number; host: number; student: number }[];
}

const median = (xs: number[]) => pct(xs, 50);

export function judgeSoak(run: SoakRun): SoakVerdict {
  const problems: string[] = [];
  const hostChat = run.host.agent.chat;
  const bySeq = new Map<number, ChatRecord>(hostChat.map((r) => [r.seq, r]));
  let duplicates = 0;
  const sequencedTexts = new Map<string, number>();
  for (const r of hostChat) sequencedTexts.set(r.text, (sequencedTexts.get(r.text) ?? 0) + 1);
  for (const [text, n] of sequencedTexts) {
    if (n > 1) {
      duplicates += n - 1;
      problems.push(`host sequenced "${text}" ${n} times`);
    }
  }
  const sent = [...run.sent.values()].flat();
  const neverSequenced = sent.filter((t) => !sequencedTexts.has(t));
  if (neverSequenced.length) problems.push(`never sequenced: ${neverSequenced.slice(0, 5).join(', ')}${neverSequenced.length > 5 ? ' …' : ''}`);
  const last = Math.max(0, ...bySeq.keys());
  for (let seq = 1; seq <= last; seq++) if (!bySeq.has(seq)) problems.push(`host has no record ${seq}`);

  let missing = 0;
  let differing = 0;
  for (const s of run.students) {
    const seen = new Map<number, ChatRecord>();
    for (const r of s.agent.chat) {
      if (seen.has(r.seq)) {
        duplicates++;
        problems.push(`${s.name} was shown record ${r.seq} twice`);
      }
      seen.set(r.seq, r);
      const h = bySeq.get(r.seq);
      if (!h || JSON.stringify(h) !== JSON.stringify(r)) {
        differing++;
        problems.push(`${s.name}: record ${r.seq} differs from the host's`);
      }
    }
    const gaps = [...bySeq.keys()].filter((seq) => !seen.has(seq));
    missing += gaps.length;
    if (gaps.length) problems.push(`${s.name} lacks ${gaps.length} records (first ${gaps[0]})`);
  }

  let files = 0;
  let video = 0;
  for (const s of run.students) {
    const disk = run.end.diskSha256[s.name];
    if (!s.download || s.download.sha256 !== run.fileSha256 || disk !== run.fileSha256) {
      files++;
      problems.push(`${s.name}: ${s.download ? `file hash ${disk ?? 'unreadable'} ≠ ${run.fileSha256}` : `no download${s.errors.length ? ` (${s.errors.at(-1)})` : ''}`}`);
    }
    if (!run.end.video[s.name]) {
      video++;
      problems.push(`${s.name}: no video at the end (last ${s.media?.lastVideoAt ? new Date(s.media.lastVideoAt).toISOString() : 'never'})`);
    }
  }
  const lost = { chatNeverSequenced: neverSequenced.length, chatMissing: missing, chatDiffering: differing, files, video, total: 0 };
  lost.total = lost.chatNeverSequenced + lost.chatMissing + lost.chatDiffering + lost.files + lost.video;
  const names = ['host', ...run.students.map((x) => x.name)];
  const suspects = names.filter((name) => problems.some((p) => p.startsWith(`${name}:`) || p.startsWith(`${name} `)));
  return { lost, duplicates, problems, suspects, figures: figures(run, hostChat.length) };
}

function figures(run: SoakRun, messages: number): SoakFigures {
  const secs = run.loadMs / 1000;
  const n = run.students.length;
  const flat = (pick: (c: SoakRun['cuts'][number]) => (number | null)[]) => run.cuts.flatMap(pick).filter((x): x is number => x !== null);
  const minutes = [...run.host.rss.keys()].sort((a, b) => a - b);
  const lastMinute = minutes.at(-1) ?? 0;
  const firstMinute = minutes.includes(1) ? 1 : 0;
  const growth = run.students.map((s) => ({ name: s.name, from: s.rss.get(firstMinute) ?? NaN, to: s.rss.get(lastMinute) ?? NaN }));
  const worst = growth.reduce((a, b) => (b.to - b.from > a.to - a.from ? b : a), growth[0] ?? { name: '-', from: NaN, to: NaN });
  const studentAt = (m: number) => median(run.students.map((s) => s.rss.get(m)).filter((x): x is number => x !== undefined));
  const tried = run.intruder?.tried ?? {};
  return {
    members: n + 1,
    streams: 2 * n,
    messages,
    messagesPerSecond: messages / secs,
    deliveriesPerSecond: (messages * (n + 1)) / secs,
    rtpPacketsPerSecond: run.rtpPackets / secs,
    cuts: run.cuts.length,
    placedMs: flat((c) => c.placedMs),
    videoBackMs: flat((c) => c.videoMs),
    relayBackMs: flat((c) => [c.relayBackMs]),
    falseLosses: falseLosses(run),
    badInputs: Object.values(tried).reduce((a, b) => a + b, 0),
    badInputAnswers: run.intruder?.answers ?? {},
    linkDrops: run.linkDrops,
    rss: {
      host: [run.host.rss.get(firstMinute) ?? NaN, run.host.rss.get(lastMinute) ?? NaN],
      studentMedian: [studentAt(firstMinute), studentAt(lastMinute)],
      worstGrowth: worst,
    },
    rssSeries: minutes.map((m) => ({ minute: m, host: run.host.rss.get(m) ?? NaN, student: studentAt(m) })),
  };
}

/** Losses of a parent or the session (state `reconnecting`) during the load that no cut explains. */
function falseLosses(run: SoakRun): { name: string; at: number }[] {
  const end = run.startedAt + run.loadMs;
  const explained = (name: string, at: number) =>
    run.cuts.some((c) => (c.relay === name || c.subtree.includes(name)) && at >= c.at && at <= c.restoredAt + 30_000);
  return run.students.flatMap((s) =>
    s.states.filter((x) => (x.state === 'reconnecting' || x.state === 'switched') && x.at > run.startedAt && x.at <= end && !explained(s.name, x.at)).map((x) => ({ name: s.name, at: x.at })),
  );
}

const ms = (xs: number[]) => (xs.length ? `${Math.round(pct(xs, 50))} / ${Math.round(pct(xs, 99))} / ${Math.round(Math.max(...xs))}` : 'none');
const mib = (x: number) => x.toFixed(0);

/** The figures as a markdown table (the docs section's body, and the console summary). */
export function soakMarkdown(run: SoakRun, v: SoakVerdict): string {
  const f = v.figures;
  const o = run.opts;
  const lastMinute = f.rssSeries.at(-1)?.minute ?? 0;
  const firstMinute = f.rssSeries.some((r) => r.minute === 1) ? 1 : 0;
  const answers = Object.entries(f.badInputAnswers).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `1 host + ${o.students} students, each an agent process in its own network namespace on one bridge; every host's link`,
    `${o.delayMs} ms delay${o.jitterMs ? ` ± ${o.jitterMs} ms` : ''} and ${o.lossPct}% loss on egress (${run.impairedBy}); fan-out ${o.fanout}; testsrc`,
    `${o.videoSize} ${o.fps} fps ${o.videoKbps} kbit/s VP8 + Opus; chat ${o.chatPerSecond} messages/s round robin over everyone; every student downloads`,
    `a ${o.fileMb} MiB file at join; a hostile neighbour sends ${o.badInputsPerSecond} bad inputs/s; ${o.cutEverySeconds > 0 ? `every ${o.cutEverySeconds} s one relay's cable is pulled` : 'no cable is pulled'}`,
    `${o.cutEverySeconds > 0 ? `for ${o.cutForSeconds} s` : '(the run that counts false losses)'}. ${o.minutes} min of load after ${(run.setupMs / 1000).toFixed(0)} s of set-up; settled ${run.settled ? `${(run.settleMs / 1000).toFixed(0)} s after the load stopped` : `NOT within ${o.settleSeconds} s`}.`,
    `Load average ${run.loadAvg.map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min) when the load stopped.`,
    '',
    '| figure | measured |',
    '|---|---|',
    `| load held | ${f.members} members, ${f.streams} RTP streams (video + audio to each student, ${Math.round(f.rtpPacketsPerSecond)} packets/s received in all), ${f.messages} chat messages (${f.messagesPerSecond.toFixed(1)}/s sequenced, ${Math.round(f.deliveriesPerSecond)} deliveries/s) |`,
    `| relays cut and restored | ${f.cuts} |`,
    `| cut relay's children placed again, ms p50 / p99 / max | ${ms(f.placedMs)} (${f.placedMs.length} placements) |`,
    `| video back below a cut relay, ms p50 / p99 / max | ${ms(f.videoBackMs)} (${f.videoBackMs.length} students) |`,
    `| cut relay back in the tree after replugging, ms p50 / p99 / max | ${ms(f.relayBackMs)} |`,
    `| false losses: a student lost its parent or session with no cut to explain it | ${f.falseLosses.length}${f.falseLosses.length ? ` (${f.falseLosses.slice(0, 8).map((x) => `${x.name} at +${Math.round((x.at - run.startedAt) / 1000)} s`).join(', ')})` : ''} |`,
    `| packets the links dropped | ${f.linkDrops ?? 'not counted (netem)'} |`,
    `| bad inputs tried | ${f.badInputs} (host answered: ${answers || 'nothing recorded'}) |`,
    `| lost: chat never sequenced / missing at a member / differing / files / students without video | ${v.lost.chatNeverSequenced} / ${v.lost.chatMissing} / ${v.lost.chatDiffering} / ${v.lost.files} / ${v.lost.video} (total **${v.lost.total}**) |`,
    `| duplicates (sequenced twice, or shown twice) | ${v.duplicates} |`,
    `| RSS MiB, minute ${firstMinute} → ${lastMinute}: host | ${mib(f.rss.host[0])} → ${mib(f.rss.host[1])} |`,
    `| RSS MiB, minute ${firstMinute} → ${lastMinute}: median student; largest growth | ${mib(f.rss.studentMedian[0])} → ${mib(f.rss.studentMedian[1])}; ${f.rss.worstGrowth.name} ${mib(f.rss.worstGrowth.from)} → ${mib(f.rss.worstGrowth.to)} |`,
    '',
    `RSS by minute (host / median student, MiB): ${f.rssSeries.map((r) => `${r.minute}: ${mib(r.host)} / ${mib(r.student)}`).join(', ')}.`,
    ...(v.problems.length ? ['', `Problems (${v.problems.length}):`, '', ...v.problems.slice(0, 30).map((p) => `- ${p}`)] : []),
  ].join('\n');
}

/** The last lines (other than chat and media events) of every agent named in a problem. */
export function soakDiagnostics(run: SoakRun, v: SoakVerdict, lines = 60): string {
  return v.suspects
    .map((name) => {
      const w = name === 'host' ? run.host : run.students.find((s) => s.name === name)!;
      const own = w.agent.lines.filter((l) => !l.startsWith('event {"type":"media-stats"') && !l.startsWith('event {"type":"chat"'));
      return `--- ${name} (last ${lines} lines, media and chat events left out) ---\n${own.slice(-lines).join('\n')}`;
    })
    .join('\n');
}
