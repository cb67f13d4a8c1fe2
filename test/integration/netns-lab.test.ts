/**
 * The proving ground's lab itself (scripts/netns/netns-lab.ts): impaired links delay and drop what
 * a host sends, a pulled cable cuts the host off until it is plugged back, and a lab leaves no
 * namespace behind, whether closed, or its process interrupted with Ctrl-C (SIGINT).
 * Delay is checked as a floor (a packet can never arrive sooner than its delay), loss against
 * binomial bounds, so a loaded machine cannot make these fail.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canUseNetns, createNetnsLab, impairSupport, listLabNamespaces, type NetnsLab } from '../../scripts/netns/netns-lab.js';
import { ROOT } from '../helpers/agents.js';
import { requireCapability } from '../helpers/require.js';

const test = suite('network-namespace lab');
const CAPABILITY = 'network namespaces (root + iproute2)';
const PROBE = ['--import', 'tsx', 'test/fixtures/udp-probe.ts'];
const ECHO_PORT = 9000;
let lab: NetnsLab | null = null;
test.after.each(async () => {
  await lab?.close();
  lab = null;
});

interface ProbeResult {
  sent: number;
  received: number;
  rtt: number[];
}

async function probe(l: NetnsLab, from: number, to: number, count: number, intervalMs: number): Promise<ProbeResult> {
  const r = await l.exec(from, process.execPath, [...PROBE, 'probe', l.hosts[to]!.addr, String(ECHO_PORT), String(count), String(intervalMs)], 60_000);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ProbeResult;
}

async function startEcho(l: NetnsLab, host: number): Promise<void> {
  const echo = l.spawn(host, process.execPath, [...PROBE, 'echo', String(ECHO_PORT)], { cwd: ROOT });
  await new Promise<void>((resolve, reject) => {
    echo.stdout!.on('data', (c: Buffer) => c.toString().includes('listening') && resolve());
    echo.once('exit', (code) => reject(new Error(`echo exited ${code}`)));
  });
}

test('delay is added on each impaired host’s egress, loss drops about its share, a pulled cable drops all until replugged', async () => {
  if (!requireCapability(CAPABILITY, canUseNetns())) return;
  if (!requireCapability(`link impairment (${impairSupport().reason})`, impairSupport().method !== null)) return;
  lab = await createNetnsLab(2);
  await startEcho(lab, 1);
  console.log(`    links impaired by ${impairSupport().method}: ${impairSupport().reason}`);

  const clean = await probe(lab, 0, 1, 20, 10);
  assert.is(clean.received, 20, 'a clean link loses nothing');

  await lab.impair(0, { delayMs: 30 });
  const oneWay = await probe(lab, 0, 1, 50, 10);
  assert.is(oneWay.received, 50);
  assert.ok(Math.min(...oneWay.rtt) >= 30, `h0 → h1 delayed 30 ms: min RTT ${Math.min(...oneWay.rtt).toFixed(1)} ms`);

  await lab.impair(1, { delayMs: 30 });
  const both = await probe(lab, 0, 1, 50, 10);
  assert.ok(Math.min(...both.rtt) >= 60, `both ways 30 ms: min RTT ${Math.min(...both.rtt).toFixed(1)} ms`);

  // 20% loss on h0's egress only: 1000 probes lose 200 ± 13 (1 sd); accept 4.5 sd either way.
  await lab.impair(1, {});
  await lab.impair(0, { lossPct: 20 });
  const lossy = await probe(lab, 0, 1, 1000, 2);
  const lost = lossy.sent - lossy.received;
  console.log(`    20% loss on h0: ${lost} of 1000 probes lost`);
  assert.ok(lost >= 140 && lost <= 260, `${lost} of 1000 lost`);

  await lab.impair(0, {});
  await lab.setLink(0, false);
  const cut = await probe(lab, 0, 1, 20, 10);
  assert.is(cut.received, 0, 'nothing crosses a pulled cable');
  await lab.setLink(0, true);
  const back = await probe(lab, 0, 1, 20, 10);
  assert.is(back.received, 20, 'all back once replugged');
});

test('close() deletes every namespace of the lab and kills what runs in them', async () => {
  if (!requireCapability(CAPABILITY, canUseNetns())) return;
  lab = await createNetnsLab(3);
  if (impairSupport().method) await lab.impair(2, { delayMs: 5 }); // a shaper process too, where one is used
  const names = [...lab.namespaces];
  const child = lab.spawn(1, 'sleep', ['600']);
  assert.ok(names.every((n) => listLabNamespaces().includes(n)));
  await lab.close();
  lab = null;
  assert.equal(listLabNamespaces().filter((n) => names.includes(n)), []);
  assert.ok(child.exitCode !== null || child.signalCode !== null, 'the sleep was killed');
});

test('a lab script interrupted with Ctrl-C (SIGINT) leaves no namespace behind', async () => {
  if (!requireCapability(CAPABILITY, canUseNetns())) return;
  const args = ['--import', 'tsx', 'scripts/netns/lab.ts', '2'];
  if (impairSupport().method) args.push('--delay', '10', '--loss', '1');
  const script = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  script.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const id = await new Promise<string>((resolve, reject) => {
    script.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /lab (\S+):/.exec(out);
      if (m && out.includes('Ctrl-C')) resolve(m[1]!);
    });
    script.once('exit', () => reject(new Error(`lab script exited early:\n${out}`)));
  });
  const ours = () => listLabNamespaces().filter((n) => n.includes(id));
  assert.is(ours().length, 3, 'two hosts and the bridge');
  // What runs in the lab (the shapers, in the bridge namespace) must die with it: a process
  // would keep a deleted namespace alive.
  const pids = ours().flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number));
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
  script.kill('SIGINT');
  assert.is(await exited, 130);
  assert.equal(ours(), []);
  if (impairSupport().method === 'shaper') assert.ok(pids.length >= 2, 'a shaper per host ran in the lab');
  assert.equal(pids.filter(alive), [], 'nothing that ran in the lab is left');
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'; // a zombie has exited; its adopter reaps it
  } catch {
    return false;
  }
}

test.run();
