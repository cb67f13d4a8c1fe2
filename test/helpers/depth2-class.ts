/**
 * A live class with one student page two hops from the instructor, for lip-sync tests and the
 * lipsync benchmark: a UI agent hosts (fan-out 1) and its page goes live; a headless student
 * relays (or `relays` of them in a chain: the page is then `relays + 1` hops down); a second UI
 * agent's page joins below and waits for the picture. Every page records its
 * RTCPeerConnections (RECORD_PEER_CONNECTIONS) so getStats can be read.
 */
import type { Browser, Page } from 'playwright-core';
import type { Cluster } from './agents.js';
import { LoginView, openUi, RoomView } from './browser.js';
import { PlayerView, PublisherView } from './live-page.js';
import { RECORD_PEER_CONNECTIONS } from './sync-stats.js';

export interface Depth2Class {
  teacher: Page;
  publisher: PublisherView;
  student: Page;
  player: PlayerView;
}

/** `teacherInit`, `studentInit`: scripts run first in the instructor's and the student's page (a synthetic camera, a detector). */
export async function startDepth2Class(cluster: Cluster, browser: Browser, teacherInit = '', studentInit = '', relays = 1): Promise<Depth2Class> {
  const host = await cluster.startUiAgent('teacher');
  const t = await openUi(browser, host.url, { initScript: `${RECORD_PEER_CONNECTIONS};${teacherInit}` });
  t.page.setDefaultTimeout(15_000);
  await new LoginView(t.page).host({ name: 'Prof. Ada', password: 'pw', room: 'Lip sync', fanout: 1 });
  const address = (await new RoomView(t.page).joinAddresses.first().textContent())!.trim();
  const publisher = new PublisherView(t.page);
  await publisher.start();

  // Fan-out 1: the relay is the host's child and the student its child (a chain of relays: each the last one's).
  for (let i = 1; i <= relays; i++) {
    const relay = cluster.start(`relay${i}`, ['join', '--address', address, '--name', `Relay ${i}`, '--password', 'pw', '--port', '0', '--events']);
    await relay.waitForLine(/^joined /, 40_000);
  }
  const student = await cluster.startUiAgent('student');
  const s = await openUi(browser, student.url, { initScript: `${RECORD_PEER_CONNECTIONS};${studentInit}` });
  s.page.setDefaultTimeout(15_000);
  await new LoginView(s.page).join({ name: 'Alan', password: 'pw', address });
  await new RoomView(s.page).rosterEntry('Alan').waitFor({ timeout: 20_000 });
  const player = new PlayerView(s.page);
  await player.state('live').waitFor({ timeout: 15_000 });
  await player.waitForPicture();
  return { teacher: t.page, publisher, student: s.page, player };
}
