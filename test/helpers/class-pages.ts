/**
 * The two-page class most browser tests start from: an instructor's page on one agent hosts a room
 * (password `pw`) and a student's page opens on another agent. `openTeacherAndStudent` leaves the
 * student on its start page with the address to join; `openClassPages` also joins it and waits
 * until it is in the roster.
 */
import type { Browser } from 'playwright-core';
import type { Cluster } from './agents.js';
import { LoginView, openUi, RoomView, type OpenedUi } from './browser.js';
import { PublisherView } from './live-page.js';

export interface TeacherAndStudent {
  t: OpenedUi;
  tRoom: RoomView;
  s: OpenedUi;
  /** the first address the instructor's page shows students */
  address: string;
}

export async function openTeacherAndStudent(cluster: Cluster, browser: Browser, opts: { teacher?: string; room?: string } = {}): Promise<TeacherAndStudent> {
  const [{ url: teacherUrl }, { url: studentUrl }] = await Promise.all([cluster.startUiAgent('teacher'), cluster.startUiAgent('student')]);
  const t = await openUi(browser, teacherUrl);
  await new LoginView(t.page).host({ name: opts.teacher ?? 'Prof. Ada', password: 'pw', room: opts.room ?? 'Computer Networks' });
  const tRoom = new RoomView(t.page);
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();
  const s = await openUi(browser, studentUrl);
  return { t, tRoom, s, address };
}

export async function openClassPages(
  cluster: Cluster,
  browser: Browser,
  opts: { teacher?: string; student?: string; room?: string } = {},
): Promise<TeacherAndStudent & { sRoom: RoomView }> {
  const student = opts.student ?? 'Grace';
  const pages = await openTeacherAndStudent(cluster, browser, opts);
  await new LoginView(pages.s.page).join({ name: student, password: 'pw', address: pages.address });
  const sRoom = new RoomView(pages.s.page);
  await sRoom.rosterEntry(student).waitFor({ timeout: 15_000 });
  return { ...pages, sRoom };
}

export interface LiveAtFanoutOne {
  t: OpenedUi;
  publisher: PublisherView;
  address: string;
  /** the UI addresses of the two students' agents: at fan-out 1 the second joiner sits below the first */
  studentUrls: [string, string];
}

/** Three agents; the instructor's page (opened with `open`) hosts at fan-out 1 and goes live with the fake camera. */
export async function hostLiveAtFanoutOne(cluster: Cluster, open: (url: string) => Promise<OpenedUi>): Promise<LiveAtFanoutOne> {
  const [teacher, s1, s2] = await Promise.all([cluster.startUiAgent('teacher'), cluster.startUiAgent('s1'), cluster.startUiAgent('s2')]);
  const t = await open(teacher.url);
  await new LoginView(t.page).host({ name: 'Prof. Ada', password: 'pw', room: 'Computer Networks', fanout: 1 });
  const address = (await new RoomView(t.page).joinAddresses.first().textContent())!.trim();
  const publisher = new PublisherView(t.page);
  await publisher.start();
  return { t, publisher, address, studentUrls: [s1.url, s2.url] };
}
