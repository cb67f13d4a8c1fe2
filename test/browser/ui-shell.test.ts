import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { ensureUiBundle } from '../../node-agent/ui-server/ui-bundle.js';
import { UiServer, type UiBackend } from '../../node-agent/ui-server/ui-server.js';
import { DEFAULT_FANOUT, type RosterEntry } from '../../protocol/common.js';
import { CamvidError } from '../../protocol/errors.js';
import type { AgentState, DiscoveredRoom, UiEvent, UiRequest } from '../../protocol/ui.js';
import { agentStatus, canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const SCREENSHOT = '/tmp/camvid-ui.png';
const CHROMIUM_LABEL = `Chromium (${CHROMIUM_PATH})`;
const ROOM: DiscoveredRoom = { id: 'a1b2c3d4e5f60718', name: 'Computer Networks', hostName: 'Dr. Ada Lovelace', address: '192.168.1.20', port: 7700 };
const OTHER_ROOM: DiscoveredRoom = { id: '0f1e2d3c4b5a6978', name: 'Operating Systems', hostName: 'Prof. Tanenbaum', address: '192.168.1.31', port: 7700 };
const IDLE: AgentState = { phase: 'idle', me: null, room: null, joinAddresses: [], lastError: null, resumable: null };
const ME = '00112233445566ff';

/** The class an instructor sees after hosting: two students under the host, one relayed below. */
const rosterAfterHosting = (name: string): RosterEntry[] => [
  { id: ME, name, role: 'host', parentId: null, state: 'connected' },
  { id: '1111111111111111', name: 'Grace Hopper', role: 'student', parentId: ME, state: 'connected' },
  { id: '2222222222222222', name: 'Alan Turing', role: 'student', parentId: ME, state: 'connecting' },
  { id: '3333333333333333', name: 'Edsger Dijkstra', role: 'student', parentId: '1111111111111111', state: 'reconnecting' },
];

/**
 * A scripted agent: `host` moves idle → hosting, `join` waits for the test to release it and then
 * fails with BAD_PASSWORD, `leave` goes back to idle; anything else (what the room's tabs ask) is
 * answered with nothing and changes nothing.
 */
class ScriptedBackend implements UiBackend {
  state: AgentState = IDLE;
  rooms: DiscoveredRoom[] = [ROOM];
  roster: RosterEntry[] = [];
  readonly requests: UiRequest[] = [];
  #listeners = new Set<(ev: UiEvent) => void>();
  #releaseJoin: (() => void) | null = null;

  snapshot() {
    return { state: this.state, rooms: this.rooms, roster: this.roster };
  }
  subscribe(listener: (ev: UiEvent) => void) {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  async handle(req: UiRequest): Promise<void> {
    this.requests.push(req);
    if (req.type === 'join') {
      await new Promise<void>((resolve) => (this.#releaseJoin = resolve));
      throw new CamvidError('BAD_PASSWORD');
    }
    if (req.type === 'host') {
      this.state = {
        phase: 'hosting',
        me: { id: ME, name: req.name },
        room: { id: 'feedfacecafebeef', name: req.room, hostName: req.name },
        joinAddresses: ['192.168.1.20:7700', '10.0.0.5:7700'],
        lastError: null,
        resumable: null,
      };
      this.setRoster(rosterAfterHosting(req.name));
    } else if (req.type === 'leave') {
      this.state = IDLE;
      this.setRoster([]);
    }
    this.#emit({ type: 'state', state: this.state });
  }
  releaseJoin(): void {
    this.#releaseJoin?.();
  }
  setRooms(rooms: DiscoveredRoom[]): void {
    this.rooms = rooms;
    this.#emit({ type: 'rooms', rooms });
  }
  setRoster(members: RosterEntry[]): void {
    this.roster = members;
    this.#emit({ type: 'roster', members });
  }
  #emit(ev: UiEvent): void {
    for (const l of [...this.#listeners]) l(ev);
  }
}

let browser: Browser | null = null;
test.after(async () => {
  await browser?.close();
});

test('a person sees rooms, gets a clear wrong-password error, hosts a room and sees the class', async () => {
  if (!requireCapability(CHROMIUM_LABEL, canUseChromium())) return;
  await ensureUiBundle();
  const backend = new ScriptedBackend();
  const ui = new UiServer({ backend, port: 0 });
  await ui.listen();
  browser ??= await launchBrowser();
  const opened = await openUi(browser, ui.url);
  try {
    const { page } = opened;
    const login = new LoginView(page);
    const room = new RoomView(page);

    // Discovery is live: a room that appears is listed without a reload.
    await login.room('Computer Networks').waitFor();
    assert.match(await login.room('Computer Networks').innerText(), /Dr\. Ada Lovelace[\s\S]*192\.168\.1\.20:7700/);
    backend.setRooms([ROOM, OTHER_ROOM]);
    await login.room('Operating Systems').waitFor();
    assert.is(await login.rooms.count(), 2);

    // Wrong password: the button is disabled while pending, then the agent's message shows.
    await login.join({ name: 'Bo Student', password: 'wrong', room: 'Computer Networks' });
    await eventually(() => backend.requests.some((r) => r.type === 'join'));
    assert.ok(await login.joinButton.isDisabled(), 'join is disabled while the request is pending');
    assert.ok(await login.hostButton.isDisabled(), 'host is disabled while the request is pending');
    backend.releaseJoin();
    await login.error.waitFor();
    assert.is((await login.error.innerText()).trim(), 'Wrong room password.');
    assert.is(await login.error.getAttribute('data-code'), 'BAD_PASSWORD');
    assert.equal(backend.requests[0], { type: 'join', id: 1, name: 'Bo Student', password: 'wrong', roomId: ROOM.id });
    assert.not.ok(await login.joinButton.isDisabled(), 'join is enabled again after the failure');
    await page.screenshot({ path: '/tmp/camvid-ui-login.png' });

    // Hosting switches to the room page with the join addresses and the roster tree.
    assert.is(await login.hostRoomName.inputValue(), 'Computer Networks');
    assert.is(await login.hostFanout.inputValue(), String(DEFAULT_FANOUT), "the fan-out field starts at the agent's default");
    await login.host({ name: 'Dr. Ada Lovelace', password: 'admin' });
    await room.roomName.waitFor();
    assert.is((await room.roomName.innerText()).trim(), 'Computer Networks');
    assert.equal(await room.joinAddresses.allInnerTexts(), ['192.168.1.20:7700', '10.0.0.5:7700']);
    await eventually(async () => (await room.rosterEntries.count()) === 4);
    assert.equal(await room.rosterOutline(), [
      '0:Dr. Ada Lovelace',
      '1:Alan Turing',
      '1:Grace Hopper',
      '2:Edsger Dijkstra',
    ]);
    assert.is(await room.rosterEntry('Edsger Dijkstra').getAttribute('data-state'), 'reconnecting');
    assert.match(await room.rosterCount.innerText(), /4 in room/);
    assert.match(await room.me.innerText(), /Dr\. Ada Lovelace/);
    await room.panel('video').getByTestId('go-live').waitFor();
    await room.tab('labs').click();
    // The labs view lives in shadow DOM (innerText stops there); locators pierce it.
    assert.ok(await room.panel('labs').getByText(/Hamming/).first().isVisible(), 'the labs tab shows the Hamming lab');
    await room.tab('video').click();
    assert.equal(backend.requests[1], { type: 'host', id: 2, room: 'Computer Networks', password: 'admin', name: 'Dr. Ada Lovelace', fanout: DEFAULT_FANOUT });
    await page.screenshot({ path: SCREENSHOT });

    // Students that cannot reach each other are served by the host: the instructor is told, with the cost.
    const isolationNote = page.getByTestId('isolation-note');
    assert.is(await isolationNote.count(), 0, 'no note while the tree works');
    const [host, grace, alan] = rosterAfterHosting('Dr. Ada Lovelace');
    backend.setRoster([host!, { ...grace!, isolated: true }, { ...alan!, isolated: true }, { id: '4444444444444444', name: 'Ada Byron', role: 'student', parentId: ME, state: 'connected' }]);
    await isolationNote.waitFor();
    assert.match(await isolationNote.innerText(), /2 students cannot reach classmates[\s\S]*your upload carries 3 copies/);
    assert.is(await page.getByTestId('roster-isolated').count(), 2, 'each of them is marked in the tree');
    backend.setRoster(rosterAfterHosting('Dr. Ada Lovelace'));
    await isolationNote.waitFor({ state: 'detached' });

    // Leaving returns to the login page.
    await room.leaveButton.click();
    await login.hostButton.waitFor();
    assert.equal(opened.errors, [], 'no errors in the page');
  } finally {
    await opened.close();
    await ui.close();
  }
});

test('the top bar says the agent is disconnected when it goes away', async () => {
  if (!requireCapability(CHROMIUM_LABEL, canUseChromium())) return;
  await ensureUiBundle();
  const ui = new UiServer({ backend: new ScriptedBackend(), port: 0 });
  await ui.listen();
  browser ??= await launchBrowser();
  const opened = await openUi(browser, ui.url);
  try {
    assert.is((await agentStatus(opened.page).innerText()).trim(), 'Connected to agent');
    await ui.close();
    await opened.page.getByTestId('agent-status').and(opened.page.locator('[data-connection="retrying"]')).waitFor();
    assert.is((await agentStatus(opened.page).innerText()).trim(), 'Agent disconnected — retrying');
  } finally {
    await opened.close();
    await ui.close();
  }
});

test.run();
