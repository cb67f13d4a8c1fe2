/**
 * A uvu suite whose every test gets a fresh Cluster (agent processes on 127.0.0.1), killed and its
 * folders removed after the test, pass or fail.
 *
 *   const { test, ctx } = clusterSuite('chat');
 *   test('…', async () => { const { agent } = await ctx.cluster.startHost(); … });
 */
import { suite } from 'uvu';
import { Cluster } from './agents.js';

export function clusterSuite(name: string) {
  const test = suite(name);
  const ctx = { cluster: new Cluster() };
  test.before.each(() => {
    ctx.cluster = new Cluster();
  });
  test.after.each(() => ctx.cluster.close());
  return { test, ctx };
}
