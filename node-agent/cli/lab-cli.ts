/**
 * The ARQ lab between two members from `camvid host|join`: `--lab-arq-with NAME` sends a file to the
 * member called NAME over a direct edge once they are in the room, and prints the summary. Every
 * headless agent prints a line when a classmate's file arrives, so a script can watch both ends.
 *
 *   camvid join --address H:P --name ana --password pw --lab-arq-with bo \
 *     [--lab-protocol sr|gbn|sw] [--lab-window N] [--lab-timeout MS] [--lab-loss P] [--lab-ack-loss P] \
 *     [--lab-seed N] [--lab-file PATH]
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { CamvidError, toCamvidError } from '../../protocol/errors.js';
import { ARQ_PROTOCOLS, type ArqProtocol } from '../../protocol/labs/arq.js';
import { MAX_LAB_LOSS, MAX_LAB_TIMEOUT_MS, MIN_LAB_TIMEOUT_MS } from '../../protocol/labs/lab-messages.js';
import type { Agent } from '../agent.js';
import { formatArqSummary } from '../labs/lab-format.js';
import type { LabArqRunOptions } from '../labs/lab-service.js';

export const LAB_HEADLESS_OPTIONS = {
  'lab-arq-with': { type: 'string' },
  'lab-protocol': { type: 'string' },
  'lab-window': { type: 'string' },
  'lab-timeout': { type: 'string' },
  'lab-loss': { type: 'string' },
  'lab-ack-loss': { type: 'string' },
  'lab-seed': { type: 'string' },
  'lab-file': { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export const LAB_HEADLESS_USAGE =
  '[--lab-arq-with NAME [--lab-protocol sr|gbn|sw] [--lab-window N] [--lab-timeout MS] [--lab-loss P] [--lab-ack-loss P] [--lab-seed N] [--lab-file PATH]]';

interface LabPlan {
  peerName: string;
  file: string | null;
  options: Omit<LabArqRunOptions, 'data'>;
}

function number(v: unknown, flag: string, min: number, max: number, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new TypeError(`--${flag} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${v}"`);
  }
  return n;
}

/** Checks the lab flags; throws TypeError (a usage error) with the reason. Null without --lab-arq-with. */
export function checkLabArgs(v: Record<string, unknown>): LabPlan | null {
  const peerName = v['lab-arq-with'] as string | undefined;
  if (peerName === undefined) {
    const stray = Object.keys(LAB_HEADLESS_OPTIONS).find((k) => v[k] !== undefined);
    if (stray) throw new TypeError(`--${stray} needs --lab-arq-with NAME`);
    return null;
  }
  const protocol = (v['lab-protocol'] ?? 'sr') as ArqProtocol;
  if (!ARQ_PROTOCOLS.includes(protocol)) throw new TypeError(`--lab-protocol must be sr, gbn or sw, got "${protocol}"`);
  return {
    peerName,
    file: (v['lab-file'] as string | undefined) ?? null,
    options: {
      protocol,
      window: number(v['lab-window'], 'lab-window', 1, 32768, true),
      timeout: number(v['lab-timeout'], 'lab-timeout', MIN_LAB_TIMEOUT_MS, MAX_LAB_TIMEOUT_MS),
      loss: number(v['lab-loss'], 'lab-loss', 0, MAX_LAB_LOSS) ?? 0,
      ackLoss: number(v['lab-ack-loss'], 'lab-ack-loss', 0, MAX_LAB_LOSS) ?? 0,
      seed: number(v['lab-seed'], 'lab-seed', 0, 2 ** 32 - 1, true),
    },
  };
}

/** Prints arriving files, and runs the transfer --lab-arq-with asks for once its peer is in. */
export function wireLabHeadless(agent: Agent, v: Record<string, unknown>): void {
  const labs = agent.features.labs;
  labs.on('received', (r) => {
    console.log(`lab arq received ${r.file} (${r.size} B, sha256 ${r.sha256}) from ${r.fromName}: ${r.identical ? 'identical ✓' : 'DIFFERENT ✗'}`);
  });
  const plan = checkLabArgs(v);
  if (!plan) return;
  void (async () => {
    try {
      const data = plan.file ? await readFile(plan.file) : undefined;
      const r = await labs.runArqWith(plan.peerName, { ...plan.options, ...(data ? { data, fileName: basename(plan.file!) } : {}) });
      const lines = formatArqSummary({
        config: r.config,
        stats: r.stats,
        transport: `the lab data channel of a direct edge to ${r.peerName} (unordered, no retransmits)`,
        dataLoss: r.dataLoss,
        ackLoss: r.ackLoss,
        corruption: 0,
        seed: r.seed,
        inputName: r.fileName,
        outputName: `${r.receivedFile} at ${r.peerName}`,
        inputHash: r.sentSha256,
        outputHash: r.receivedSha256,
      });
      for (const line of lines) console.log(`lab arq: ${line}`);
      console.log(`lab arq done: ${r.identical ? 'identical ✓' : 'DIFFERENT ✗'}`);
    } catch (err) {
      const e = err instanceof CamvidError ? err : toCamvidError(err, 'UNREACHABLE');
      console.error(`lab arq failed: ${e.code}: ${e.message}`);
    }
  })();
}
