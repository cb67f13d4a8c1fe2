/**
 * Polls in the browser, two agents: the instructor's page asks a quiz question (the right answer
 * marked), the student's page answers once, the instructor sees the bar chart move live and
 * publishes; the student sees the results and that it was right. A second question with a timer
 * closes by itself on both pages. The student's tab, opened after the question, shows it and the
 * student's own attendance.
 */
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser } from '../helpers/browser.js';
import { openClassPages } from '../helpers/class-pages.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('polls in the browser');

test('the instructor asks, the student answers once, the tally moves live, published results reach the student; a timer closes a poll', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const browser = (ctx.browser = await launchBrowser());
  const { t, s, tRoom, sRoom } = await openClassPages(ctx.cluster, browser);
  await tRoom.tab('record').click();

  // The instructor asks a quiz question with three answers, the second one right.
  await t.page.getByTestId('poll-question').fill('Which layer routes packets?');
  await t.page.getByTestId('poll-add-option').click();
  const options = t.page.getByTestId('poll-option');
  for (const [i, text] of ['Link', 'Network', 'Transport'].entries()) await options.nth(i).fill(text);
  await t.page.getByTestId('poll-correct').nth(1).check();
  await t.page.getByTestId('poll-ask').click();
  const tCard = t.page.getByTestId('poll-card').first();
  await tCard.waitFor({ timeout: 10_000 });
  assert.is(await tCard.getAttribute('data-status'), 'open');
  assert.is(await t.page.getByTestId('poll-question').inputValue(), '', 'the form is cleared');

  // The student opens the tab after the question was asked (it loads what is there), and answers "Network".
  await sRoom.tab('record').click();
  await s.page.getByTestId('attendance-mine').waitFor({ timeout: 10_000 });
  const sCard = s.page.getByTestId('poll-card').first();
  await sCard.waitFor({ timeout: 10_000 });
  assert.match((await sCard.getByTestId('poll-text').textContent()) ?? '', /Which layer routes packets\?/);
  assert.is(await sCard.getByTestId('poll-bar').count(), 0, 'no results before they are published');
  const submit = sCard.getByTestId('poll-submit');
  assert.ok(await submit.isDisabled(), 'nothing picked, nothing to send');
  await sCard.getByTestId('poll-choice').nth(1).check();
  await submit.click();
  const mine = sCard.getByTestId('poll-mine');
  await eventually(async () => (await mine.getAttribute('data-pending')) === 'false', 10_000);
  assert.match((await mine.textContent()) ?? '', /Your answer: B\. Network/);
  assert.is(await sCard.getByTestId('poll-choice').count(), 0, 'answered once: no choices left');

  // Live on the instructor's page: one answer, on the second bar.
  await eventually(async () => (await tCard.getByTestId('poll-bar').nth(1).getAttribute('data-count')) === '1', 10_000);
  assert.match((await tCard.getByTestId('poll-answered').textContent()) ?? '', /1 answered/);
  assert.equal(await tCard.getByTestId('poll-bar').evaluateAll((els) => els.map((e) => e.getAttribute('data-count'))), ['0', '1', '0']);

  // Published: the student sees the chart and that it was right.
  await tCard.getByTestId('poll-publish').click();
  await eventually(async () => (await sCard.getAttribute('data-published')) === 'true', 10_000);
  assert.is(await sCard.getAttribute('data-status'), 'closed');
  assert.equal(await sCard.getByTestId('poll-bar').evaluateAll((els) => els.map((e) => e.getAttribute('data-count'))), ['0', '1', '0']);
  assert.match((await mine.textContent()) ?? '', /— right/);
  await eventually(async () => (await tCard.getByTestId('poll-publish').count()) === 0, 5_000); // the instructor's page hears it within 100 ms

  // A second poll with a 5 s timer, several answers each: it closes by itself before the student answers.
  await t.page.getByTestId('poll-question').fill('Which are transport protocols?');
  await options.nth(0).fill('TCP');
  await options.nth(1).fill('UDP');
  await t.page.getByTestId('poll-multi').check();
  await t.page.getByTestId('poll-timer').fill('5');
  await t.page.getByTestId('poll-ask').click();
  const sCard2 = s.page.getByTestId('poll-card').first();
  await eventually(async () => (await sCard2.getByTestId('poll-text').textContent())?.includes('transport protocols'), 10_000);
  assert.match((await sCard2.textContent()) ?? '', /closes in \d+ s/);
  assert.is(await sCard2.locator('input[type=checkbox]').count(), 2, 'several answers: checkboxes');
  await eventually(async () => (await sCard2.getAttribute('data-status')) === 'closed', 15_000);
  await eventually(async () => (await t.page.getByTestId('poll-card').first().getAttribute('data-status')) === 'closed', 5_000);
  assert.match((await sCard2.textContent()) ?? '', /Closed before you answered/);

  await t.page.screenshot({ path: '/tmp/camvid-polls-teacher.png' });
  await s.page.screenshot({ path: '/tmp/camvid-polls-student.png' });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
