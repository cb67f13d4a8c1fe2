/**
 * A throwaway LAN made of Linux network namespaces, for tests, benchmarks and the soak that need
 * real multicast (mDNS), real per-host addresses, lossy or slow links and pulled cables without
 * touching the machine's own interfaces (after hyperdht's `createTestnet`). docs/proving-ground.md.
 *
 *   const lab = await createNetnsLab(3);           // hosts cv-<id>-h0..h2, bridge in cv-<id>-br
 *   try {
 *     const child = lab.spawn(0, process.execPath, ['--import', 'tsx', 'script.ts']);
 *     await lab.exec(1, 'ip', ['addr']);
 *     lab.hosts[1].addr;                             // '10.77.<n>.2'
 *     await lab.impair(1, { delayMs: 20, lossPct: 2 }); // netem (or the shaper) on h1's egress
 *     await lab.setLink(1, false);                   // pull h1's cable
 *   } finally {
 *     await lab.close();                             // kills what it spawned, deletes every namespace
 *   }
 *
 * Nothing is created in the root namespace: the bridge lives in its own namespace, each veth pair
 * is created there with its peer moved straight into the host namespace, and addresses and routes
 * exist only inside the namespaces. Deleting the namespaces deletes the bridge and the veths.
 * Each host gets `224.0.0.0/4 dev eth0`: with no multicast route mDNS senders fail silently.
 * Names carry the creating process's pid (`cv-<pid>x<rand>-…`), so a later run can delete the labs
 * of a process that died before it could clean up (`sweepStaleLabs`, scripts/netns/cleanup.ts).
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { impairSupport, LinkImpairment, type Impairment, type ImpairMethod } from './link-impairment.js';

export { impairSupport, type Impairment, type ImpairMethod } from './link-impairment.js';

const run = promisify(execFile);

export const LAB_PREFIX = 'cv-';
const LAB_NAME = /^cv-(\d+)x[0-9a-f]+-(h\d+|br|probe)$/;
/** Room for a class's worth of hosts in one /24 (.1 … .N): the soak's 60-student run needs 62. */
const MAX_HOSTS = 64;
const KILL_WAIT_MS = 2000;

export interface NetnsHost {
  index: number;
  /** namespace name, e.g. `cv-1234xab12cd-h0` */
  ns: string;
  /** IPv4 address on the lab's /24, e.g. `10.77.31.1` */
  addr: string;
  /** interface name inside the namespace */
  ifname: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NetnsLab {
  readonly id: string;
  /** e.g. `10.77.31.0/24` */
  readonly subnet: string;
  readonly bridgeNs: string;
  readonly hosts: readonly NetnsHost[];
  /** Every namespace of the lab (hosts and bridge). */
  readonly namespaces: readonly string[];
  /** Runs `ip netns exec <host ns> cmd ...args`. Default stdio: ignore, pipe, pipe. */
  spawn(host: number, cmd: string, args?: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Runs a command in a host namespace to completion; never rejects on a non-zero exit. */
  exec(host: number, cmd: string, args?: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** "Unplugs" (false) or "replugs" (true) a host: its bridge port goes down or up. */
  setLink(host: number, up: boolean): Promise<void>;
  /**
   * Client isolation, as school Wi-Fi does it: the bridge forwards nothing between two isolated
   * hosts' ports (`bridge link set … isolated on`), while each still reaches every other host.
   */
  isolate(host: number, on?: boolean): Promise<void>;
  /**
   * Delay, jitter and loss on everything `host` sends (netem, or the userspace shaper where the
   * kernel has no netem: `impairSupport()`). Call again to change; all zero for a clean link.
   */
  impair(host: number, imp: Impairment): Promise<ImpairMethod>;
  /** The shaper's packet counters for `host` (null with netem or an unimpaired link). */
  impairStats(host: number): Promise<Record<string, number> | null>;
  /** Kills everything spawned and every process left in the namespaces, deletes them. Idempotent. */
  close(): Promise<void>;
}

let netnsUsable: boolean | undefined;

/** True when this process can build a lab: root, iproute2, and `ip netns add` works. */
export function canUseNetns(): boolean {
  if (netnsUsable !== undefined) return netnsUsable;
  netnsUsable = false;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const name = `${LAB_PREFIX}${process.pid}x${randomBytes(3).toString('hex')}-probe`;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
    netnsUsable = true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // never created
    }
  }
  return netnsUsable;
}

/** Names of every namespace that looks like a CAMVID lab, of any process. */
export function listLabNamespaces(): string[] {
  try {
    const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => LAB_NAME.test(name));
  } catch {
    return [];
  }
}

/** Deletes labs whose creating process is gone. Returns the namespaces deleted. */
export function sweepStaleLabs(): string[] {
  const stale = listLabNamespaces().filter((name) => !pidAlive(Number(LAB_NAME.exec(name)![1])));
  for (const ns of stale) deleteNamespaceSync(ns);
  return stale;
}

const openLabs = new Set<LabImpl>();
const onExit = () => {
  for (const lab of openLabs) lab.closeSync();
};
const onSignal = (signal: NodeJS.Signals) => {
  onExit();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};

