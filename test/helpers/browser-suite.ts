/**
 * A uvu suite for browser tests against real agents: a fresh Cluster per test, and the Chromium a
 * test launched into `ctx.browser` closed after it, agents killed and folders removed.
 *
 *   const { test, ctx } = browserSuite('swarm in the web UI');
 *   test('…', async () => { ctx.browser = await launchBrowser(); await ctx.cluster.startUiAgent('a'); … });
 */
import type { Browser } from 'playwright-core';
import { suite } from 'uvu';
import { Cluster } from './agents.js';

export function browserSuite(name: string) {
  const test = suite(name);
  const ctx = { cluster: new Cluster(), browser: null as Browser | null };
  test.before.each(() => {
    ctx.cluster = new Cluster();
  });
  test.after.each(async () => {
    await ctx.browser?.close();
    ctx.browser = null;
    await ctx.cluster.close();
  });
  return { test, ctx };
}
