import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { Agent } from '../../node-agent/agent.js';
import { labCommand } from '../../node-agent/labs/lab-command.js';
import { ensureUiBundle } from '../../node-agent/ui-server/ui-bundle.js';
import { UiServer } from '../../node-agent/ui-server/ui-server.js';
import { DEFAULT_SEGMENT_SIZE } from '../../protocol/labs/arq.js';
import { runHammingLab } from '../../protocol/labs/hamming.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, openUi, RoomView, type OpenedUi } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const CHROMIUM_LABEL = `Chromium (${CHROMIUM_PATH})`;
const RED = 'rgb(217, 48, 37)';
const GREEN = 'rgb(24, 128, 56)';

let browser: Browser | null = null;
let agent: Agent | null = null;
let ui: UiServer | null = null;
let opened: OpenedUi | null = null;
let dir = '';

test.before(async () => {
  if (!canUseChromium()) return;
  dir = await mkdtemp(path.join(tmpdir(), 'camvid-labs-ui-'));
  await ensureUiBundle();
  agent = await Agent.start({ dataDir: path.join(dir, 'agent'), port: 0, mdns: false, listenHost: '127.0.0.1', bindAddress: '127.0.0.1' });
  await agent.host({ room: 'Computer Networks', password: 'pw', name: 'Dr. Ada' });
  ui = new UiServer({ backend: agent, port: 0 });
  await ui.listen();
  browser = await launchBrowser();
});
test.after(async () => {
  await opened?.close();
  await browser?.close();
  await ui?.close();
  await agent?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openLabs(): Promise<Page> {
  opened ??= await openUi(browser!, ui!.url);
  const { page } = opened;
  await new RoomView(page).tab('labs').click();
  return page;
}

/** Sets a range or number input the way a person's drag or typing would end. */
const setValue = (page: Page, testid: string, value: string | number) =>
  page.getByTestId(testid).evaluate((el, v) => {
    const input = el as HTMLInputElement | HTMLSelectElement;
    input.value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);

const cellStates = (page: Page, row: 'received' | 'decoded', state: string) =>
  page.locator(`[data-testid=hamming-codeword] [data-testid=${row}-bit][data-state=${state}]`).evaluateAll((els) =>
    els.map((el) => `${el.closest('[data-testid=hamming-codeword]')!.getAttribute('data-index')}:${el.getAttribute('data-pos')}`),
  );

test('the Hamming page shows the flipped bits in red and the corrected bits in green for a given seed', async () => {
  if (!requireCapability(CHROMIUM_LABEL, canUseChromium())) return;
  const page = await openLabs();
  await page.getByTestId('lab-hamming').click();
  await page.getByTestId('hamming-text').fill('Hamming!');
  await setValue(page, 'hamming-seed', 11);
  await setValue(page, 'hamming-rate', 0.5);

  const expected = runHammingLab('Hamming!', { scheme: '7,4', errors: { kind: 'random', seed: 11, probability: 0.5, doubleProbability: 0 } });
  const flipped = expected.codewords.flatMap((c) => c.flipped.map((p) => `${c.index}:${p}`));
  const corrected = expected.codewords.filter((c) => c.correctedBit !== null).map((c) => `${c.index}:${c.correctedBit}`);
  assert.ok(flipped.length >= 3, 'the seed flips several bits');
  assert.equal(await cellStates(page, 'received', 'flipped'), flipped);
  assert.equal(await cellStates(page, 'decoded', 'corrected'), corrected);
  assert.equal(corrected, flipped, 'in (7,4) every single error is corrected where it happened');
  const first = page.locator(`[data-testid=hamming-codeword][data-index="${flipped[0]!.split(':')[0]}"]`);
  const pos = flipped[0]!.split(':')[1];
  assert.is(await first.locator(`[data-testid=received-bit][data-pos="${pos}"]`).evaluate((el) => getComputedStyle(el).backgroundColor), RED);
  assert.is(await first.locator(`[data-testid=decoded-bit][data-pos="${pos}"]`).evaluate((el) => getComputedStyle(el).backgroundColor), GREEN);
  assert.is(await page.getByTestId('hamming-decoded').innerText(), '"Hamming!"');
  assert.is(await page.getByTestId('hamming-corrected').innerText(), String(expected.counts.corrected));

  // Clicking a bit of a clean codeword flips it: it turns red, and the decoder corrects it (green).
  const clean = expected.codewords.find((c) => c.flipped.length === 0)!;
  const card = page.locator(`[data-testid=hamming-codeword][data-index="${clean.index}"]`);
  await card.locator('[data-testid=received-bit][data-pos="6"]').click();
  assert.is(await card.locator('[data-testid=received-bit][data-pos="6"]').getAttribute('data-state'), 'flipped');
  assert.is(await card.locator('[data-testid=decoded-bit][data-pos="6"]').getAttribute('data-state'), 'corrected');
  assert.match(await card.locator('[data-testid=syndrome]').innerText(), /110 \(6\)/);

  // SECDED: a second click in the same codeword makes a double error, detected and left alone.
  await page.getByTestId('hamming-scheme-84').click();
  await card.locator('[data-testid=received-bit][data-pos="3"]').click();
  await card.locator('[data-testid=received-bit][data-pos="5"]').click();
  assert.is(await card.getAttribute('data-status'), 'detected');
  assert.is(await card.locator('[data-testid=decoded-bit][data-state=corrected]').count(), 0, 'nothing "corrected" in a double error');
  assert.equal(opened!.errors, []);
  await page.screenshot({ path: '/tmp/camvid-labs-hamming.png', fullPage: true });
});

test('the ARQ page draws the sequence diagram and its summary matches the CLI for the same seed', async () => {
  if (!requireCapability(CHROMIUM_LABEL, canUseChromium())) return;
  const page = await openLabs();
  await page.getByTestId('lab-arq').click();
  await setValue(page, 'arq-protocol', 'gbn');
  await setValue(page, 'arq-window', 4);
  await setValue(page, 'arq-loss', 0.3);
  await setValue(page, 'arq-ack-loss', 0.1);
  await setValue(page, 'arq-segments', 16);
  await setValue(page, 'arq-seed', 42);
  const summary = page.getByTestId('arq-summary');
  const attr = async (name: string) => (await summary.getAttribute(`data-${name}`))!;

  // The page prints the terminal command for its run: run it and compare.
  const command = (await page.getByTestId('arq-cli').innerText()).trim().split(/\s+/);
  assert.equal(command.slice(0, 5), ['npx', 'camvid', 'lab', 'arq', '--simulate'], 'camvid is not on PATH after npm install: npx finds it');
  assert.is((await page.getByTestId('arq-cli-file').innerText()).trim(), `head -c ${16 * DEFAULT_SEGMENT_SIZE} /dev/urandom > send.txt`, 'the file the run sends is made first');
  const send = path.join(dir, 'send.txt');
  await writeFile(send, Buffer.alloc(16 * DEFAULT_SEGMENT_SIZE, 'x'));
  const args = command.slice(3).map((a) => (a === 'send.txt' ? send : a === 'receive.txt' ? path.join(dir, 'receive.txt') : a));
  const out: string[] = [];
  assert.is(await labCommand(args, { out: (l) => out.push(l), err: (l) => out.push(l) }), 0, out.join('\n'));
  const text = out.join('\n');
  const m = /data frames sent (\d+) \(16 new \+ (\d+) retransmissions\), timeouts (\d+)/.exec(text)!;
  assert.ok(m, text);
  assert.is(await attr('sent'), m[1]);
  assert.is(await attr('retransmissions'), m[2]);
  assert.is(await attr('timeouts'), m[3]);
  assert.is(await attr('acks-sent'), /ACKs sent (\d+)/.exec(text)![1]);
  assert.is(await attr('data-dropped'), /dropped: (\d+) data/.exec(text)![1]);
  assert.is(await attr('acks-dropped'), /dropped: \d+ data, (\d+) ACKs/.exec(text)![1]);
  assert.is(await attr('elapsed'), /elapsed ([\d.]+) ms/.exec(text)![1]);
  assert.is(await attr('efficiency'), /efficiency ([\d.]+ %)/.exec(text)![1]);
  const u = /utilisation measured ([\d.]+), textbook ([\d.]+)/.exec(text)!;
  assert.is(await attr('utilisation'), u[1]);
  assert.is(await attr('textbook'), u[2]);
  assert.match(text, /identical ✓/);

  // The diagram: one arrow per data frame sent and per ACK, a cross per loss, a mark per timeout.
  const diagram = page.getByTestId('arq-diagram');
  assert.is(await diagram.locator('[data-testid=arq-frame]').count(), Number(m[1]));
  assert.is(await diagram.locator('[data-testid=arq-ack]').count(), Number(await attr('acks-sent')));
  const drops = Number(await attr('data-dropped')) + Number(await attr('acks-dropped'));
  assert.ok(drops > 0);
  assert.is(await diagram.locator('[data-testid=arq-drop]').count(), drops);
  assert.is(await diagram.locator('[data-testid=arq-timeout]').count(), Number(m[3]));

  // Scrubbing back in time hides what had not happened yet and rewinds the windows.
  await setValue(page, 'arq-cursor', 3);
  assert.ok((await diagram.locator('[data-testid=arq-frame]').count()) < Number(m[1]));
  assert.is(await page.getByTestId('arq-sender-window').getAttribute('data-base'), '0');
  assert.is(await page.getByTestId('arq-sweep').locator('[data-testid=arq-sweep-series]').count(), 3);
  assert.equal(opened!.errors, []);
  await page.screenshot({ path: '/tmp/camvid-labs-arq.png', fullPage: true });
});

test.run();
