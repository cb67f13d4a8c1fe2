/**
 * The swarm in the web UI (issue 9), real agents on a local DHT on 127.0.0.1 with mDNS off: the
 * instructor's page shows the room announced with its room code; a student types the code and the
 * password and joins over the swarm, and sees the swarm connected; an agent whose bootstrap does
 * not answer shows "unreachable" within 10 s while its page works as usual.
 */
import dgram from 'node:dgram';
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('swarm in the web UI');

test('a student joins by room code over the swarm through the UI; both pages show the swarm state', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const dht = ctx.cluster.start('dht', ['dht-node', '--port', '0', '--host', '127.0.0.1']);
  const [, bootstrap] = await dht.waitForLine(/^dht-node listening on (\S+);/, 20_000);
  const swarm = ['--swarm', '--bootstrap', bootstrap!];
  const teacher = await ctx.cluster.startUiAgent('teacher', swarm);
  const student = await ctx.cluster.startUiAgent('student', swarm);
  const browser = (ctx.browser = await launchBrowser());

  const t = await openUi(browser, teacher.url);
  await new LoginView(t.page).host({ name: 'Prof. Ada', password: 'hunter2', room: 'Remote Networks', fanout: 2 });
  const tStatus = t.page.getByTestId('swarm-status');
  await t.page.locator('[data-testid="swarm-status"][data-room-state="announced"]').waitFor({ timeout: 20_000 });
  const code = (await t.page.getByTestId('swarm-room-code').textContent())!.trim();
  assert.match(code, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
  assert.match((await tStatus.textContent())!, new RegExp(`students join with code ${code}`));

  const s = await openUi(browser, student.url);
  const login = new LoginView(s.page);
  await s.page.getByTestId('name-input').fill('Grace');
  await s.page.getByTestId('room-code-input').fill(code.toUpperCase());
  await login.joinPassword.fill('hunter2');
  await login.joinButton.click();
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 40_000 });
  await eventually(async () => (await sRoom.phase.getAttribute('data-phase')) === 'joined', 15_000);
  await s.page.locator('[data-testid="swarm-status"][data-room-state="connected"]').waitFor({ timeout: 5_000 });
  await t.page.locator('[data-testid="swarm-status"][data-room-state="connected"]').waitFor({ timeout: 5_000 });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test('with a bootstrap that does not answer, the page shows the swarm unreachable within 10 s and hosting still works', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const closed = await new Promise<number>((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
  const started = Date.now();
  const lonely = await ctx.cluster.startUiAgent('lonely', ['--swarm', '--bootstrap', `127.0.0.1:${closed}`]);
  const browser = (ctx.browser = await launchBrowser());
  const p = await openUi(browser, lonely.url);
  await p.page.locator('[data-testid="swarm-status"][data-dht="unreachable"]').waitFor({ timeout: 12_000 });
  const firstLine = lonely.agent.lines.findIndex((l) => l.startsWith('swarm: bootstrapping'));
  assert.ok(firstLine >= 0, 'the agent printed the swarm starting');
  console.log(`    unreachable shown ${Date.now() - started} ms after the agent was spawned (including Node's start)`);
  assert.match((await p.page.getByTestId('swarm-message').textContent())!, /no bootstrap node answered/);
  await new LoginView(p.page).host({ name: 'Solo', password: 'pw', room: 'Offline Room', fanout: 2 });
  await new RoomView(p.page).roomName.filter({ hasText: 'Offline Room' }).waitFor({ timeout: 10_000 });
  assert.equal(p.errors, []);
});

test.run();
