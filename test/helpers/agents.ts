/**
 * Starts real `camvid` agent processes for tests (after hyperdht's createTestnet): each is its own
 * process with its own data folder, on 127.0.0.1 with mDNS off unless a network-namespace lab
 * spawns it. `--events` lines give the test the agent's roster as it changes. Every agent started
 * through a `Cluster` is killed and its folder removed by `cluster.close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RosterEntry } from '../../protocol/common.js';
import type { DiscoveredRoom } from '../../protocol/ui.js';
import type { ChatRecord } from '../../protocol/chat.js';
import { AgentIdentity, IDENTITY_FILE } from '../../node-agent/auth/agent-identity.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CAMVID_BIN = path.join(ROOT, 'bin/camvid.js');

export type Spawner = (cmd: string, args: string[]) => ChildProcess;
const localSpawn: Spawner = (cmd, args) => spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });

export class AgentProcess {
  readonly lines: string[] = [];
  roster: RosterEntry[] = [];
  /** chat records this agent printed (`--events`), in the order it accepted them */
  readonly chat: ChatRecord[] = [];
  /** the latest live room list of a `rooms --watch` */
  rooms: DiscoveredRoom[] = [];
  /** when the latest roster arrived (ms since epoch, this process's clock) */
  rosterAt = 0;
  exitCode: number | null = null;
  /** called with every output line, after `lines`, `roster`, `chat` and `rooms` took it in */
  readonly lineListeners = new Set<(line: string) => void>();
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let buf = '';
    const onData = (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.#onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
    // Decoded as a stream: a character split between two chunks is not mangled (long non-ASCII names).
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        // Our end of the child's stdin pipe would otherwise keep this process alive.
        child.stdin?.destroy();
        this.exitCode = code;
        this.#wake();
        resolve(code);
      }),
    );
  }

  /** the --data folder this agent was started with */
  get dataDir(): string {
    const args = this.child.spawnargs;
    return args[args.indexOf('--data') + 1]!;
  }

  /** this agent's peer id, from the identity key in its data folder (there once it started) */
  peerId(): string {
    return new AgentIdentity(readFileSync(path.join(this.dataDir, IDENTITY_FILE), 'utf8').trim()).peerId;
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** the output without the once-a-second stats events, which would bury what went wrong */
  telling(): string {
    return this.lines.filter((l) => !/^event \{"type":"(media|files)-stats"/.test(l)).join('\n');
  }

  /** Resolves when `predicate` holds (checked on every line), or rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = predicate();
        if (v) {
          done();
          resolve(v);
        } else if (this.exitCode !== null && this.child.exitCode !== null) {
          done();
          reject(new Error(`${this.name} exited (${this.exitCode}) before ${what}:\n${this.output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: timed out waiting for ${what}:\n${this.telling().slice(-3000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.waitFor(() => {
      for (const l of this.lines) {
        const m = l.match(re);
        if (m) return m;
      }
      return undefined;
    }, timeoutMs, `a line matching ${re}`);
  }

  /** Writes a command line to the agent's stdin (`--stdin` agents: `say <text>`). */
  command(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }


  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  #onLine(line: string): void {
    this.lines.push(line);
    if (line.startsWith('event ')) {
      try {
        const ev = JSON.parse(line.slice(6)) as { type: string; data: unknown };
        if (ev.type === 'roster') {
          this.roster = ev.data as RosterEntry[];
          this.rosterAt = Date.now();
        } else if (ev.type === 'chat') {
          this.chat.push(ev.data as ChatRecord);
        } else if (ev.type === 'rooms') {
          this.rooms = ev.data as DiscoveredRoom[];
        }
      } catch {
        /* a partial line is not an event */
      }
    }
    for (const listener of this.lineListeners) listener(line);
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

export interface ClusterOptions {
  /** spawn inside a namespace, for example; default a plain local process */
  spawner?: Spawner;
}

export class Cluster {
  readonly agents: AgentProcess[] = [];
  readonly #dirs: string[] = [];

  dataDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-test-'));
    this.#dirs.push(dir);
    return dir;
  }

  /** Starts `camvid <args>` with a fresh data folder; local agents stay on 127.0.0.1 without mDNS. */
  start(name: string, args: string[], opts: { local?: boolean; spawner?: Spawner } = {}): AgentProcess {
    const local = opts.local ?? true;
    const extra = [...(args.includes('--data') ? [] : ['--data', this.dataDir()]), ...(local ? ['--no-mdns', '--bind', '127.0.0.1'] : [])];
    const child = (opts.spawner ?? localSpawn)(process.execPath, [CAMVID_BIN, ...args, ...extra]);
    const agent = new AgentProcess(name, child);
    this.agents.push(agent);
    return agent;
  }

  /** A host on any free ports; resolves with its signalling port once it listens. */
  async startHost(args: string[] = [], opts?: { local?: boolean; spawner?: Spawner }): Promise<{ agent: AgentProcess; port: number }> {
    const agent = this.start('host', ['host', '--password', 'secret', '--name', 'Prof', '--port', '0', '--ui-port', '0', '--no-ui', '--events', ...args], opts);
    const m = await agent.waitForLine(/^hosting .* on port (\d+)/);
    return { agent, port: Number(m[1]) };
  }

  /** An agent with its web UI (no room yet); resolves with the printed UI link. */
  async startUiAgent(name: string, args: string[] = []): Promise<{ agent: AgentProcess; url: string }> {
    const agent = this.start(name, ['--port', '0', '--ui-port', '0', ...args]);
    const [, url] = await agent.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
    return { agent, url: url! };
  }

  startStudent(name: string, address: string, args: string[] = [], opts?: { local?: boolean; spawner?: Spawner }): AgentProcess {
    return this.start(name, ['join', '--address', address, '--name', name, '--password', 'secret', '--port', '0', '--events', ...args], opts);
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.kill('SIGKILL')));
    for (const d of this.#dirs) rmSync(d, { recursive: true, force: true });
  }
}
