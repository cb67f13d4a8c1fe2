/**
 * The instructor's agent is killed (`kill -9`) with the class running and started again on the
 * same data folder: the teacher's open tab reconnects by itself (same link), the start page offers
 * "Resume", and after one click the student's page, which said the instructor is not answering,
 * is back in the room without typing the password.
 */
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('the class survives the instructor restarting, in the browser');

test('kill -9 of the teacher’s agent: the tab reconnects, Resume brings the room back, the student is back without the password', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const data = ctx.cluster.dataDir();
  const teacher = ctx.cluster.start('teacher', ['--port', '0', '--ui-port', '0', '--data', data]);
  const [, url] = await teacher.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  const student = await ctx.cluster.startUiAgent('student');
  const browser = (ctx.browser = await launchBrowser());

  const t = await openUi(browser, url!);
  await new LoginView(t.page).host({ name: 'Prof. Ada', password: 'hunter2 and more', room: 'Computer Networks' });
  const tRoom = new RoomView(t.page);
  await tRoom.roomName.filter({ hasText: 'Computer Networks' }).waitFor();
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();

  const s = await openUi(browser, student.url);
  await new LoginView(s.page).join({ name: 'Grace', password: 'hunter2 and more', address });
  const sRoom = new RoomView(s.page);
  await eventually(async () => (await sRoom.phase.getAttribute('data-phase')) === 'joined', 15_000);

  await teacher.kill('SIGKILL');
  const away = s.page.getByTestId('reconnecting');
  await away.filter({ hasText: /instructor’s computer is not answering/ }).waitFor({ timeout: 15_000 });

  // Same data folder and UI port: the same link, so the open tab reconnects without a new URL.
  const uiPort = new URL(url!).port;
  const again = ctx.cluster.start('teacher-again', ['--port', '0', '--ui-port', uiPort, '--data', data]);
  const [, url2] = await again.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  assert.is(url2, url);
  const resume = t.page.getByTestId('resume-button');
  await resume.waitFor({ timeout: 20_000 });
  assert.match((await resume.textContent()) ?? '', /Resume Computer Networks/);
  await resume.click();
  await tRoom.roomName.filter({ hasText: 'Computer Networks' }).waitFor({ timeout: 15_000 });

  await eventually(async () => (await sRoom.phase.getAttribute('data-phase')) === 'joined', 30_000);
  assert.is(await away.count(), 0, 'the student page no longer says the instructor is away');
  await eventually(async () => (await tRoom.rosterEntry('Grace').getAttribute('data-state')) === 'connected', 15_000);
  assert.equal(s.errors, []);
});

test.run();
