/**
 * The soak (issue 10): one host and N students, each a real agent process in its own network
 * namespace of one lab (scripts/netns/netns-lab.ts), every link delayed and lossy, with the host's
 * test-pattern camera, chat from everyone, a file every student downloads, a hostile neighbour
 * throwing bad input, and one relay cut off and plugged back every `cutEverySeconds`. Afterwards
 * it waits for the class to settle and hands everything it saw to soak-report.ts to judge.
 *
 * `npm run soak` (scripts/soak.ts) runs it for 10 minutes; test/soak/soak-ci.test.ts for 2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RosterEntry } from '../../protocol/common.js';
import { sha256File } from '../../node-agent/files/hash.js';
import { Cluster, ROOT } from '../../test/helpers/agents.js';
import { createNetnsLab, impairSupport, type NetnsLab } from '../netns/netns-lab.js';
import { AgentWatch } from './agent-watch.js';

export interface SoakOptions {
  minutes: number;
  students: number;
  /** relay fan-out (the host's too) */
  fanout: number;
  delayMs: number;
  jitterMs: number;
  lossPct: number;
  /** chat messages per second from the whole class, round robin */
  chatPerSecond: number;
  fileMb: number;
  videoSize: string;
  fps: number;
  videoKbps: number;
  cutEverySeconds: number;
  cutForSeconds: number;
  badInputsPerSecond: number;
  /** longest wait for the class to settle after the load stops */
  settleSeconds: number;
  log: (line: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'log'> = {
  minutes: 10,
  students: 20,
  fanout: 4,
  delayMs: 20,
  jitterMs: 0,
  lossPct: 2,
  chatPerSecond: 4,
  fileMb: 8,
  videoSize: '320x240',
  fps: 15,
  videoKbps: 250,
  cutEverySeconds: 60,
  cutForSeconds: 15,
  badInputsPerSecond: 4,
  settleSeconds: 120,
};

export interface CutRecord {
  relay: string;
  at: number;
  children: string[];
  /** every member below the relay at the cut (names) */
  subtree: string[];
  /** when the cable was plugged back */
  restoredAt: number;
  /** per direct child: ms from the cut until the host showed it connected under another parent */
  placedMs: (number | null)[];
  /** per member of the cut subtree: ms from the cut until its video resumed */
  videoMs: (number | null)[];
  /** ms from plugging the cable back until the relay was in the tree again, and had video */
  relayBackMs: number | null;
  relayVideoMs: number | null;
}

export interface SoakRun {
  opts: Omit<SoakOptions, 'log'>;
  impairedBy: string;
  startedAt: number;
  setupMs: number;
  loadMs: number;
  settleMs: number;
  settled: boolean;
  host: AgentWatch;
  students: AgentWatch[];
  /** chat texts sent, by sender name */
  sent: Map<string, string[]>;
  fileSha256: string;
  cuts: CutRecord[];
  /** the intruder's last report */
  intruder: { tried: Record<string, number>; answers: Record<string, number> } | null;
  /** packets the impaired links dropped, summed over every host (shaper only) */
  linkDrops: number | null;
  /** RTP packets (video + audio) all students took in during the load */
  rtpPackets: number;
  loadAvg: number[];
  /** taken right after settling, before anything is closed */
  end: {
    /** per student: video within the last 3 s */
    video: Record<string, boolean>;
    /** per student: SHA-256 of the downloaded file on disk (null: no file) */
    diskSha256: Record<string, string | null>;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(opts: SoakOptions): Promise<SoakRun> {
  const { log, ...plain } = opts;
  const cluster = new Cluster();
  const work = mkdtempSync(path.join(os.tmpdir(), 'camvid-soak-'));
  let lab: NetnsLab | null = null;
  const removeWork = () => rmSync(work, { recursive: true, force: true });
  process.once('exit', removeWork); // Ctrl-C: the lab's handler exits; the folder goes too
  try {
    const t0 = Date.now();
    lab = await createNetnsLab(opts.students + 2);
    const l = lab;
    const intruderHost = opts.students + 1;
    // A clean LAN (no delay, jitter or loss) runs without the impairment, which costs CPU per host
    const impaired = opts.delayMs > 0 || opts.jitterMs > 0 || opts.lossPct > 0;
    if (impaired) for (const h of l.hosts) await l.impair(h.index, { delayMs: opts.delayMs, jitterMs: opts.jitterMs, lossPct: opts.lossPct });
    log(`lab ${l.id}: ${l.hosts.length} hosts, ${impaired ? `every link ${opts.delayMs} ms ± ${opts.jitterMs} ms, ${opts.lossPct}% loss (${impairSupport().reason})` : 'links not impaired'}`);
    const inHost = (i: number) => ({
      local: false,
      spawner: (cmd: string, args: string[]) => l.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
    });

    const share = path.join(work, 'share');
    mkdirSync(share);
    const file = randomBytes(opts.fileMb * 1024 * 1024);
    writeFileSync(path.join(share, 'soak.bin'), file);
    const fileSha256 = createHash('sha256').update(file).digest('hex');

    const video = ['--source', 'testsrc', '--video-size', opts.videoSize, '--fps', String(opts.fps), '--video-kbps', String(opts.videoKbps)];
    // stats twice a second: a stall of a cut subtree (≥ 1.5 s) is always seen (agent-watch.ts)
    const common = ['--stdin', '--no-mdns', '--media-stats-ms', '500'];
    const { agent: hostAgent, port } = await cluster.startHost(['--fanout', String(opts.fanout), '--share', share, ...video, ...common], inHost(0));
    const host = new AgentWatch(hostAgent);
    const address = `${l.hosts[0]!.addr}:${port}`;
    log(`host on ${address}; ${opts.students} students joining`);

    const students: AgentWatch[] = [];
    // In batches: 20 Node start-ups plus scrypt at once would starve a 2-core machine.
    for (let i = 0; i < opts.students; i += 5) {
      const batch = Array.from({ length: Math.min(5, opts.students - i) }, (_, j) => {
        const name = `s${String(i + j + 1).padStart(2, '0')}`;
        const out = path.join(work, 'out', name);
        const agent = cluster.startStudent(name, address, ['--get', 'soak.bin', '--out', out, '--stay', ...common], inHost(i + j + 1));
        return new AgentWatch(agent);
      });
      await Promise.all(batch.map((s) => s.agent.waitForLine(/^joined /, 120_000)));
      students.push(...batch);
    }
    await Promise.all(students.map((s) => s.agent.waitFor(() => s.hasFreshVideo(3000), 60_000, 'video')));
    const intruder = l.spawn(intruderHost, process.execPath, ['--import', 'tsx', 'scripts/soak/intruder.ts', l.hosts[0]!.addr, String(port), String(opts.badInputsPerSecond)], { cwd: ROOT });
    let intruderReport: SoakRun['intruder'] = null;
    intruder.stdout!.on('data', (c: Buffer) => {
      const last = c.toString().trim().split('\n').at(-1);
      try {
        if (last) intruderReport = JSON.parse(last) as SoakRun['intruder'];
      } catch {
        /* a partial line */
      }
    });
    const setupMs = Date.now() - t0;
    log(`all ${opts.students} students in the tree with video after ${(setupMs / 1000).toFixed(0)} s; load for ${opts.minutes} min`);

    const everyone = [host, ...students];
    const sent = new Map<string, string[]>(everyone.map((w) => [w.name, []]));
    const startedAt = Date.now();
    const loadMs = opts.minutes * 60_000;
    await Promise.all(everyone.map((w) => w.sampleRss(0)));
    const packets = () => students.reduce((sum, s) => sum + (s.media ? s.media.in.video.packets + s.media.in.audio.packets : 0), 0);
    const packetsBefore = packets();

    let n = 0;
    const chatTimer = setInterval(() => {
      const w = everyone[n % everyone.length]!;
      const text = `soak ${w.name} ${++n}`;
      sent.get(w.name)!.push(text);
      w.agent.command(`say ${text}`);
    }, 1000 / opts.chatPerSecond);
    const rssTimer = setInterval(() => {
      const minute = Math.round((Date.now() - startedAt) / 60_000);
      void Promise.all(everyone.map((w) => w.sampleRss(minute))).then(() =>
        log(`minute ${minute}: ${n} messages sent, ${hostAgent.chat.length} sequenced; host RSS ${host.rss.get(minute)?.toFixed(0) ?? '?'} MiB; load ${os.loadavg()[0]!.toFixed(1)}`),
      );
    }, 60_000);

    const cuts: CutRecord[] = [];
    const hostIndex = (name: string) => students.findIndex((s) => s.name === name) + 1;
    try {
      // --cut-every 0: no cuts (the run that counts false losses)
      for (let k = 0; opts.cutEverySeconds > 0 && (k + 1) * opts.cutEverySeconds * 1000 <= loadMs; k++) {
        // cut a quarter into each period, so the class has most of the period to recover
        await sleep(startedAt + k * opts.cutEverySeconds * 1000 + (opts.cutEverySeconds * 1000) / 4 - Date.now());
        const cut = await cutRelay(l, host, students, hostIndex, k, opts.cutForSeconds * 1000, log);
        if (cut) cuts.push(cut);
      }
      await sleep(startedAt + loadMs - Date.now());
    } finally {
      clearInterval(chatTimer);
      clearInterval(rssTimer);
    }
    await Promise.all(everyone.map((w) => w.sampleRss(opts.minutes)));
    const rtpPackets = packets() - packetsBefore;
    const loadAvg = os.loadavg();
    log(`load over: ${n} messages sent; waiting up to ${opts.settleSeconds} s for the class to settle`);

    const settleFrom = Date.now();
    const settled = await settle(host, students, sent, opts.settleSeconds * 1000);
    const settleMs = Date.now() - settleFrom;
    const end: SoakRun['end'] = { video: {}, diskSha256: {} };
    for (const s of students) {
      end.video[s.name] = s.hasFreshVideo(3000);
      end.diskSha256[s.name] = s.download ? await sha256File(s.download.out).catch(() => null) : null;
    }
    const stats = await Promise.all(l.hosts.map((h) => l.impairStats(h.index)));
    const linkDrops = stats.every((s) => s === null) ? null : stats.reduce((sum, s) => sum + (s?.lost ?? 0), 0);
    return {
      opts: plain,
      impairedBy: impairSupport().reason,
      startedAt,
      setupMs,
      loadMs,
      settleMs,
      settled,
      host,
      students,
      sent,
      fileSha256,
      cuts,
      intruder: intruderReport,
      linkDrops,
      rtpPackets,
      loadAvg,
      end,
    };
  } finally {
    await cluster.close();
    await lab?.close();
    removeWork();
    process.off('exit', removeWork);
  }
}

/** Cuts the k-th relay (round robin over the relays the host has now) for `forMs`; measures recovery. */
async function cutRelay(
  lab: NetnsLab,
  host: AgentWatch,
  students: AgentWatch[],
  hostIndex: (name: string) => number,
  k: number,
  forMs: number,
  log: (line: string) => void,
): Promise<CutRecord | null> {
  const roster = host.agent.roster;
  const relays = roster.filter((m) => m.role === 'student' && roster.some((c) => c.parentId === m.id)).sort((a, b) => a.name.localeCompare(b.name));
  if (!relays.length) {
    log(`cut ${k + 1}: no relay in the tree; skipped`);
    return null;
  }
  const relay = relays[k % relays.length]!;
  const children = roster.filter((m) => m.parentId === relay.id);
  const subtree = subtreeOf(roster, relay.id);
  const watchOf = (id: string) => students.find((s) => s.name === roster.find((m) => m.id === id)?.name)!;
  const relayWatch = watchOf(relay.id);
  const at = Date.now();
  await lab.setLink(hostIndex(relay.name), false);
  const within = (p: Promise<number>) => p.then((t) => t - at, () => null);
  const placed = children.map((c) =>
    within(host.agent.waitFor(() => {
      const m = host.agent.roster.find((x) => x.id === c.id);
      return m && m.parentId !== relay.id && m.state === 'connected' ? Date.now() : undefined;
    }, 60_000, `${c.name} placed again`)),
  );
  const video = subtree.map((id) => within(watchOf(id).videoBackAfter(at, 60_000)));
  await sleep(forMs);
  const restoredAt = Date.now();
  await lab.setLink(hostIndex(relay.name), true);
  const [placedMs, videoMs, relayBack, relayVideo] = await Promise.all([
    Promise.all(placed),
    Promise.all(video),
    relayWatch.joinedAfter(restoredAt, 60_000).then((t) => t - restoredAt, () => null),
    relayWatch.videoBackAfter(restoredAt, 60_000).then((t) => t - restoredAt, () => null),
  ]);
  const fmt = (xs: (number | null)[]) => xs.map((x) => (x === null ? 'never' : `${x}`)).join(' ');
  log(`cut ${k + 1}: ${relay.name} (${children.length} children, ${subtree.length} below) off for ${forMs / 1000} s; children placed again in ${fmt(placedMs)} ms; video back in ${fmt(videoMs)} ms; relay back in ${relayBack ?? 'never'} ms`);
  const subtreeNames = subtree.map((id) => roster.find((m) => m.id === id)?.name ?? id);
  return { relay: relay.name, at, children: children.map((c) => c.name), subtree: subtreeNames, restoredAt, placedMs, videoMs, relayBackMs: relayBack, relayVideoMs: relayVideo };
}

function subtreeOf(roster: RosterEntry[], id: string): string[] {
  return roster.filter((m) => m.parentId === id).flatMap((m) => [m.id, ...subtreeOf(roster, m.id)]);
}

/** Waits until every message sent is sequenced and everywhere, every download done, video everywhere. */
async function settle(host: AgentWatch, students: AgentWatch[], sent: Map<string, string[]>, maxMs: number): Promise<boolean> {
  const texts = new Set([...sent.values()].flat());
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const hostTexts = new Set(host.agent.chat.map((r) => r.text));
    const last = host.agent.chat.at(-1)?.seq ?? 0;
    const done =
      [...texts].every((t) => hostTexts.has(t)) &&
      students.every((s) => (s.agent.chat.at(-1)?.seq ?? 0) >= last && s.download !== null && s.hasFreshVideo(3000));
    if (done) return true;
    await sleep(1000);
  }
  return false;
}
