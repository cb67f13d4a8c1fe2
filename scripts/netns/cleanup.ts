/**
 * Deletes network-namespace labs (scripts/netns/netns-lab.ts) left behind by a process that died
 * without cleaning up (e.g. a test runner killed with SIGKILL). Labs of live processes are kept,
 * so this is safe while other test runs are going on.
 *
 *   node --import tsx scripts/netns/cleanup.ts          # stale labs only
 *   node --import tsx scripts/netns/cleanup.ts --list   # show every lab namespace, delete nothing
 */
import { listLabNamespaces, sweepStaleLabs } from './netns-lab.js';

if (process.getuid?.() !== 0) {
  console.error('needs root');
  process.exit(1);
}
if (process.argv.includes('--list')) {
  for (const ns of listLabNamespaces()) console.log(ns);
} else {
  const deleted = sweepStaleLabs();
  console.log(deleted.length ? `deleted ${deleted.join(' ')}` : 'no stale lab namespaces');
}