function track(lab: LabImpl, open: boolean): void {
  if (open) {
    if (openLabs.size === 0) {
      // Safety net: runs on normal exit, process.exit() and Ctrl-C, not on SIGKILL (then sweep).
      process.on('exit', onExit);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    openLabs.add(lab);
  } else {
    openLabs.delete(lab);
    if (openLabs.size === 0) {
      process.off('exit', onExit);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** Builds `n` hosts on one bridge. On any failure everything already created is deleted. */
export async function createNetnsLab(n: number): Promise<NetnsLab> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS) throw new TypeError(`n: expected 1..${MAX_HOSTS}`);
  sweepStaleLabs();
  const id = `${process.pid}x${randomBytes(3).toString('hex')}`;
  const octet = randomInt(1, 255);
  const lab = new LabImpl(id, octet, n);
  track(lab, true);
  try {
    await lab.build();
  } catch (err) {
    await lab.close();
    throw err;
  }
  return lab;
}

class LabImpl implements NetnsLab {
  readonly id: string;
  readonly subnet: string;
  readonly bridgeNs: string;
  readonly hosts: NetnsHost[];
  readonly namespaces: string[];
  readonly #children = new Set<ChildProcess>();
  readonly #impaired = new Map<number, LinkImpairment>();
  #closing: Promise<void> | undefined;

  constructor(id: string, octet: number, n: number) {
    this.id = id;
    this.subnet = `10.77.${octet}.0/24`;
    this.bridgeNs = `${LAB_PREFIX}${id}-br`;
    this.hosts = Array.from({ length: n }, (_, index) => ({
      index,
      ns: `${LAB_PREFIX}${id}-h${index}`,
      addr: `10.77.${octet}.${index + 1}`,
      ifname: 'eth0',
    }));
    this.namespaces = [this.bridgeNs, ...this.hosts.map((h) => h.ns)];
  }

  async build(): Promise<void> {
    const ip = (...args: string[]) => ipCmd(args);
    const br = this.bridgeNs;
    await ip('netns', 'add', br);
    await ip('-n', br, 'link', 'set', 'lo', 'up');
    // The bridge namespace only switches frames: no IPv6 addresses of its own on the ports, so its
    // kernel never talks on the LAN (router solicitations, MLD) from a port a shaper owns.
    await run('ip', ['netns', 'exec', br, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
    // No IGMP snooping: with no querier on this LAN a snooping bridge may drop group traffic.
    await ip('-n', br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    await ip('-n', br, 'link', 'set', 'br0', 'up');
    for (const h of this.hosts) {
      await ip('netns', 'add', h.ns);
      const port = `vh${h.index}`;
      await ip('-n', br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', h.ifname, 'netns', h.ns);
      await ip('-n', br, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', h.ns, 'link', 'set', 'lo', 'up');
      await ip('-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', h.ifname);
      await ip('-n', h.ns, 'link', 'set', h.ifname, 'up');
      await ip('-n', h.ns, 'route', 'add', '224.0.0.0/4', 'dev', h.ifname);
    }
  }

  #host(i: number): NetnsHost {
    const h = this.hosts[i];
    if (!h) throw new RangeError(`no host ${i} in a lab of ${this.hosts.length}`);
    if (this.#closing) throw new Error('lab is closed');
    return h;
  }

  spawn(i: number, cmd: string, args: readonly string[] = [], opts: SpawnOptions = {}): ChildProcess {
    return this.#spawnIn(this.#host(i).ns, cmd, args, opts);
  }

  #spawnIn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
    // detached: its own process group, so close() can kill the command and anything it started.
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
      detached: true,
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    child.once('error', () => this.#children.delete(child));
    return child;
  }

  async exec(i: number, cmd: string, args: readonly string[] = [], timeoutMs = 10_000): Promise<ExecResult> {
    const h = this.#host(i);
    try {
      const { stdout, stderr } = await run('ip', ['netns', 'exec', h.ns, cmd, ...args], { timeout: timeoutMs });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  async setLink(i: number, up: boolean): Promise<void> {
    // The bridge side, so the host keeps its address and routes, as with a pulled cable.
    const h = this.#host(i);
    await ipCmd(['-n', this.bridgeNs, 'link', 'set', `vh${h.index}`, up ? 'up' : 'down']);
  }

  async isolate(i: number, on = true): Promise<void> {
    const h = this.#host(i);
    await run('ip', ['netns', 'exec', this.bridgeNs, 'bridge', 'link', 'set', 'dev', `vh${h.index}`, 'isolated', on ? 'on' : 'off'], { timeout: 10_000 });
  }

  async impair(i: number, imp: Impairment): Promise<ImpairMethod> {
    const h = this.#host(i);
    let link = this.#impaired.get(i);
    if (!link) {
      const { method, reason } = impairSupport();
      if (!method) throw new Error(`cannot impair links here: ${reason}`);
      link = new LinkImpairment(
        {
          hostNs: h.ns,
          hostIf: h.ifname,
          bridgeNs: this.bridgeNs,
          port: `vh${h.index}`,
          index: h.index,
          spawnInBridge: (cmd, args) => this.#spawnIn(this.bridgeNs, cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] }),
        },
        method,
      );
      this.#impaired.set(i, link);
    }
    await link.set(imp);
    return link.method;
  }

  impairStats(i: number): Promise<Record<string, number> | null> {
    this.#host(i);
    return this.#impaired.get(i)?.stats() ?? Promise.resolve(null);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const exits = [...this.#children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(resolve, KILL_WAIT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          killGroup(child);
        }),
    );
    await Promise.all(exits);
    this.closeSync();
  }

  /** Synchronous teardown, usable from a process 'exit' handler. */
  closeSync(): void {
    for (const child of this.#children) killGroup(child);
    this.#children.clear();
    // Hosts first, then the bridge namespace (deleting a host ns also deletes its veth pair).
    for (const ns of [...this.hosts.map((h) => h.ns), this.bridgeNs]) deleteNamespaceSync(ns);
    track(this, false);
  }
}

async function ipCmd(args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills whatever still runs in the namespace (a process keeps it alive), then deletes it. */
function deleteNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // namespace does not exist (any more)
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // did not exist
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
