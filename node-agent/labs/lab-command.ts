/**
 * `camvid lab hamming|arq ...`: the Computer Networks labs from a terminal. The pure lab code
 * lives in protocol/labs; this file parses arguments, reads and writes files, opens the real
 * loopback data channel for ARQ and prints. Exit codes: 0 success, 1 the run failed (transfer
 * incomplete or different), 2 bad usage or an unreadable input file.
 */
import { createHash, randomInt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ARQ_PROTOCOLS, type ArqConfig, type ArqEvent, type ArqProtocol, type ArqRunStats, resolveArqConfig } from '../../protocol/labs/arq.js';
import { simulateArq } from '../../protocol/labs/arq-simulation.js';
import { type HammingErrorSpec, runHammingLab } from '../../protocol/labs/hamming.js';
import { runArqOverChannel } from './arq-channel-run.js';
import { formatArqSummary, formatHammingTable, formatTimeline } from './lab-format.js';
import { LoopbackLink } from './loopback-link.js';

/** Where the command writes; tests pass their own to keep the output. */
export interface LabOutput {
  out(line: string): void;
  err(line: string): void;
}

const CONSOLE: LabOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };
const DEFAULT_REAL_TIMEOUT_MS = 50;
const DEFAULT_TIMELINE_LINES = 40;

export const LAB_USAGE = `usage: camvid lab <lab> [options]

  camvid lab hamming "text" [--secded] [--seed N] [--rate P] [--double P] [--flip I:POS[+POS],...]
      Encodes the UTF-8 text nibble by nibble with Hamming (7,4), or extended (8,4) SECDED with
      --secded, flips bits, decodes, and prints one table row per codeword.
      --rate P     probability that a codeword gets one flipped bit (default 0.25)
      --double P   SECDED: probability that a damaged codeword gets a second flip (default 0.2)
      --flip ...   flip exactly these positions instead (e.g. 0:5,3:1+6); no random errors
      --seed N     seed of the random errors (default: random, printed)

  camvid lab arq [--protocol sr|gbn|sw] [--window N] [--loss P] [--ack-loss P] [--timeout MS]
                 [--seed N] send.txt receive.txt
      Sends send.txt to receive.txt with Selective Repeat, Go-Back-N or Stop-and-Wait over a real
      loopback WebRTC data channel (unordered, no retransmissions) with seeded loss on top, then
      prints the timeline and a summary and checks the SHA-256 of both files.
      --protocol   sr (default), gbn or sw          --window N   frames in flight (default 5; sw: 1)
      --loss P     data frame loss (default 0)       --ack-loss P ACK loss (default 0)
      --corrupt P  one flipped bit per frame with probability P (caught by the CRC-32; default 0)
      --timeout MS retransmission timeout (default ${DEFAULT_REAL_TIMEOUT_MS})     --segment N  payload bytes per frame (default 128)
      --seq-bits N sequence number bits (default: the fewest the window allows)
      --events N   timeline lines to print, or "all" (default ${DEFAULT_TIMELINE_LINES})
      --simulate   run the pure simulator (simulated time, T_f = 1 ms, T_p = 2 ms) instead of the
                   data channel, and compare utilisation with the textbook formula
`;

class UsageError extends Error {}

function num(value: string | undefined, name: string, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${value}"`);
  }
  return n;
}

/** "0:5,3:1+6" → { 0: [5], 3: [1, 6] } */
function parseFlips(spec: string): Record<number, number[]> {
  const flips: Record<number, number[]> = {};
  for (const item of spec.split(',')) {
    const m = /^(\d+):(\d(?:\+\d)*)$/.exec(item.trim());
    if (!m) throw new UsageError(`--flip takes CODEWORD:POSITION[+POSITION],... (e.g. 0:5,3:1+6), got "${item}"`);
    flips[Number(m[1])] = m[2]!.split('+').map(Number);
  }
  return flips;
}

const seedOf = (value: string | undefined) => num(value, 'seed', 0, 2 ** 32 - 1, true) ?? randomInt(2 ** 31);

