/**
 * Delay, jitter and loss on one lab host's link, as `tc qdisc ... netem` on the host's egress would
 * add them. Two ways, chosen once per process:
 *
 * - `netem`: `tc qdisc replace dev eth0 root netem delay D J loss L%` inside the host's namespace,
 *   where the kernel has sch_netem;
 * - `shaper`: where it has not (this project's CI kernel is built with CONFIG_NET_SCH_NETEM unset
 *   and has no loadable modules), a small C program (scripts/netns/shaper.c, built with the
 *   system's `cc` on first use) sits between the host's veth and the bridge in the bridge's
 *   namespace and does the same to every frame the host sends. Frames towards the host pass at
 *   once, so two impaired hosts see delay + delay between them, as with netem on both.
 *
 * `CAMVID_NETNS_IMPAIR=netem|shaper` forces one (e.g. to try the shaper on a kernel with netem).
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SHAPER_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shaper.c');
const REPLY_TIMEOUT_MS = 5000;

/** What a host's outgoing link does to each packet. All zero = a clean link. */
export interface Impairment {
  /** added one-way delay, ms */
  delayMs?: number;
  /** ± this much uniformly around the delay, ms (packets may be reordered, as with netem) */
  jitterMs?: number;
  /** probability of dropping a packet, percent */
  lossPct?: number;
  /** the other way, towards the host (its downlink): the rate it takes, kbit/s (a tbf queue) */
  downKbps?: number;
  /** … and the probability of dropping a packet on it, percent */
  downLossPct?: number;
}

export type ImpairMethod = 'netem' | 'shaper';

export interface ImpairSupport {
  method: ImpairMethod | null;
  /** why netem is not used (or why nothing can be), for logs and docs */
  reason: string;
}

let support: ImpairSupport | undefined;

/**
 * Which method this machine can use: netem when a throwaway namespace accepts a netem qdisc,
 * else the shaper when a C compiler is there. Needs root (call after canUseNetns()).
 */
export function impairSupport(): ImpairSupport {
  if (support) return support;
  const forced = process.env.CAMVID_NETNS_IMPAIR;
  const netem = forced === 'shaper' ? { ok: false, why: 'CAMVID_NETNS_IMPAIR=shaper' } : probeNetem();
  if (netem.ok) support = { method: 'netem', reason: 'tc netem' };
  else if (forced === 'netem') support = { method: null, reason: `netem forced but unusable: ${netem.why}` };
  else if (hasCompiler()) support = { method: 'shaper', reason: `netem unusable (${netem.why}); userspace shaper instead` };
  else support = { method: null, reason: `netem unusable (${netem.why}) and no C compiler (Debian: gcc) for the shaper` };
  return support;
}

function probeNetem(): { ok: boolean; why: string } {
  const ns = `cv-${process.pid}x${randomBytes(3).toString('hex')}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { ok: true, why: '' };
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return { ok: false, why: `${stderr || (err as Error).message}; kernel ${os.release()}${kernelSays()}` };
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // never created
    }
  }
}

/** The kernel's own word on netem, when it publishes its config. */
function kernelSays(): string {
  try {
    const config = execFileSync('sh', ['-c', 'zcat /proc/config.gz 2>/dev/null | grep NET_SCH_NETEM'], { encoding: 'utf8' }).trim();
    return config ? ` (${config})` : '';
  } catch {
    return '';
  }
}

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let shaperPath: Promise<string> | undefined;

/** Builds the shaper once per source version; the binary is cached in the temp folder. */
function shaperBinary(): Promise<string> {
  shaperPath ??= (async () => {
    const source = readFileSync(SHAPER_SOURCE);
    const out = path.join(os.tmpdir(), `camvid-shaper-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
    if (existsSync(out)) return out;
    // Build under a private name, then rename: parallel runs never see a half-written binary.
    const tmp = `${out}.${process.pid}.tmp`;
    await run('cc', ['-O2', '-Wall', '-o', tmp, SHAPER_SOURCE]);
    renameSync(tmp, out);
    return out;
  })();
  return shaperPath;
}

export interface ImpairTarget {
  hostNs: string;
  hostIf: string;
  bridgeNs: string;
  /** the host's veth end in the bridge namespace, e.g. `vh3` */
  port: string;
  index: number;
  /** starts a long-running process in the bridge namespace, owned (and killed) by the lab */
  spawnInBridge(cmd: string, args: string[]): ChildProcess;
}

/** One host's impaired link. Created on the first `set`; the lab closes it with its namespaces. */
export class LinkImpairment {
  #shaper: ChildProcess | null = null;
  #replies: ((line: string) => void)[] = [];

  constructor(
    private readonly target: ImpairTarget,
    readonly method: ImpairMethod,
  ) {}

