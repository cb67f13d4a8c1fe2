/**
 * "Remove and block for this lecture": the blocked student's page says why, and its agent cannot
 * join again while the lecture runs, password or not; a plain Remove lets a student back with the
 * password. When the instructor ends the class and hosts the next lecture, the student may join.
 */
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('a student blocked for the lecture');
const PASSWORD = 'a long classroom passphrase';

test('Remove and block: the student cannot rejoin with the password until the lecture ends; then the next lecture admits it', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const [teacher, student] = await Promise.all([ctx.cluster.startUiAgent('teacher'), ctx.cluster.startUiAgent('student')]);
  const browser = (ctx.browser = await launchBrowser());
  const t = await openUi(browser, teacher.url);
  t.page.on('dialog', (d) => void d.accept());
  const host = () => new LoginView(t.page).host({ name: 'Prof. Ada', password: PASSWORD, room: 'Computer Networks' });
  await host();
  const tRoom = new RoomView(t.page);
  const address = async () => (await tRoom.joinAddresses.first().textContent())!.trim();
  const s = await openUi(browser, student.url);
  const login = new LoginView(s.page);
  const sRoom = new RoomView(s.page);
  const join = async () => login.join({ name: 'Grace', password: PASSWORD, address: await address() });
  const inRoom = () => eventually(async () => (await sRoom.phase.count()) === 1 && (await sRoom.phase.getAttribute('data-phase')) === 'joined', 20_000);
  const controls = t.page.getByTestId('student-controls').filter({ hasText: 'Grace' });

  // A plain Remove: back with the password.
  await join();
  await inRoom();
  await controls.getByRole('button', { name: 'Remove', exact: true }).click();
  await s.page.getByTestId('agent-error').filter({ hasText: /removed you from the room/ }).waitFor({ timeout: 10_000 });
  await join();
  await inRoom();

  // Remove and block: refused, password or not, for this lecture.
  await controls.getByTestId('block-button').click();
  await s.page.getByTestId('agent-error').filter({ hasText: /cannot join it again until it ends/ }).waitFor({ timeout: 10_000 });
  await join();
  await login.error.filter({ hasText: /cannot join it again until it ends/ }).waitFor({ timeout: 15_000 });
  assert.is(await login.error.getAttribute('data-code'), 'REMOVED');
  assert.is(await tRoom.rosterEntry('Grace').count(), 0, 'not in the roster');

  // The instructor ends the class and hosts the next lecture: the student is welcome again.
  await tRoom.leaveButton.click();
  await new LoginView(t.page).hostButton.waitFor();
  await host();
  await tRoom.roomName.filter({ hasText: 'Computer Networks' }).waitFor();
  await join();
  await inRoom();
  assert.equal(t.errors, []);
});

test.run();
