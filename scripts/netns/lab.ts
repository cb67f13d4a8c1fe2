/**
 * A network-namespace lab to try discovery (or the whole agent) by hand, on a throwaway LAN that
 * never touches this machine's interfaces. Needs root and iproute2.
 *
 *   node --import tsx scripts/netns/lab.ts [hosts=3]
 *
 * Prints the namespaces and addresses, then waits; Ctrl-C deletes everything. Meanwhile, e.g.:
 *
 *   ip netns exec <ns of h0> node --import tsx test/fixtures/discovery-publisher.ts \
 *       0123456789abcdef 'Computer Networks' Ada
 *   ip netns exec <ns of h1> node --import tsx test/fixtures/discovery-browser.ts
 *
 * A lab whose creator died without cleaning up is removed by scripts/netns/cleanup.ts.
 */
import { canUseNetns, createNetnsLab } from '../../test/helpers/netns.js';

const n = Number(process.argv[2] ?? 3);
if (!canUseNetns()) {
  console.error('network namespaces are not available (run as root with iproute2 installed)');
  process.exit(1);
}
const lab = await createNetnsLab(n);
console.log(`lab ${lab.id}: subnet ${lab.subnet}, bridge in ${lab.bridgeNs}`);
for (const h of lab.hosts) console.log(`  h${h.index}  ${h.ns}  ${h.addr}  (${h.ifname})`);
console.log('Ctrl-C to delete the lab.');
// The helper's SIGINT handler deletes the namespaces and exits; keep the process alive until then.
setInterval(() => {}, 1 << 30);