function hamming(args: string[], io: LabOutput): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      secded: { type: 'boolean', default: false },
      seed: { type: 'string' },
      rate: { type: 'string' },
      double: { type: 'string' },
      flip: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('hamming needs a text, e.g. camvid lab hamming "hello"');
  // Unquoted words are joined back, as the person most likely meant one text.
  const text = positionals.join(' ');
  const scheme = values.secded ? '8,4' : '7,4';
  const seed = seedOf(values.seed);
  const rate = num(values.rate, 'rate', 0, 1) ?? 0.25;
  const double = num(values.double, 'double', 0, 1) ?? (values.secded ? 0.2 : 0);
  if (!values.secded && values.double !== undefined && double > 0) {
    throw new UsageError('--double needs --secded: Hamming (7,4) takes at most one error per codeword');
  }
  const errors: HammingErrorSpec = values.flip
    ? { kind: 'chosen', flips: parseFlips(values.flip) }
    : { kind: 'random', seed, probability: rate, doubleProbability: double };
  const result = runHammingLab(text, { scheme, errors });
  const how = errors.kind === 'chosen'
    ? `chosen flips ${values.flip}`
    : `P(one flip per codeword) ${rate}${values.secded ? `, P(second flip) ${double}` : ''}, seed ${seed}`;
  const heading = `Hamming (${scheme})${values.secded ? ' SECDED' : ''}: ${result.codewords.length} codewords for ${result.inputBytes.length} UTF-8 bytes; ${how}`;
  for (const line of formatHammingTable(text, result, heading)) io.out(line);
  return 0;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function arq(args: string[], io: LabOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string', default: 'sr' },
      window: { type: 'string' },
      'seq-bits': { type: 'string' },
      loss: { type: 'string' },
      'ack-loss': { type: 'string' },
      corrupt: { type: 'string' },
      timeout: { type: 'string' },
      segment: { type: 'string' },
      seed: { type: 'string' },
      events: { type: 'string' },
      simulate: { type: 'boolean', default: false },
    },
  });
  const protocol = values.protocol as ArqProtocol;
  if (!ARQ_PROTOCOLS.includes(protocol)) throw new UsageError(`--protocol must be sr, gbn or sw, got "${values.protocol}"`);
  if (positionals.length !== 2) throw new UsageError('arq needs two files: the one to send and the one to write');
  const [inputPath, outputPath] = positionals as [string, string];
  const lossOpt = (name: string, v: string | undefined) => num(v, name, 0, 0.99) ?? 0;
  const dataLoss = lossOpt('loss', values.loss);
  const ackLoss = lossOpt('ack-loss', values['ack-loss']);
  const corruption = lossOpt('corrupt', values.corrupt);
  const seed = seedOf(values.seed);
  const limit = values.events === 'all' ? Infinity : (num(values.events, 'events', 0, 1e9, true) ?? DEFAULT_TIMELINE_LINES);
  const window = num(values.window, 'window', 1, 65535, true);
  const seqBits = num(values['seq-bits'], 'seq-bits', 1, 16, true);
  const timeout = num(values.timeout, 'timeout', 0.001, 3_600_000);
  const segmentSize = num(values.segment, 'segment', 1, 65535, true);
  const config = {
    protocol,
    ...(window === undefined ? {} : { window }),
    ...(seqBits === undefined ? {} : { seqBits }),
    ...(segmentSize === undefined ? {} : { segmentSize }),
  };
  // Refuse a bad window before touching any file, so the reason shown is the real one.
  resolveArqConfig({ ...config, timeout: timeout ?? DEFAULT_REAL_TIMEOUT_MS });

  let data: Uint8Array;
  try {
    data = await readFile(inputPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    io.err(`camvid lab arq: cannot read the file to send "${inputPath}": ${why}`);
    return 2;
  }

  let run: { config: ArqConfig; output: Uint8Array; events: ArqEvent[]; stats: ArqRunStats; refused?: number };
  let transport: string;
  let utilisation: { measured: number; textbook: number; a: number; p: number } | undefined;
  if (values.simulate) {
    const sim = simulateArq({ config: { ...config, ...(timeout === undefined ? {} : { timeout }) }, data, seed, dataLoss, ackLoss, corruption });
    if (!sim.complete) throw new Error('the simulation did not finish');
    run = sim;
    transport = 'a simulated link (T_f = 1 ms per frame, T_p = 2 ms, ACKs take no transmission time)';
    utilisation = { measured: sim.measuredUtilisation, textbook: sim.textbookUtilisation, a: sim.a, p: sim.p };
  } else {
    const full = { ...config, timeout: timeout ?? DEFAULT_REAL_TIMEOUT_MS, transferId: randomInt(65536) };
    const link = await LoopbackLink.open();
    try {
      run = await runArqOverChannel({ sender: link.a, receiver: link.b }, { config: full, data, seed, dataLoss, ackLoss, corruption });
    } finally {
      link.close();
    }
    transport = 'a real loopback WebRTC data channel (node-datachannel, 127.0.0.1, unordered, no retransmits)';
  }

  try {
    await writeFile(outputPath, run.output);
  } catch (err) {
    io.err(`camvid lab arq: cannot write "${outputPath}": ${(err as Error).message}`);
    return 1;
  }
  const inputHash = sha256(data);
  const outputHash = sha256(run.output);
  io.out(`timeline (${run.events.length} events; times since start):`);
  for (const line of formatTimeline(run.events, limit, values.simulate ? 0 : 2)) io.out(line);
  io.out('');
  const summary = formatArqSummary({
    config: run.config,
    stats: run.stats,
    transport,
    dataLoss,
    ackLoss,
    corruption,
    seed,
    inputName: basename(inputPath),
    outputName: basename(outputPath),
    inputHash,
    outputHash,
    ...(utilisation ? { utilisation } : {}),
  });
  for (const line of summary) io.out(line);
  if (run.refused) io.out(`  the data channel itself refused ${run.refused} sends (counted as losses)`);
  return inputHash === outputHash ? 0 : 1;
}

/** Runs `camvid lab ...`; `argv` is what follows `lab`. Resolves to the process exit code. */
export async function labCommand(argv: string[], io: LabOutput = CONSOLE): Promise<number> {
  const [lab, ...rest] = argv;
  if (lab === undefined) {
    io.err(LAB_USAGE);
    return 2;
  }
  if (['--help', '-h', 'help'].includes(lab) || rest.includes('--help') || rest.includes('-h')) {
    io.out(LAB_USAGE);
    return 0;
  }
  try {
    if (lab === 'hamming') return hamming(rest, io);
    if (lab === 'arq') return await arq(rest, io);
    throw new UsageError(`unknown lab "${lab}" (hamming or arq)`);
  } catch (err) {
    // parseArgs and the lab validators report bad input as TypeError (ArqConfigError included).
    if (err instanceof UsageError || err instanceof TypeError) {
      io.err(`camvid lab ${lab}: ${err.message}`);
      io.err('run "camvid lab --help" for the options');
      return 2;
    }
    io.err(`camvid lab ${lab}: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
