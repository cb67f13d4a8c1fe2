/**
 * A uvu suite for browser tests against real agents: a clusterSuite whose test may launch a
 * Chromium into `ctx.browser`, closed after it.
 *
 *   const { test, ctx } = browserSuite('swarm in the web UI');
 *   test('…', async () => { ctx.browser = await launchBrowser(); await ctx.cluster.startUiAgent('a'); … });
 */
import type { Browser } from 'playwright-core';
import { clusterSuite } from './cluster-suite.js';

export function browserSuite(name: string) {
  const { test, ctx: clusterCtx } = clusterSuite(name);
  const ctx = Object.assign(clusterCtx, { browser: null as Browser | null });
  test.after.each(async () => {
    await ctx.browser?.close();
    ctx.browser = null;
  });
  return { test, ctx };
}
