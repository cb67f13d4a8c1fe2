/**
 * ARQ lab figures. (1) The seeded simulator on the textbook link (T_f = 1, T_p = 2, so a = 2;
 * timeout one round trip from departure; data loss only, so p is the data loss) against the
 * Stallings formulas, per protocol, for loss 0–0.5. (2) The same machines over a real loopback
 * WebRTC data channel (node-datachannel, unordered, no retransmits) with seeded loss on top:
 * elapsed time, goodput and frame efficiency (new / sent, ideal 1 − p with no spurious timeout).
 */
import { randomBytes } from 'node:crypto';
import { runArqOverChannel } from '../../node-agent/labs/arq-channel-run.js';
import { LoopbackLink } from '../../node-agent/labs/loopback-link.js';
import type { ArqProtocol } from '../../protocol/labs/arq.js';
import { simulateArq } from '../../protocol/labs/arq-simulation.js';

const LOSSES = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
const SEEDS = [1, 2, 3, 4, 5];
const FRAMES = 4000;
/** The agreement docs/labs.md states (and test/unit/labs-arq-model.test.ts checks). */
const TOLERANCE = 0.025;
const CONFIGS: { protocol: ArqProtocol; window: number; label: string }[] = [
  { protocol: 'sw', window: 1, label: 'SW' },
  { protocol: 'gbn', window: 5, label: 'GBN W=5' },
  { protocol: 'sr', window: 5, label: 'SR W=5' },
  { protocol: 'sr', window: 128, label: 'SR W=128' },
];

function simulated(): string {
  const data = new Uint8Array(FRAMES);
  const cells = new Map<string, { measured: number; textbook: number }>();
  for (const c of CONFIGS) {
    for (const loss of LOSSES) {
      let sum = 0;
      let textbook = 0;
      for (const seed of SEEDS) {
        const r = simulateArq({ config: { protocol: c.protocol, window: c.window, seqBits: 12, segmentSize: 1 }, data, seed, dataLoss: loss });
        if (!r.complete) throw new Error(`${c.label} p=${loss} seed ${seed} did not finish`);
        sum += r.measuredUtilisation;
        textbook = r.textbookUtilisation;
      }
      cells.set(`${c.label}@${loss}`, { measured: sum / SEEDS.length, textbook });
    }
  }
  const rows = LOSSES.map((loss) => {
    const parts = CONFIGS.map((c) => {
      const { measured, textbook } = cells.get(`${c.label}@${loss}`)!;
      return `${measured.toFixed(3)} / ${textbook.toFixed(3)}`;
    });
    return `| ${loss.toFixed(1)} | ${parts.join(' | ')} |`;
  });
  const worst = CONFIGS.map((c) => Math.max(...LOSSES.map((l) => Math.abs(cells.get(`${c.label}@${l}`)!.measured - cells.get(`${c.label}@${l}`)!.textbook))));
  const verdict = (d: number) => `${d.toFixed(3)} ${d <= TOLERANCE ? '✓' : '✗ (explained in docs/labs.md)'}`;
  for (const r of rows) console.log(r);
  return [
    `Simulator, textbook link: T_f = 1 ms, T_p = 2 ms (a = 2), timeout one round trip (5 ms) from the frame's departure, data loss only;`,
    `${FRAMES} frames per run, mean of seeds ${SEEDS.join(', ')}. Each cell: measured utilisation / textbook formula.`,
    '',
    `| data loss p | ${CONFIGS.map((c) => c.label).join(' | ')} |`,
    `|---|${CONFIGS.map(() => '---').join('|')}|`,
    ...rows,
    `| largest gap (tolerance ${TOLERANCE}) | ${worst.map(verdict).join(' | ')} |`,
  ].join('\n');
}

async function overChannel(): Promise<string> {
  const runs: { protocol: ArqProtocol; window: number; bytes: number }[] = [
    { protocol: 'sr', window: 64, bytes: 256 * 1024 },
    { protocol: 'gbn', window: 16, bytes: 256 * 1024 },
    { protocol: 'sw', window: 1, bytes: 32 * 1024 },
  ];
  const rows: string[] = [];
  const link = await LoopbackLink.open();
  try {
    let transferId = 0;
    for (const r of runs) {
      for (const loss of [0, 0.2]) {
        const data = randomBytes(r.bytes);
        const run = await runArqOverChannel(
          { sender: link.a, receiver: link.b },
          { config: { protocol: r.protocol, window: r.window, timeout: 30, transferId: ++transferId }, data, seed: 7, dataLoss: loss },
        );
        if (!Buffer.from(run.output).equals(data)) throw new Error(`${r.protocol} output differs`);
        const s = run.stats;
        rows.push(
          `| ${r.protocol.toUpperCase()} W=${r.window} | ${r.bytes / 1024} KiB | ${loss} | ${s.elapsed.toFixed(0)} | ${(s.goodput / 1024).toFixed(0)} | ${s.dataFramesSent} | ${(s.efficiency * 100).toFixed(1)} % | ${((1 - loss) * 100).toFixed(0)} % |`,
        );
        console.log(rows.at(-1));
      }
    }
  } finally {
    link.close();
  }
  return [
    'Real loopback WebRTC data channel (unordered, no retransmits), 128-byte segments, timeout 30 ms, seeded data loss on top, one run each;',
    'the output is checked byte-identical. Efficiency = new frames / data frames sent; with no spurious timeout it tends to 1 − p.',
    '',
    '| protocol | file | data loss | elapsed ms | goodput KiB/s | frames sent | efficiency | 1 − p |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export async function benchLabs(): Promise<string> {
  return `${simulated()}\n\n${await overChannel()}`;
}
