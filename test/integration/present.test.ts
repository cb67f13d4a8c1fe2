/**
 * A student presents (protocol/present.ts), between real agents with node-datachannel standing in
 * for the pages: only the invited student may share; its screen reaches the host over the present
 * edge and a classmate through the tree; the instructor takes it back; a student's Stop ends it;
 * the instructor's own share replaces it. What a student can do: share uninvited (refused
 * NOT_INVITED), send `present-start` uninvited (answered `present-end`, no edge).
 */
import * as assert from 'uvu/assert';
import type { RosterEntry } from '../../protocol/common.js';
import type { PresentStatus } from '../../protocol/present.js';
import type { UiEvent } from '../../protocol/ui.js';
import type { AgentProcess } from '../helpers/agents.js';
import { fakePublisher, fakeViewer, pageSuite } from '../helpers/fake-page.js';
import { latestStats } from '../helpers/media-stats.js';
import type { UiSocket } from '../helpers/smtp.js';
import { until } from '../helpers/until.js';

const { test, lab } = pageSuite('a student presents its screen');

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'none');
const screenIn = (agent: AgentProcess) => latestStats(agent)?.in.screen.packets ?? 0;
const lastOf = <T extends UiEvent['type']>(ui: UiSocket, type: T) => ui.events.filter((e) => e.type === type).at(-1) as Extract<UiEvent, { type: T }> | undefined;
const presentOf = (ui: UiSocket): PresentStatus | undefined => lastOf(ui, 'present-status')?.status;
const rosterOf = (ui: UiSocket): RosterEntry[] => lastOf(ui, 'roster')?.members ?? [];

interface Person {
  agent: AgentProcess;
  ui: UiSocket;
  id: string;
}

async function classOfTwo(): Promise<{ host: Person; ann: Person; bob: Person }> {
  const { host: agent, ui, port } = await lab().hostWithUi();
  const host = { agent, ui, id: '' };
  const student = async (name: string): Promise<Person> => {
    const s = await lab().cluster.startUiAgent(name);
    const ui = await lab().open(s.url);
    await ui.request({ type: 'join', name, password: 'pw', address: `127.0.0.1:${port}` });
    const entry = await until(() => rosterOf(host.ui).find((m) => m.name === name && m.state === 'connected'), 15_000, `${name} placed`);
    return { agent: s.agent, ui, id: entry.id };
  };
  return { host, ann: await student('Ann'), bob: await student('Bob') };
}

/** Ann shares (a fake page sending every 20 ms) until the returned stop is called. */
async function annShares(ann: Person): Promise<{ link: string; stop: () => void }> {
  const page = await fakePublisher(ann.ui, lab().pcs, 'present-publish');
  const timer = setInterval(page.send, 20);
  return { link: page.link, stop: () => clearInterval(timer) };
}

test('only the invited student presents; the screen reaches the host and a classmate; the instructor takes it back', async () => {
  const { host, ann, bob } = await classOfTwo();
  assert.is(await codeOf(ann.ui.request({ type: 'present-publish', sdp: 'v=0\r\n' })), 'NOT_INVITED', 'uninvited, a student cannot share');
  assert.is(await codeOf(ann.ui.request({ type: 'present-invite', member: bob.id })), 'NOT_IN_ROOM', 'a student cannot invite');
  assert.is(await codeOf(host.ui.request({ type: 'present-invite', member: 'ffffffffffffffff' })), 'NOT_IN_ROOM', 'inviting a stranger');

  await host.ui.request({ type: 'present-invite', member: ann.id });
  await until(() => presentOf(ann.ui)?.state === 'invited', 5_000, 'Ann told she is invited');
  await until(() => rosterOf(bob.ui).find((m) => m.id === ann.id)?.presenting === 'invited', 5_000, 'the class sees the invitation');
  assert.is(await codeOf(bob.ui.request({ type: 'present-publish', sdp: 'v=0\r\n' })), 'NOT_INVITED', 'a classmate is not invited');

  const share = await annShares(ann);
  try {
    await until(() => screenIn(host.agent) > 30, 15_000, 'Ann’s screen at the host');
    const bobsPage = await fakeViewer(bob.ui, lab().pcs);
    await until(() => bobsPage.received.screen! > 30, 15_000, 'Ann’s screen at Bob’s page, down the tree');
    assert.is(presentOf(host.ui)?.state, 'presenting');
    assert.is(presentOf(host.ui)?.member, ann.id);
    await until(() => rosterOf(bob.ui).find((m) => m.id === ann.id)?.presenting === 'live', 5_000, 'the class sees who presents');
    assert.is(latestStats(host.agent)!.dropped.unexpected, 0, 'only screen kinds came up the present edge');

    await host.ui.request({ type: 'present-end' });
    await until(() => presentOf(ann.ui)?.state === 'none' && presentOf(ann.ui)?.ended === 'taken', 5_000, 'Ann told it was taken back');
    await until(() => ann.ui.events.some((e) => e.type === 'media-link-closed' && e.link === share.link), 5_000, 'Ann’s page link closed');
    await until(() => rosterOf(bob.ui).find((m) => m.id === ann.id)?.presenting === undefined, 5_000, 'the class sees it end');
    const after = screenIn(host.agent);
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(screenIn(host.agent) - after <= 12, `nothing more of Ann’s screen (${screenIn(host.agent) - after} packets after)`);
    assert.is(await codeOf(ann.ui.request({ type: 'present-publish', sdp: 'v=0\r\n' })), 'NOT_INVITED', 'taken back: sharing again needs a new invitation');
  } finally {
    share.stop();
  }
});

test('the student stops; the instructor’s own share replaces a presenter', async () => {
  const { host, ann } = await classOfTwo();
  await host.ui.request({ type: 'present-invite', member: ann.id });
  await until(() => presentOf(ann.ui)?.state === 'invited', 5_000, 'invited');
  let share = await annShares(ann);
  try {
    await until(() => presentOf(host.ui)?.state === 'presenting', 15_000, 'presenting');
    await ann.ui.request({ type: 'present-unpublish', link: share.link });
    await until(() => presentOf(host.ui)?.state === 'none' && presentOf(host.ui)?.ended === 'stopped', 5_000, 'the host sees Ann stop');
    share.stop();

    await host.ui.request({ type: 'present-invite', member: ann.id });
    await until(() => presentOf(ann.ui)?.state === 'invited', 5_000, 'invited again');
    share = await annShares(ann);
    await until(() => presentOf(host.ui)?.state === 'presenting', 15_000, 'presenting again');
    const own = await fakePublisher(host.ui, lab().pcs, 'screen-publish');
    await until(() => presentOf(ann.ui)?.ended === 'replaced', 5_000, 'Ann told the instructor’s screen replaced hers');
    assert.is(presentOf(host.ui)?.ended, 'replaced');
    assert.ok(own.link, 'the instructor shares');
  } finally {
    share.stop();
  }
});

test.run();
