import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('web UI against real agents');

test('an instructor hosts and a student joins through the UI; both see the roster; a wrong password is shown', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const teacher = await ctx.cluster.startUiAgent('teacher');
  const student = await ctx.cluster.startUiAgent('student');
  const browser = (ctx.browser = await launchBrowser());

  const t = await openUi(browser, teacher.url);
  // A weak room password is warned about under the field (not refused); a long one is not.
  const hostForm = new LoginView(t.page);
  const weak = t.page.getByTestId('host-password-weak');
  await hostForm.hostPassword.fill('admin');
  await weak.waitFor({ timeout: 5000 });
  assert.match((await weak.textContent())!, /weak/);
  await hostForm.hostPassword.fill('a long classroom passphrase');
  await weak.waitFor({ state: 'detached', timeout: 5000 });
  await hostForm.host({ name: 'Prof. Ada', password: 'hunter2', room: 'Computer Networks', fanout: 2 });
  const tRoom = new RoomView(t.page);
  await tRoom.roomName.filter({ hasText: 'Computer Networks' }).waitFor();
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();
  assert.match(address, /^127\.0\.0\.1:\d+$/);

  const s = await openUi(browser, student.url);
  const login = new LoginView(s.page);
  await login.join({ name: 'Grace', password: 'wrong', address });
  await login.error.filter({ hasText: /wrong room password/i }).waitFor({ timeout: 10_000 });
  assert.is(await login.error.getAttribute('data-code'), 'BAD_PASSWORD');

  await login.joinPassword.fill('hunter2');
  await login.joinButton.click();
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });
  await eventually(async () => (await sRoom.rosterEntries.count()) === 2, 10_000);
  await eventually(async () => (await tRoom.rosterEntries.count()) === 2, 10_000);
  await eventually(async () => (await tRoom.rosterEntry('Grace').getAttribute('data-state')) === 'connected', 10_000);
  assert.is(await sRoom.phase.getAttribute('data-phase'), 'joined');
  await s.page.screenshot({ path: '/tmp/camvid-e2e-student.png' });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test('the agent’s UI refuses requests without the token or from a foreign origin', async () => {
  const { url } = await ctx.cluster.startUiAgent('solo');
  const base = new URL(url);
  const token = base.searchParams.get('token')!;
  assert.is((await fetch(`${base.origin}/`)).status, 403);
  assert.is((await fetch(`${base.origin}/?token=nope${token.slice(4)}`)).status, 403);
  assert.is((await fetch(url)).status, 200);
  const tryWs = (origin: string, tok: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${base.host}/api?token=${tok}`, { origin });
      ws.on('message', () => {
        ws.close();
        resolve('accepted');
      });
      ws.on('error', () => resolve('refused'));
      ws.on('unexpected-response', () => resolve('refused'));
    });
  assert.is(await tryWs('http://evil.example', token), 'refused');
  assert.is(await tryWs(base.origin, 'x'.repeat(43)), 'refused');
  assert.is(await tryWs(base.origin, token), 'accepted');
});

test.run();
