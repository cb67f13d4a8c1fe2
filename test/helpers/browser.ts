/**
 * Chromium for browser tests (Debian's /usr/bin/chromium through playwright-core) and page objects
 * for the CAMVID UI, so every browser test drives the UI through the same data-testid selectors.
 *
 *   if (!requireCapability('Chromium', canUseChromium())) return;
 *   const browser = await launchBrowser();
 *   const { page, close } = await openUi(browser, ui.url);
 *   await new LoginView(page).host({ name: 'Ada', password: 'admin' });
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CAMVID_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Loopback WebRTC needs the last two flags (a loopback-only namespace gathers no candidates
 * without them); the fake devices stand in for camera and microphone.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export const canUseChromium = (): boolean => existsSync(CHROMIUM_PATH);

/** For a page that listens to what it plays (an AudioContext without a click). */
export const AUTOPLAY_ARG = '--autoplay-policy=no-user-gesture-required';

/** `extraArgs`: more Chromium flags, e.g. AUTOPLAY_ARG. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface OpenedUi {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors and console errors, for a test to assert there were none. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Opens the UI in a fresh context (own storage), 1280x800, and waits for the agent's hello.
 * `initScript` runs in the page before its own scripts (e.g. to stand in for a browser policy);
 * `timeoutMs` (default 5 s) is the page's default timeout, the load and the hello included.
 */
export async function openUi(browser: Browser, url: string, opts: { initScript?: string; timeoutMs?: number } = {}): Promise<OpenedUi> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (opts.initScript) await context.addInitScript(opts.initScript);
  const page = await context.newPage();
  page.setDefaultTimeout(opts.timeoutMs ?? 5_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.goto(url);
  await page.getByTestId('agent-status').and(page.locator('[data-connection="open"]')).waitFor();
  return { page, context, errors, close: () => context.close() };
}

/** Polls until `check` returns a truthy value (or throws its last error after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('condition still false');
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The agent connection indicator in the top bar (`data-connection`: connecting/open/retrying). */
export const agentStatus = (page: Page): Locator => page.getByTestId('agent-status');

/** `<login-page>`: discovered rooms, join and host forms. */
export class LoginView {
  constructor(readonly page: Page) {}

  get nameInput(): Locator {
    return this.page.getByTestId('name-input');
  }
  get rooms(): Locator {
    return this.page.getByTestId('room-item');
  }
  room(name: string | RegExp): Locator {
    return this.rooms.filter({ hasText: name });
  }
  get addressInput(): Locator {
    return this.page.getByTestId('address-input');
  }
  get joinPassword(): Locator {
    return this.page.getByTestId('join-password');
  }
  get joinButton(): Locator {
    return this.page.getByTestId('join-button');
  }
  get hostRoomName(): Locator {
    return this.page.getByTestId('host-room-name');
  }
  get hostPassword(): Locator {
    return this.page.getByTestId('host-password');
  }
  get hostFanout(): Locator {
    return this.page.getByTestId('host-fanout');
  }
  get hostButton(): Locator {
    return this.page.getByTestId('host-button');
  }
  /** The error of the last join or host attempt (`data-code` holds the error code). */
  get error(): Locator {
    return this.page.getByTestId('error-message');
  }

  /** Fills the join form for a listed room (or an address) and presses Join; does not wait. */
  async join(opts: { name: string; password: string; room?: string | RegExp; address?: string }): Promise<void> {
    await this.nameInput.fill(opts.name);
    if (opts.address) await this.addressInput.fill(opts.address);
    else if (opts.room) await this.room(opts.room).click();
    await this.joinPassword.fill(opts.password);
    await this.joinButton.click();
  }

  /** Fills the host form and presses "Host room"; does not wait. */
  async host(opts: { name: string; password: string; room?: string; fanout?: number }): Promise<void> {
    await this.nameInput.fill(opts.name);
    if (opts.room !== undefined) await this.hostRoomName.fill(opts.room);
    await this.hostPassword.fill(opts.password);
    if (opts.fanout !== undefined) await this.hostFanout.fill(String(opts.fanout));
    await this.hostButton.click();
  }
}

/** `<room-page>`: header, join addresses, roster tree, feature tabs. */
export class RoomView {
  constructor(readonly page: Page) {}

  get roomName(): Locator {
    return this.page.getByTestId('room-name');
  }
  get me(): Locator {
    return this.page.getByTestId('me');
  }
  get phase(): Locator {
    return this.page.getByTestId('room-phase');
  }
  /** Each address on the host's "Students can join at:" line. */
  get joinAddresses(): Locator {
    return this.page.getByTestId('join-address');
  }
  /** One per member; `data-member-id`, `data-role`, `data-state` attributes. */
  get rosterEntries(): Locator {
    return this.page.getByTestId('roster-entry');
  }
  rosterEntry(name: string | RegExp): Locator {
    return this.rosterEntries.filter({ hasText: name });
  }
  get rosterCount(): Locator {
    return this.page.getByTestId('roster-count');
  }
  tab(id: 'video' | 'chat' | 'files' | 'podcast' | 'mail' | 'labs' | 'record'): Locator {
    return this.page.getByTestId(`tab-${id}`);
  }
  panel(id: string): Locator {
    return this.page.getByTestId(`panel-${id}`);
  }
  get leaveButton(): Locator {
    return this.page.getByTestId('leave-button');
  }
  get error(): Locator {
    return this.page.getByTestId('error-message');
  }

  /** Ids of the roster as the tree shows it: `depth:name` in document order. */
  async rosterOutline(): Promise<string[]> {
    return this.rosterEntries.evaluateAll((els) =>
      els.map((el) => {
        let depth = 0;
        for (let n: Element | null = el.closest('li'); n; n = n.parentElement?.closest('li') ?? null) depth++;
        return `${depth - 1}:${el.querySelector('.name')?.textContent?.trim()}`;
      }),
    );
  }
}
