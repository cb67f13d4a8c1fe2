/**
 * A uvu suite for tests across network namespaces: a fresh Cluster per test and the lab it built
 * (scripts/netns/netns-lab.ts) removed after it, agents first.
 *
 *   const { test, ctx, startLab, inHost } = netnsSuite('chat typed offline');
 *   test('…', async () => { const lab = await startLab(3); await ctx.cluster.startHost([], inHost(0)); … });
 */
import { suite } from 'uvu';
import { createNetnsLab, type NetnsLab } from '../../scripts/netns/netns-lab.js';
import { Cluster, ROOT } from './agents.js';

export function netnsSuite(name: string) {
  const test = suite(name);
  const ctx = { cluster: new Cluster(), lab: null as NetnsLab | null };
  test.before.each(() => {
    ctx.cluster = new Cluster();
  });
  test.after.each(async () => {
    await ctx.cluster.close();
    await ctx.lab?.close();
    ctx.lab = null;
  });
  /** A lab of `n` hosts on one bridge, owned by the suite (removed after the test). */
  const startLab = async (n: number): Promise<NetnsLab> => (ctx.lab = await createNetnsLab(n));
  /** Cluster spawn options that run an agent inside lab host `i` (stdin a pipe, for `--stdin`). */
  const inHost = (i: number) => ({
    local: false,
    spawner: (cmd: string, args: string[]) => ctx.lab!.spawn(i, cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
  });
  return { test, ctx, startLab, inHost };
}
