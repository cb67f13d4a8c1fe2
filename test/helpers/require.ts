/**
 * Skip policy for tests that need something this machine may lack (root, network namespaces,
 * Chromium). Locally such a test skips and says so with a `CAMVID-SKIP ` line, which
 * scripts/run-tests.mjs counts; in CI (`CAMVID_REQUIRE_ALL` set) a missing capability fails,
 * so a broken runner cannot turn the suite green by skipping it.
 *
 *   test('…', async () => {
 *     if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
 *     …
 *   });
 */
export function requireCapability(what: string, available: boolean): boolean {
  if (available) return true;
  if (process.env.CAMVID_REQUIRE_ALL) {
    throw new Error(`${what} is required in CI (CAMVID_REQUIRE_ALL is set) but is not available here`);
  }
  // uvu prints its progress dots without a newline: start a fresh line so the marker begins it.
  process.stdout.write(`\nCAMVID-SKIP ${what} not available; test skipped\n`);
  return false;
}
