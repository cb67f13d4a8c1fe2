/**
 * A network-namespace lab to try discovery (or the whole agent) by hand, on a throwaway LAN that
 * never touches this machine's interfaces. Needs root and iproute2.
 *
 *   node --import tsx scripts/netns/lab.ts [hosts=3] [--delay MS] [--jitter MS] [--loss PCT]
 *
 * Prints the namespaces and addresses (and how links are impaired), then waits; Ctrl-C deletes
 * everything. Meanwhile, e.g.:
 *
 *   ip netns exec <ns of h0> node --import tsx test/fixtures/discovery-publisher.ts \
 *       0123456789abcdef 'Computer Networks' Ada
 *   ip netns exec <ns of h1> node --import tsx test/fixtures/discovery-browser.ts
 *
 * A lab whose creator died without cleaning up is removed by scripts/netns/cleanup.ts.
 */
import { parseArgs } from 'node:util';
import { canUseNetns, createNetnsLab, impairSupport } from './netns-lab.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { delay: { type: 'string' }, jitter: { type: 'string' }, loss: { type: 'string' } },
});
const n = Number(positionals[0] ?? 3);
if (!canUseNetns()) {
  console.error('network namespaces are not available (run as root with iproute2 installed)');
  process.exit(1);
}
const lab = await createNetnsLab(n);
console.log(`lab ${lab.id}: subnet ${lab.subnet}, bridge in ${lab.bridgeNs}`);
const imp = { delayMs: Number(values.delay ?? 0), jitterMs: Number(values.jitter ?? 0), lossPct: Number(values.loss ?? 0) };
if (imp.delayMs || imp.jitterMs || imp.lossPct) {
  for (const h of lab.hosts) await lab.impair(h.index, imp);
  console.log(`every host's egress: delay ${imp.delayMs} ms ± ${imp.jitterMs} ms, loss ${imp.lossPct}% (${impairSupport().reason})`);
}
for (const h of lab.hosts) console.log(`  h${h.index}  ${h.ns}  ${h.addr}  (${h.ifname})`);
console.log('Ctrl-C to delete the lab.');
// The lab's SIGINT handler deletes the namespaces and exits; keep the process alive until then.
setInterval(() => {}, 1 << 30);
