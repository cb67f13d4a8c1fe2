/**
 * `npm run bench -- model`: a seeded model of a class of 200 and of 1,000 students, built with the
 * host's own planner (node-agent/overlay/tree-planner.ts: breadth-first, fan-out 4) and the
 * figures measured elsewhere in docs/benchmarks.md, named below as INPUTS. Nothing here runs a
 * network; it answers what the measured costs add up to at a scale this machine cannot run.
 *
 * Per class size: the tree's depth; the forwarding latency added at the deepest leaf (each hop a
 * draw from a log-normal fitted to the measured per-hop p50 and p99, summed along the path, p99
 * over TRIALS draws); the root's and a relay's uplink and CPU; and each relay's death in turn (on a
 * fresh tree each time): how many students lose the picture, for how long (the soak's measured
 * recovery), and the deepest leaf after the planner has placed the orphans again.
 */
import { TreePlanner } from '../../node-agent/overlay/tree-planner.js';
import { DEFAULT_FANOUT } from '../../protocol/common.js';
import { pct, seededRandom as rng } from './proc-stats.js';

/** The measured inputs, each with where it was measured. */
export const INPUTS = {
  /** per hop, ms (media benchmark: agent N takes a packet in → agent N+1 takes it in, 6,300 samples) */
  hopP50Ms: 0.55,
  hopP99Ms: 2.8,
  /** one stream as a relay sends it to one child, kbit/s (media benchmark: 720p VP8 2.5 Mbit/s + Opus, 16,229 kbit/s to 4 children) */
  streamKbps: 4057,
  /** a relay's CPU per child it forwards to, % of one core (media benchmark: 10.6 % for 4 children at 720p) */
  relayCpuPerChildPct: 10.6 / 4,
  /** the host's memory per member, MiB (join benchmark: host RSS 107 → 121 MiB with 20 students) */
  hostMiBPerMember: (121 - 107) / 20,
  /** a cut relay's children: video back after, s (soak with warm standbys: 1 host + 20 students, 2 % loss, 20 ms; 3.1 / 4.1 before them) */
  videoBackP50S: 0.75,
  videoBackMaxS: 1.05,
} as const;

const SIZES = [200, 1000];
const TRIALS = 20_000;
const SEED = 17;


/** A log-normal per-hop latency with the measured p50 and p99 (z(0.99) = 2.326). */
function hopSampler(random: () => number): () => number {
  const mu = Math.log(INPUTS.hopP50Ms);
  const sigma = (Math.log(INPUTS.hopP99Ms) - mu) / 2.326;
  return () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.exp(mu + sigma * z);
  };
}

/** The host's tree for `n` students joining in order, as the host plans it. */
export function buildTree(n: number, fanout = DEFAULT_FANOUT): TreePlanner {
  const plan = new TreePlanner({ rootId: 'host', rootFanout: fanout, fanout });
  for (let i = 1; i <= n; i++) plan.place(`s${i}`);
  return plan;
}

const students = (n: number) => Array.from({ length: n }, (_, i) => `s${i + 1}`);

export interface ClassFigures {
  n: number;
  depth: number;
  addedP50Ms: number;
  addedP99Ms: number;
  relays: number;
  rootUplinkMbps: number;
  relayUplinkMbps: number;
  relayCpuPct: number;
  hostMiB: number;
  /** per relay death: students without picture */
  lost: number[];
  /** per relay death: deepest leaf once the orphans are placed again */
  depthAfter: number[];
}

export function modelClass(n: number, seed = SEED): ClassFigures {
  const plan = buildTree(n);
  const ids = students(n);
  const depth = Math.max(...ids.map((id) => plan.depth(id)));
  const hop = hopSampler(rng(seed));
  const added: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    let sum = 0;
    for (let h = 0; h < depth; h++) sum += hop();
    added.push(sum);
  }
  const relays = ids.filter((id) => plan.childrenOf(id).length > 0);
  const lost: number[] = [];
  const depthAfter: number[] = [];
  for (const relay of relays) {
    const after = buildTree(n);
    lost.push(after.subtree(relay).size - 1);
    for (const orphan of after.remove(relay)) after.place(orphan);
    depthAfter.push(Math.max(...ids.filter((id) => id !== relay).map((id) => after.depth(id))));
  }
  return {
    n,
    depth,
    addedP50Ms: pct(added, 50),
    addedP99Ms: pct(added, 99),
    relays: relays.length,
    rootUplinkMbps: (plan.childrenOf('host').length * INPUTS.streamKbps) / 1000,
    relayUplinkMbps: (DEFAULT_FANOUT * INPUTS.streamKbps) / 1000,
    relayCpuPct: DEFAULT_FANOUT * INPUTS.relayCpuPerChildPct,
    hostMiB: n * INPUTS.hostMiBPerMember,
    lost,
    depthAfter,
  };
}

export async function benchClassModel(): Promise<string> {
  const rows = SIZES.map((n) => {
    const m = modelClass(n);
    const lostSum = m.lost.reduce((a, b) => a + b, 0);
    const f1 = (x: number) => x.toFixed(1);
    const row = `| ${n} | ${m.depth} | ${f1(m.addedP50Ms)} / ${f1(m.addedP99Ms)} | ${m.relays} | ${f1(m.rootUplinkMbps)} | ${f1(m.relayUplinkMbps)}, ${f1(m.relayCpuPct)} % | ${f1(m.hostMiB)} | ${Math.max(...m.lost)} / ${pct(m.lost, 50)} | ${f1(lostSum * INPUTS.videoBackP50S)} (${f1((lostSum * INPUTS.videoBackP50S) / n)}) | ${Math.max(...m.depthAfter)} |`;
    console.log(row);
    return row;
  });
  const i = INPUTS;
  return [
    `The host's planner (node-agent/overlay/tree-planner.ts, imported) at fan-out ${DEFAULT_FANOUT}, students joining one after another; seed ${SEED}, ${TRIALS} latency draws per size. Inputs, all measured on this machine (sections above):`,
    '',
    `- per hop: log-normal with p50 ${i.hopP50Ms} ms and p99 ${i.hopP99Ms} ms (media: "per hop"); one stream to one child ${i.streamKbps} kbit/s and ${i.relayCpuPerChildPct.toFixed(2)} % of a core (media: a relay forwarding 720p to 4 children);`,
    `- host memory ${i.hostMiBPerMember.toFixed(2)} MiB per member (join: host RSS 107 → 121 MiB with 20 students);`,
    `- a cut relay's children have video back after ${i.videoBackP50S} s p50, ${i.videoBackMaxS} s max (soak), with warm standbys (the relay's children switch to theirs; 3.1 s / 4.1 s before); every student below the relay waits that long (its subtree moves with its root).`,
    '',
    'Each relay is killed in turn, on a fresh tree each time; "students without picture" counts its whole subtree, "student-seconds lost" sums them over all relays at the p50 recovery (per student of the class in brackets).',
    '',
    '| students | depth | forwarding added at the deepest leaf, ms p50 / p99 | relays | root uplink, Mbit/s | a full relay: uplink Mbit/s, CPU | host memory for members, MiB | students without picture per relay death, max / p50 | student-seconds lost, all deaths (per student) | deepest leaf after a death |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    "Not in the model: the watching page's own jitter buffer and decode (the glass section: 80–140 ms at p50 on this machine, far above the forwarding), and CPU contention: on real student machines each relay has its own cores.",
  ].join('\n');
}
