import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, RoomView } from '../helpers/browser.js';
import { openTeacherAndStudent } from '../helpers/class-pages.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('chat and classroom controls in the browser');

/** A teacher's page hosting "Computer Networks" and a student's page on its start page, each on its own agent. */
async function teacherAndStudent() {
  return openTeacherAndStudent(ctx.cluster, (ctx.browser = await launchBrowser()));
}

test('two pages on two agents chat through the UI; a list scrolled up to read stays put while typing; a raised hand shows in the instructor’s queue and can be lowered', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const { t, tRoom, s, address } = await teacherAndStudent();
  await new LoginView(s.page).join({ name: 'Grace', password: 'pw', address });
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });

  // The student writes while the instructor looks at another tab: an unread count appears.
  await sRoom.tab('chat').click();
  await s.page.getByTestId('chat-input').fill('Hello <b>class</b>');
  await s.page.getByTestId('chat-input').press('Enter');
  await eventually(async () => (await t.page.getByTestId('chat-unread').textContent())?.trim() === '1', 10_000);
  await tRoom.tab('chat').click();
  const tMessages = t.page.getByTestId('chat-message');
  await tMessages.first().waitFor({ timeout: 10_000 });
  assert.is((await tMessages.first().locator('.text').textContent())?.trim(), 'Hello <b>class</b>', 'text, not HTML');
  assert.is(await t.page.locator('chat-panel b').count(), 0);

  await t.page.getByTestId('chat-input').fill('Welcome, Grace');
  await t.page.getByTestId('chat-send').click();
  const sMessages = s.page.getByTestId('chat-message');
  await eventually(async () => (await sMessages.count()) === 2, 10_000);
  assert.match((await sMessages.nth(1).textContent()) ?? '', /Prof\. Ada\s*Instructor/);
  assert.is(await sMessages.nth(1).getAttribute('class'), 'host');
  assert.is(await s.page.getByTestId('chat-pending').count(), 0, 'nothing left pending');

  // Scrolled up to read: typing and others' messages leave the list where it is; sending shows the newest.
  const tInput = t.page.getByTestId('chat-input');
  const tall = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
  for (const n of [1, 2]) {
    await tInput.fill(`Notes ${n}\n${tall}`);
    await tInput.press('Enter');
    await eventually(async () => (await tInput.inputValue()) === '', 10_000);
  }
  await eventually(async () => (await tMessages.count()) === 4, 10_000);
  const tList = t.page.getByTestId('chat-list');
  const scroll = () => tList.evaluate((el) => ({ top: el.scrollTop, below: el.scrollHeight - el.scrollTop - el.clientHeight }));
  await eventually(async () => (await scroll()).below <= 2, 5_000);
  await tList.evaluate((el) => (el.scrollTop = 0));
  await tInput.pressSequentially('Still typing');
  assert.is((await scroll()).top, 0, 'typing does not move a scrolled-up list');
  await s.page.getByTestId('chat-input').fill('A question');
  await s.page.getByTestId('chat-input').press('Enter');
  await eventually(async () => (await tMessages.count()) === 5, 10_000);
  assert.is((await scroll()).top, 0, "another's message does not pull a scrolled-up list down");
  await tInput.press('Enter');
  await eventually(async () => (await tMessages.count()) === 6, 10_000);
  await eventually(async () => (await scroll()).below <= 2, 5_000);

  // Raise hand → the instructor's queue → lowered by the instructor.
  await s.page.getByTestId('hand-button').click();
  const queue = t.page.getByTestId('hand-entry');
  await queue.filter({ hasText: 'Grace' }).waitFor({ timeout: 10_000 });
  await queue.filter({ hasText: 'Grace' }).getByRole('button', { name: 'Lower' }).click();
  await t.page.getByTestId('hand-queue-empty').waitFor({ timeout: 10_000 });
  await eventually(async () => (await s.page.getByTestId('hand-button').getAttribute('aria-pressed')) === 'false', 10_000);
  await t.page.screenshot({ path: '/tmp/camvid-chat-teacher.png' });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test('a muted student’s box is closed with the reason (nothing typed is thrown away); unmuted, the notice goes and the box opens; a new session starts with no old notice', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const { t, tRoom, s, address } = await teacherAndStudent();
  const join = () => new LoginView(s.page).join({ name: 'Grace', password: 'pw', address });
  await join();
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });
  await sRoom.tab('chat').click();
  const input = s.page.getByTestId('chat-input');
  const notice = s.page.getByTestId('chat-muted');
  const controls = t.page.getByTestId('student-controls').filter({ hasText: 'Grace' });

  await controls.getByRole('button', { name: 'Mute chat' }).click();
  await notice.waitFor({ timeout: 10_000 });
  assert.ok(await input.isDisabled(), 'no typing into a box that would throw the text away');
  assert.ok(await s.page.getByTestId('chat-send').isDisabled());

  await controls.getByRole('button', { name: 'Unmute' }).click();
  await notice.waitFor({ state: 'detached', timeout: 10_000 });
  assert.ok(await input.isEnabled());
  assert.is(await s.page.getByTestId('chat-error').count(), 0, 'no stale refusal left');
  await input.fill('Thanks for unmuting');
  await input.press('Enter');
  await tRoom.tab('chat').click();
  await t.page.getByTestId('chat-message').filter({ hasText: 'Thanks for unmuting' }).first().waitFor({ timeout: 10_000 });

  // Muted again, then the student leaves and comes back: the new session is not muted and says nothing old.
  await controls.getByRole('button', { name: 'Mute chat' }).click();
  await notice.waitFor({ timeout: 10_000 });
  await sRoom.leaveButton.click();
  await controls.waitFor({ state: 'detached', timeout: 10_000 });
  await join();
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });
  await sRoom.tab('chat').click();
  await input.waitFor();
  assert.is(await notice.count(), 0);
  assert.is(await s.page.getByTestId('chat-error').count(), 0);
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
