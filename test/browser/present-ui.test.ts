/**
 * A student presents, end to end with real browsers (Chromium's fake camera and fake screen
 * capture): the instructor goes live and invites Grace from the Video tab; Grace's page shows the
 * invitation whatever tab is open, she shares; Alan, a hop below Grace, sees her screen beside the
 * instructor's camera, and so does the instructor; the instructor takes it back and Alan sees it go
 * within a second while Grace is told why. Then Alan is invited and declines.
 */
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, LoginView, openUi, RoomView, type OpenedUi } from '../helpers/browser.js';
import { hostLiveAtFanoutOne } from '../helpers/class-pages.js';
import { PlayerView } from '../helpers/live-page.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('a student presents in the browser');
const MEDIA_TIMEOUT_MS = 20_000;

async function open(url: string): Promise<OpenedUi> {
  const opened = await openUi(ctx.browser!, url, { timeoutMs: MEDIA_TIMEOUT_MS });
  opened.page.setDefaultTimeout(MEDIA_TIMEOUT_MS);
  return opened;
}

test('the instructor invites Grace, Alan (through Grace) and the instructor see her screen; taken back within a second; Alan declines', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  ctx.browser = await launchBrowser();
  const { t, address, studentUrls } = await hostLiveAtFanoutOne(ctx.cluster, open);

  // Fan-out 1: Grace is the host's child and Alan is Grace's.
  const pages: OpenedUi[] = [];
  for (const [url, name] of [[studentUrls[0], 'Grace'], [studentUrls[1], 'Alan']] as const) {
    const opened = await open(url);
    await new LoginView(opened.page).join({ name, password: 'pw', address });
    await new RoomView(opened.page).rosterEntry(name).waitFor({ timeout: 20_000 });
    pages.push(opened);
  }
  const [grace, alan] = pages as [OpenedUi, OpenedUi];
  const alanSees = new PlayerView(alan.page);
  await alanSees.state('live').waitFor();
  assert.is(await t.page.getByTestId('present-pick').locator('option').count(), 2, 'both students can be invited');

  // Grace is on the Chat tab: the invitation shows anyway.
  await grace.page.getByTestId('tab-chat').click();
  await t.page.getByTestId('present-pick').selectOption({ label: 'Grace' });
  await t.page.getByTestId('present-invite').click();
  await t.page.locator('[data-testid="presenter"][data-state="invited"]').waitFor();
  await grace.page.locator('[data-testid="present-banner"][data-state="invited"]').waitFor();
  await grace.page.getByTestId('present-share').click();
  await grace.page.locator('[data-testid="present-banner"][data-state="live"]').waitFor();

  await alanSees.screenShown(true).waitFor();
  await alanSees.waitForPicture(MEDIA_TIMEOUT_MS, alanSees.screenVideo);
  await alanSees.waitForPicture(MEDIA_TIMEOUT_MS);
  const screen = await alanSees.facts(700, alanSees.screenVideo);
  const camera = await alanSees.facts(700);
  console.log(`    Alan: Grace's screen ${screen.width}x${screen.height} (+${screen.timeAdvanced.toFixed(2)} s), the instructor's camera ${camera.width}x${camera.height}`);
  assert.ok(screen.width > 0 && screen.timeAdvanced > 0.2, "Grace's screen plays at Alan's");
  assert.ok(camera.timeAdvanced > 0.2, "with the instructor's camera");
  await alan.page.getByTestId('roster-presenting').waitFor();
  const teacherSees = new PlayerView(t.page);
  await teacherSees.waitForPicture(MEDIA_TIMEOUT_MS, teacherSees.screenVideo);

  // Taken back: clicked in the page, so `at` is the click itself.
  const at = await t.page.getByTestId('present-take-back').evaluate((el) => {
    (el as HTMLElement).click();
    return Date.now();
  });
  await alanSees.screenShown(false).waitFor({ timeout: 5_000 });
  const goneMs = Date.now() - at;
  console.log(`    taken back: gone at Alan's after ${goneMs} ms`);
  assert.ok(goneMs < 1000, `seen within a second (${goneMs} ms)`);
  await grace.page.locator('[data-testid="present-ended"][data-reason="taken"]').waitFor();
  assert.is(await grace.page.getByTestId('present-banner').count(), 0, 'Grace is no longer asked or presenting');
  await t.page.locator('[data-testid="present-ended"][data-reason="taken"]').waitFor();

  // Alan is invited and declines: the instructor is told.
  await t.page.getByTestId('present-pick').selectOption({ label: 'Alan' });
  await t.page.getByTestId('present-invite').click();
  await alan.page.getByTestId('present-decline').click();
  await t.page.locator('[data-testid="present-ended"][data-reason="declined"]').waitFor();
  assert.is(await t.page.getByTestId('presenter').count(), 0, 'nobody invited any more');
  for (const p of [t, grace, alan]) assert.equal(p.errors, [], 'no page errors');
});

test.run();
