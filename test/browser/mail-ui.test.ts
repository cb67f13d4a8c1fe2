import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { Cluster } from '../helpers/agents.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';
import { canMakeCertificate, TestSmtpServer } from '../helpers/smtp.js';

const PASSWORD = 'ui-app-password-42';
const test = suite('mail through the web UI');
let cluster: Cluster;
let browser: Browser | null = null;
let smtp: TestSmtpServer | null = null;
let tmp = '';
test.before.each(() => {
  cluster = new Cluster();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'camvid-mail-ui-'));
});
test.after.each(async () => {
  await browser?.close();
  browser = null;
  await cluster.close();
  await smtp?.stop();
  smtp = null;
  rmSync(tmp, { recursive: true, force: true });
});

test('compose and send through the UI: the settings keep the password hidden and the mail’s state turns to sent', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  if (!requireCapability('openssl (test certificate)', canMakeCertificate())) return;
  smtp = new TestSmtpServer({ users: { ada: PASSWORD } });
  await smtp.start();
  const agent = cluster.start('teacher', ['--port', '0', '--ui-port', '0']);
  const [, url] = await agent.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  browser = await launchBrowser();
  const { page, errors } = await openUi(browser, url!);
  await new LoginView(page).host({ name: 'Prof. Ada', password: 'hunter2', room: 'Computer Networks' });
  const room = new RoomView(page);
  await room.tab('mail').click();
  const byId = (id: string) => page.getByTestId(id);

  // Settings: not set up yet, so the form is open.
  await byId('mail-settings-host').fill('127.0.0.1');
  await byId('mail-settings-port').fill(String(smtp.port));
  await byId('mail-settings-user').fill('ada');
  await byId('mail-settings-password').fill(PASSWORD);
  await byId('mail-settings-from').fill('Ada <ada@school.example>');
  await byId('mail-settings-self-signed').check();
  await byId('mail-settings-save').click();
  await byId('mail-password-saved').waitFor();
  assert.is(await byId('mail-settings-password').inputValue(), '');
  assert.not.ok((await page.content()).includes(PASSWORD));

  // An address the agent would refuse is refused at once, with its code.
  await byId('mail-to').fill('not-an-address');
  await byId('mail-subject').fill('x');
  await byId('mail-send-button').click();
  await byId('mail-compose-error').waitFor();
  assert.is(await byId('mail-compose-error').getAttribute('data-code'), 'BAD_MAIL');

  const file = path.join(tmp, 'slides.txt');
  writeFileSync(file, 'Sliding windows, slide 1 of 12\n');
  await byId('mail-to').fill('Grace <grace@school.example>');
  await byId('mail-subject').fill('Slides for Thursday');
  await byId('mail-body').fill('Hello Grace,\nthe slides are attached.');
  // Attached by browsing this computer's folders (Browse…), not by typing its path.
  const compose = page.locator('mail-compose');
  await compose.getByTestId('path-browse').click();
  await compose.getByTestId('path-at').fill(tmp);
  await compose.getByTestId('path-go').click();
  await compose.getByTestId('path-entry').filter({ hasText: 'slides.txt' }).click();
  await byId('mail-attachment').waitFor();
  assert.match(await byId('mail-attachment').innerText(), /slides\.txt/);
  await byId('mail-send-button').click();

  const item = byId('mail-item').filter({ hasText: 'Slides for Thursday' });
  await item.and(page.locator('[data-state="sent"]')).waitFor({ timeout: 15_000 });
  assert.is((await item.getByTestId('mail-state').textContent())?.trim(), 'Sent');
  const [got] = await smtp.waitForMails(1);
  assert.is(got!.parsed.subject, 'Slides for Thursday');
  assert.is(got!.parsed.text?.trim(), 'Hello Grace,\nthe slides are attached.');
  assert.is(got!.parsed.attachments[0]?.content.toString(), 'Sliding windows, slide 1 of 12\n');
  await page.screenshot({ path: '/tmp/camvid-mail-ui.png' });
  assert.equal(errors, []);
});

test.run();
