/**
 * LAN discovery end to end, on a throwaway LAN of network namespaces (scripts/netns/netns-lab.ts):
 * h0 hosts a room, h1 and h2 browse, h3 is a hostile host sending mDNS garbage. Every process is
 * a real `node` in its own namespace; mDNS never touches the machine's own interfaces.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DiscoveredRoom } from '../../protocol/ui.js';
import { canUseNetns, createNetnsLab, type NetnsLab } from '../../scripts/netns/netns-lab.js';
import { requireCapability } from '../helpers/require.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (name: string) => path.join(ROOT, 'test/fixtures', name);
const CAPABILITY = 'network namespaces (root + iproute2)';
const ROOM = { id: randomBytes(8).toString('hex'), name: 'Computer Networks', hostName: 'Prof. Ada' };
/** "Within a few seconds": a browser started before or after the host must list it by then. */
const DISCOVERY_BUDGET_MS = 3000;
/** A kill -9ed host sends no goodbye; only the liveness probe can remove it. */
const VANISH_BUDGET_MS = 5000;
/** A dead room is re-probed with backoff (≤ 8 s) and browsers re-query every 10 s. */
const REJOIN_BUDGET_MS = 10_000;
/** A goodbye removes the room at once; the ping keeps answering, so only mDNS can explain it. */
const GOODBYE_BUDGET_MS = 1500;

interface Line {
  event: string;
  t: number;
  rooms?: DiscoveredRoom[];
  [key: string]: unknown;
}

