import { suite } from 'uvu';
import type { Browser } from 'playwright-core';
import { Cluster } from '../helpers/agents.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, openUi } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const test = suite('mail outside a room');
let cluster: Cluster;
let browser: Browser | null = null;
test.before.each(() => {
  cluster = new Cluster();
});
test.after.each(async () => {
  await browser?.close();
  browser = null;
  await cluster.close();
});

test('the mail panel opens from the start page without joining any room', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const { url } = await cluster.startUiAgent('solo');
  browser = await launchBrowser();
  const ui = await openUi(browser, url);
  await ui.page.getByTestId('mail-outside-room').locator('summary').click();
  await ui.page.locator('mail-view').waitFor({ timeout: 10_000 });
  await ui.page.locator('mail-settings-form').waitFor({ timeout: 10_000 });
});

test.run();