  async set(imp: Impairment): Promise<void> {
    const delay = Math.max(0, imp.delayMs ?? 0);
    const jitter = Math.max(0, imp.jitterMs ?? 0);
    const loss = Math.min(100, Math.max(0, imp.lossPct ?? 0));
    const downLoss = Math.min(100, Math.max(0, imp.downLossPct ?? 0));
    if (this.method === 'netem') {
      await this.#netem(delay, jitter, loss);
      return this.#down(imp.downKbps, downLoss);
    }
    this.#shaper ??= await this.#startShaper();
    for (const line of [`set ${Math.round(delay * 1000)} ${Math.round(jitter * 1000)} ${Math.round(loss * 10_000)}`, `down ${Math.round(downLoss * 10_000)}`]) {
      const ok = await this.#ask(line);
      if (ok !== 'ok') throw new Error(`shaper for ${this.target.hostNs}: ${ok}`);
    }
    await this.#down(imp.downKbps, 0);
  }

  /**
   * The host's downlink: a rate (tbf, a queue of ~250 ms, past which frames drop, as on a full
   * Wi-Fi link) and, with netem, its loss, on the host's port in the bridge namespace.
   */
  async #down(kbps: number | undefined, loss: number): Promise<void> {
    const { bridgeNs, port } = this.target;
    const qdisc = ['-n', bridgeNs, 'qdisc'];
    if (!kbps && !loss) return void (await run('tc', [...qdisc, 'del', 'dev', port, 'root']).catch(() => undefined));
    if (this.method === 'netem') {
      await run('tc', [...qdisc, 'replace', 'dev', port, 'root', 'netem', ...(loss ? ['loss', `${loss}%`] : []), ...(kbps ? ['rate', `${kbps}kbit`] : [])]);
      return;
    }
    const burst = Math.max(3000, Math.round((kbps! * 1000) / 8 / 50)); // 20 ms of the rate, at least two frames
    await run('tc', [...qdisc, 'replace', 'dev', port, 'root', 'tbf', 'rate', `${kbps}kbit`, 'burst', String(burst), 'latency', '250ms']);
  }

  /** The shaper's counters (`stats in N forwarded N lost N …`); null with netem. */
  async stats(): Promise<Record<string, number> | null> {
    if (!this.#shaper) return null;
    const line = await this.#ask('stats');
    const words = line.split(' ').slice(1);
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < words.length; i += 2) out[words[i]!] = Number(words[i + 1]);
    return out;
  }

  async #netem(delay: number, jitter: number, loss: number): Promise<void> {
    const { hostNs, hostIf } = this.target;
    if (delay === 0 && jitter === 0 && loss === 0) {
      await run('tc', ['-n', hostNs, 'qdisc', 'del', 'dev', hostIf, 'root']).catch(() => undefined);
      return;
    }
    const args = ['-n', hostNs, 'qdisc', 'replace', 'dev', hostIf, 'root', 'netem', 'delay', `${delay}ms`];
    if (jitter) args.push(`${jitter}ms`);
    if (loss) args.push('loss', `${loss}%`);
    await run('tc', args);
  }

  /** Splices the shaper between the host's port and the bridge: vhN ⇄ shaper ⇄ viN ⇄ vbN ∈ br0. */
  async #startShaper(): Promise<ChildProcess> {
    const { bridgeNs: br, port, index } = this.target;
    const bin = await shaperBinary();
    const inner = `vi${index}`;
    const outer = `vb${index}`;
    const ip = (...args: string[]) => run('ip', ['-n', br, ...args]);
    await ip('link', 'add', inner, 'type', 'veth', 'peer', 'name', outer);
    await ip('link', 'set', inner, 'up');
    await ip('link', 'set', outer, 'master', 'br0', 'up');
    await ip('link', 'set', port, 'nomaster');
    const seed = String(1 + index);
    const child = this.target.spawnInBridge(bin, [port, inner, seed]);
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.#replies.shift()?.(line);
      }
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', () => {
      for (const r of this.#replies.splice(0)) r(`exited: ${stderr.trim()}`);
    });
    this.#shaper = child;
    const ready = await this.#wait();
    if (ready !== 'ready') throw new Error(`shaper for ${this.target.hostNs} did not start: ${ready} ${stderr.trim()}`);
    return child;
  }

  #ask(line: string): Promise<string> {
    const reply = this.#wait();
    this.#shaper!.stdin!.write(`${line}\n`);
    return reply;
  }

  #wait(): Promise<string> {
    return new Promise((resolve) => {
      const waiter = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        // forget this waiter, or it would take the answer meant for the next question
        this.#replies = this.#replies.filter((w) => w !== waiter);
        resolve('no answer');
      }, REPLY_TIMEOUT_MS);
      this.#replies.push(waiter);
    });
  }
}
