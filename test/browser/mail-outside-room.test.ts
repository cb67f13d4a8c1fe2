import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, openUi } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('mail outside a room');

test('the mail panel opens from the start page without joining any room', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const { url } = await ctx.cluster.startUiAgent('solo');
  const browser = (ctx.browser = await launchBrowser());
  const ui = await openUi(browser, url);
  await ui.page.getByTestId('mail-outside-room').locator('summary').click();
  await ui.page.locator('mail-view').waitFor({ timeout: 10_000 });
  await ui.page.locator('mail-settings-form').waitFor({ timeout: 10_000 });
});

test.run();
