/**
 * Typed access to scripts/build-ui.mjs, so the agent (and tests) can build the web UI bundle when
 * it is missing or older than its sources, without a separate build step after a checkout.
 */
import { fileURLToPath } from 'node:url';

interface BuildUiModule {
  UI_DIST_DIR: string;
  uiBundleIsStale(): Promise<boolean>;
  buildUi(opts?: { onlyIfStale?: boolean }): Promise<{ built: boolean; outDir: string }>;
}

const SCRIPT_URL = new URL('../../scripts/build-ui.mjs', import.meta.url);

/** Where the agent serves the UI from unless told otherwise. */
export const DEFAULT_UI_DIST_DIR = fileURLToPath(new URL('../../web-ui/dist/', import.meta.url));

const load = async (): Promise<BuildUiModule> => (await import(SCRIPT_URL.href)) as BuildUiModule;

/** Builds web-ui/dist if it is missing or stale; resolves to whether a build ran. */
export async function ensureUiBundle(): Promise<boolean> {
  const { buildUi } = await load();
  return (await buildUi({ onlyIfStale: true })).built;
}

/** Always rebuilds web-ui/dist. */
export async function rebuildUiBundle(): Promise<void> {
  const { buildUi } = await load();
  await buildUi();
}
