/**
 * The screens a first-time teacher and student meet, on a phone and with the keyboard alone: at
 * 360×740 the start page and every room tab (both roles) have no horizontal overflow (page and
 * cards) and no serious or critical axe-core violation; the teacher hosts, the student joins by
 * address, both chat, the student flips a Hamming bit and runs the ARQ lab over the network, all
 * with Tab, typing, Enter and Space.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { ROOM_VIEWS } from '../../web-ui/room-page.js';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';
import { axeViolations, overflowing, pastRightEdge, PHONE } from '../helpers/screen-checks.js';

const { test, ctx } = browserSuite('first screens: phone width, accessibility, keyboard only');

/** data-testid of the focused element (or of its nearest marked ancestor), through shadow roots. */
const focused = (page: Page): Promise<string | null> =>
  page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    const marked = el && el.closest('[data-testid]');
    return marked ? marked.getAttribute('data-testid') : null;
  })()`);

/** Presses Tab until the element marked `testid` has the focus (as a keyboard user would). */
async function tabTo(page: Page, testid: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === testid) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${max} presses of Tab never reached ${testid}`);
}

/** Fills each field in turn as a keyboard user does (Tab to it, replace what it holds, type), then presses Enter. */
async function typeAndSubmit(page: Page, fields: [testid: string, text: string][]): Promise<void> {
  for (const [testid, text] of fields) {
    await tabTo(page, testid);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text);
  }
  await page.keyboard.press('Enter');
}

/** Every screen problem of the page as it is now, prefixed with where it was seen. */
async function screenProblems(page: Page, where: string): Promise<string[]> {
  const [axe, wide] = await Promise.all([axeViolations(page), overflowing(page)]);
  // where the overflow comes from: the first elements past the right edge
  const culprits = wide.length ? (await pastRightEdge(page)).slice(0, 5).map((e) => `past the edge: ${e}`) : [];
  return [...axe, ...wide.map((w) => `overflow: ${w}`), ...culprits].map((p) => `${where}: ${p}`);
}

test('at 360 px, keyboard only: host, join, chat, flip a Hamming bit, run the ARQ lab; no overflow, no serious axe violation', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const teacher = await ctx.cluster.startUiAgent('teacher');
  const student = await ctx.cluster.startUiAgent('student');
  const browser = (ctx.browser = await launchBrowser());
  const problems: string[] = [];

  const t = await openUi(browser, teacher.url, { timeoutMs: 10_000 });
  await t.page.setViewportSize(PHONE);
  problems.push(...(await screenProblems(t.page, 'start page')));

  // The teacher hosts with the keyboard alone.
  await typeAndSubmit(t.page, [
    ['name-input', 'Prof. Ada'],
    ['host-room-name', 'Computer Networks'],
    ['host-password', 'a long classroom passphrase'],
  ]);
  const tRoom = new RoomView(t.page);
  await tRoom.roomName.filter({ hasText: 'Computer Networks' }).waitFor();
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();

  // The student joins by address with the keyboard alone.
  const s = await openUi(browser, student.url, { timeoutMs: 10_000 });
  await s.page.setViewportSize(PHONE);
  const placeholder = await s.page.getByTestId('address-input').getAttribute('placeholder');
  assert.match(placeholder ?? '', /:7710$/, 'the example address has the room port, not the UI port');
  await typeAndSubmit(s.page, [
    ['name-input', 'Grace'],
    ['address-input', address],
    ['join-password', 'a long classroom passphrase'],
  ]);
  const sRoom = new RoomView(s.page);
  await eventually(async () => (await sRoom.phase.getAttribute('data-phase')) === 'joined', 20_000);
  await eventually(async () => (await tRoom.rosterEntry('Grace').getAttribute('data-state')) === 'connected', 15_000);

  // Every tab, each role, opened from the keyboard.
  for (const [who, page] of [['teacher', t.page], ['student', s.page]] as const) {
    for (const v of ROOM_VIEWS) {
      await tabTo(page, `tab-${v.id}`);
      await page.keyboard.press('Enter');
      await new RoomView(page).panel(v.id).waitFor();
      await page.waitForTimeout(300);
      problems.push(...(await screenProblems(page, `${who} ${v.id}`)));
    }
  }

  // Chat: the teacher writes, the student reads.
  await tabTo(t.page, 'tab-chat');
  await t.page.keyboard.press('Enter');
  await typeAndSubmit(t.page, [['chat-input', 'Welcome to Computer Networks']]);
  await tabTo(s.page, 'tab-chat');
  await s.page.keyboard.press('Enter');
  await s.page.getByTestId('chat-message').filter({ hasText: 'Welcome to Computer Networks' }).waitFor({ timeout: 10_000 });

  // Hamming: a received bit is reached with Tab and flipped with Space.
  await tabTo(s.page, 'tab-labs');
  await s.page.keyboard.press('Enter');
  await tabTo(s.page, 'received-bit');
  const bit = (await s.page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    const td = el.closest('td');
    return { index: td.closest('[data-testid=hamming-codeword]').getAttribute('data-index'), pos: td.getAttribute('data-pos'), state: td.getAttribute('data-state') };
  })()`)) as { index: string; pos: string; state: string };
  await s.page.keyboard.press('Space');
  const cell = s.page.locator(`[data-testid=hamming-codeword][data-index="${bit.index}"] [data-testid=received-bit][data-pos="${bit.pos}"]`);
  await eventually(async () => (await cell.getAttribute('data-state')) === (bit.state === 'flipped' ? 'plain' : 'flipped'));
  assert.is(await focused(s.page), 'received-bit', 'the focus stays on the bit');

  // ARQ: the lab opened and run over the network with the teacher, from the keyboard.
  await tabTo(s.page, 'lab-arq');
  await s.page.keyboard.press('Enter');
  await s.page.getByTestId('arq-summary').waitFor();
  problems.push(...(await screenProblems(s.page, 'student labs ARQ')));
  await tabTo(s.page, 'arq-net-run');
  await s.page.keyboard.press('Enter');
  const result = s.page.getByTestId('arq-net-result');
  await result.waitFor({ timeout: 30_000 });
  assert.is(await result.getAttribute('data-identical'), 'true');
  assert.match((await result.textContent()) ?? '', /frames: the sample's length/, 'why its frame count is not the simulation’s');

  // The teacher, on another tab, is told at once, and saves the file through the browser.
  const notice = t.page.getByTestId('arq-received-notice');
  await notice.waitFor({ timeout: 10_000 });
  assert.match((await notice.textContent()) ?? '', /sent you a file over the ARQ lab: \d+ B, identical to what was sent/);
  problems.push(...(await screenProblems(t.page, 'teacher with the ARQ notice')));
  const [download] = await Promise.all([t.page.waitForEvent('download'), notice.getByTestId('arq-notice-save').click()]);
  const sent = /SHA-256 received\s*([0-9a-f]{64})/.exec((await result.textContent()) ?? '')?.[1];
  assert.is(createHash('sha256').update(readFileSync((await download.path())!)).digest('hex'), sent, 'the saved copy is the file received');
  await notice.getByTestId('arq-notice-open').click();
  await notice.waitFor({ state: 'detached' });
  assert.is(await t.page.getByTestId('tab-labs').getAttribute('aria-selected'), 'true', '"Show in Labs" opens the Labs tab');

  assert.equal(problems, []);
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