/** A fixture process in the lab that prints JSON lines. */
class Proc {
  readonly lines: Line[] = [];
  stderr = '';
  exited = false;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (raw) => {
      try {
        this.lines.push(JSON.parse(raw) as Line);
      } catch {
        this.stderr += `[stdout] ${raw}\n`;
      }
      for (const wake of [...this.#waiters]) wake();
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.once('exit', () => {
      this.exited = true;
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** The first line from index `from` on that matches, within `timeoutMs`. */
  waitFor(what: string, match: (l: Line) => boolean, timeoutMs: number, from = 0): Promise<Line> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.slice(from).find(match);
        if (!found && !this.exited) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        if (found) resolve(found);
        else reject(new Error(`${this.label} exited while waiting for ${what}\n${this.stderr}`));
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  roomEvents(from = 0): Line[] {
    return this.lines.slice(from).filter((l) => l.event === 'rooms');
  }
}

const hasRoom = (id: string, extra: Partial<DiscoveredRoom> = {}) => (l: Line) =>
  l.event === 'rooms' && !!l.rooms?.some((r) => r.id === id && Object.entries(extra).every(([k, v]) => r[k as keyof DiscoveredRoom] === v));
const lacksRoom = (id: string) => (l: Line) => l.event === 'rooms' && !l.rooms?.some((r) => r.id === id);

const netnsOk = canUseNetns();
let lab: NetnsLab | undefined;
let publisher: Proc;
let publisherPort = 0;
let browsers: Proc[] = [];
const timings: string[] = [];

function start(host: number, label: string, script: string, args: string[] = []): Proc {
  const child = lab!.spawn(host, process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Proc(label, child);
}

function startPublisher(port = 0, iface?: string): Proc {
  const args = [ROOM.id, ROOM.name, ROOM.hostName, String(port), ...(iface ? [iface] : [])];
  return start(0, 'publisher h0', 'discovery-publisher.ts', args);
}

function leftoverNamespaces(names: readonly string[]): string[] {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return names.filter((ns) => list.split('\n').some((line) => line.split(' ')[0] === ns));
}

test.before(async () => {
  if (netnsOk) lab = await createNetnsLab(4);
});

test.after(async () => {
  if (!lab) return;
  const names = lab.namespaces;
  await lab.close();
  const left = leftoverNamespaces(names);
  // A throw here would abort uvu's whole run; report and fail the process instead.
  if (left.length > 0) {
    console.error(`discovery-netns: namespaces left behind: ${left.join(' ')}`);
    process.exitCode = 1;
  }
  if (timings.length) console.log(`\n  discovery timings: ${timings.join('; ')}`);
});

test('browsers in two other namespaces discover a published room within a few seconds', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  const h = lab!.hosts;
  // h1 browses before the room exists (it hears the announcement); h2 starts after (it asks).
  const early = start(1, 'browser h1', 'discovery-browser.ts');
  await early.waitFor('start', (l) => l.event === 'started', 10_000);
  publisher = startPublisher();
  const listening = await publisher.waitFor('listening', (l) => l.event === 'listening', 10_000);
  publisherPort = listening.port as number;
  const up = await publisher.waitFor('up', (l) => l.event === 'up', 10_000);
  assert.is(up.instanceName, `${ROOM.name} (${ROOM.id.slice(0, 6)})`);
  const late = start(2, 'browser h2', 'discovery-browser.ts', [h[2]!.addr]); // bound to its interface
  const lateStart = await late.waitFor('start', (l) => l.event === 'started', 10_000);
  browsers = [early, late];

  const expected = { id: ROOM.id, name: ROOM.name, hostName: ROOM.hostName, address: h[0]!.addr, port: publisherPort };
  const seenEarly = await early.waitFor('the room', hasRoom(ROOM.id), DISCOVERY_BUDGET_MS + 2000);
  const seenLate = await late.waitFor('the room', hasRoom(ROOM.id), DISCOVERY_BUDGET_MS + 2000);
  assert.equal(seenEarly.rooms, [expected]);
  assert.equal(seenLate.rooms, [expected]);
  const early_ms = seenEarly.t - up.t;
  const late_ms = seenLate.t - lateStart.t;
  timings.push(`announce→listed ${early_ms} ms`, `browser start→listed ${late_ms} ms`);
  assert.ok(early_ms <= DISCOVERY_BUDGET_MS, `h1 listed the room after ${early_ms} ms`);
  assert.ok(late_ms <= DISCOVERY_BUDGET_MS, `h2 listed the room after ${late_ms} ms`);
});

test('mDNS garbage and lying rooms neither crash the browsers nor get listed', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  const h = lab!.hosts;
  const marks = browsers.map((b) => b.lines.length);
  const garbage = start(3, 'garbage h3', 'discovery-garbage.ts', [h[3]!.addr, ROOM.id, h[0]!.addr, `${h[1]!.addr},${h[2]!.addr}`]);
  const sent = await garbage.waitFor('sent', (l) => l.event === 'sent', 15_000);
  const fakeIds = sent.fakeIds as string[];
  const controlId = sent.controlId as string;
  assert.ok(fakeIds.length >= 8);
  // The well-formed control room proves that the garbage reached the browsers.
  for (const [i, b] of browsers.entries()) await b.waitFor('the control room', hasRoom(controlId), 5000, marks[i]);
  await garbage.waitFor('done', (l) => l.event === 'done', 15_000);
  // Let the slow and timing-out probes of the last round finish.
  await new Promise((resolve) => setTimeout(resolve, 2500));

  for (const [i, b] of browsers.entries()) {
    assert.not.ok(b.exited, `${b.label} exited:\n${b.stderr}`);
    assert.not.ok(b.lines.some((l) => l.event === 'crash'), `${b.label} crashed:\n${b.stderr}`);
    for (const l of b.roomEvents(marks[i])) {
      const ids = l.rooms!.map((r) => r.id);
      assert.equal(l.rooms!.filter((r) => fakeIds.includes(r.id)), [], `${b.label} listed a fake room`);
      assert.is(new Set(ids).size, ids.length, `${b.label} listed a room twice`);
      // The imposter (real id, dead port) must never replace the real room.
      const real = l.rooms!.filter((r) => r.id === ROOM.id);
      assert.equal(real.map((r) => [r.address, r.port, r.name]), [[h[0]!.addr, publisherPort, ROOM.name]]);
    }
  }
  const marks2 = browsers.map((b) => b.lines.length);
  garbage.child.kill('SIGKILL');
  for (const [i, b] of browsers.entries()) await b.waitFor('the control room gone', lacksRoom(controlId), VANISH_BUDGET_MS, marks2[i]);
});

test('a host killed with SIGKILL vanishes from both browsers within 5 s', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  const marks = browsers.map((b) => b.lines.length);
  const killedAt = Date.now();
  publisher.child.kill('SIGKILL');
  const gone = await Promise.all(
    browsers.map((b, i) => b.waitFor('the room gone', lacksRoom(ROOM.id), VANISH_BUDGET_MS + 1000, marks[i])),
  );
  const ms = gone.map((l) => l.t - killedAt);
  timings.push(`kill -9→gone ${ms.join('/')} ms`);
  for (const m of ms) assert.ok(m <= VANISH_BUDGET_MS, `the room vanished after ${m} ms`);
});

test('the same room restarted on the same port after SIGKILL is listed again', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  // Identical records: bonjour's cache sees no change and reports nothing, so only the browser's
  // own "heard again" tracking can bring the room back.
  const marks = browsers.map((b) => b.lines.length);
  publisher = startPublisher(publisherPort, lab!.hosts[0]!.addr); // this time bound to its interface
  const listening = await publisher.waitFor('listening', (l) => l.event === 'listening', 10_000);
  assert.is(listening.port, publisherPort);
  const up = await publisher.waitFor('up', (l) => l.event === 'up', 10_000);
  const back = await Promise.all(
    browsers.map((b, i) => b.waitFor('the room back', hasRoom(ROOM.id, { port: publisherPort }), DISCOVERY_BUDGET_MS + 2000, marks[i])),
  );
  const ms = back.map((l) => l.t - up.t);
  timings.push(`restart→listed ${ms.join('/')} ms`);
  for (const m of ms) assert.ok(m <= DISCOVERY_BUDGET_MS, `listed again after ${m} ms`);
});

test('a host that drops off the network vanishes within 5 s and is listed again when back', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  // No refusal this time: the probes time out, the slow path to the vanish budget.
  let marks = browsers.map((b) => b.lines.length);
  const unpluggedAt = Date.now();
  await lab!.setLink(0, false);
  const gone = await Promise.all(
    browsers.map((b, i) => b.waitFor('the room gone', lacksRoom(ROOM.id), VANISH_BUDGET_MS + 1000, marks[i])),
  );
  const goneMs = gone.map((l) => l.t - unpluggedAt);
  for (const m of goneMs) assert.ok(m <= VANISH_BUDGET_MS, `the room vanished after ${m} ms`);
  marks = browsers.map((b) => b.lines.length);
  const repluggedAt = Date.now();
  await lab!.setLink(0, true);
  const back = await Promise.all(
    browsers.map((b, i) => b.waitFor('the room back', hasRoom(ROOM.id), REJOIN_BUDGET_MS + 1000, marks[i])),
  );
  const backMs = back.map((l) => l.t - repluggedAt);
  timings.push(`unplugged→gone ${goneMs.join('/')} ms`, `replugged→listed ${backMs.join('/')} ms`);
  for (const m of backMs) assert.ok(m <= REJOIN_BUDGET_MS, `listed again after ${m} ms`);
});

test('an mDNS goodbye removes the room at once even though its port still answers', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  const marks = browsers.map((b) => b.lines.length);
  const sentAt = Date.now();
  publisher.child.stdin!.write('unpublish\n');
  await publisher.waitFor('unpublished', (l) => l.event === 'unpublished', 5000);
  const gone = await Promise.all(
    browsers.map((b, i) => b.waitFor('the room gone', lacksRoom(ROOM.id), GOODBYE_BUDGET_MS + 1000, marks[i])),
  );
  const ms = gone.map((l) => l.t - sentAt);
  timings.push(`goodbye→gone ${ms.join('/')} ms`);
  for (const m of ms) assert.ok(m <= GOODBYE_BUDGET_MS, `gone ${m} ms after the goodbye`);
  // The ping still answers: the room must stay gone.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const b of browsers) assert.ok(lacksRoom(ROOM.id)(b.roomEvents().at(-1)!), `${b.label} listed it again`);
});

test('browsers close cleanly and the lab leaves no namespace behind', async () => {
  if (!requireCapability(CAPABILITY, netnsOk)) return;
  for (const b of browsers) b.child.kill('SIGTERM');
  for (const b of browsers) await b.waitFor('a clean exit', (l) => l.event === 'exit', 5000);
  const names = lab!.namespaces;
  assert.equal(leftoverNamespaces(names), names, 'the lab exists until closed');
  await lab!.close();
  assert.equal(leftoverNamespaces(names), []);
});

test.run();
