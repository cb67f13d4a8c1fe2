/**
 * The host's book of standby edges with a made-up tree: what it tells whom, that it replans when a
 * standby no longer fits, and what a student reporting its standby failed (or switching) in a loop
 * can make its classmates do: open a new edge at most within the `standby` budget.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostMessage } from '../../protocol/session.js';
import { HostLimits } from '../../node-agent/overlay/host-limits.js';
import { HostStandbys } from '../../node-agent/overlay/host-standbys.js';
import { TreePlanner } from '../../node-agent/overlay/tree-planner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function book() {
  const plan = new TreePlanner({ rootId: 'h', rootFanout: 2, fanout: 2 });
  for (const id of ['a', 'b', 'a1', 'a2']) plan.place(id); // h → a, b; a → a1, a2
  const sent: { to: string; message: HostMessage }[] = [];
  const limits = new HostLimits();
  let n = 0;
  const standbys = new HostStandbys({
    plan,
    isConnected: (id) => plan.has(id) && plan.isRooted(id),
    eligible: () => true,
    newEdgeId: (p, c) => `${p}>${c}#${++n}`,
    deliver: (to, message) => sent.push({ to, message }),
    admit: (id) => limits.take('standby', id, '10.0.0.9'),
    changed: () => {},
  });
  return { plan, sent, standbys };
}

test('each member below the root’s children gets one standby edge, at the child end and the relay end', async () => {
  const { sent, standbys } = book();
  standbys.schedule();
  await sleep(80);
  const a1 = standbys.get('a1')!;
  const a2 = standbys.get('a2')!;
  assert.ok(a1 && a2);
  assert.is.not(a1.parentId, a2.parentId, 'siblings on different standbys');
  for (const [id, r] of [['a1', a1], ['a2', a2]] as const) {
    assert.ok(!['a', 'a1', 'a2'].includes(r.parentId), `${id}'s standby ${r.parentId} is outside a's subtree`);
    assert.ok(sent.some((s) => s.to === id && s.message.type === 'standby' && s.message.edge === r.edge));
    assert.ok(sent.some((s) => s.to === r.parentId && s.message.type === 'adopt' && s.message.standby === true && s.message.edge === r.edge));
  }
  assert.is(standbys.get('a'), undefined, 'the root’s children need none');
  assert.is(standbys.upParentOf('a1'), undefined, 'shown once connected');
  assert.ok(standbys.onReport('a1', a1.edge, 'connected'));
  assert.is(standbys.upParentOf('a1'), a1.parentId);
  assert.ok(standbys.isEdge(a1.edge, a1.parentId, 'a1') && standbys.isEdge(a1.edge, 'a1', a1.parentId));
  assert.not.ok(standbys.isEdge(a1.edge, 'a2', a1.parentId), 'signalling for it only between its two ends');
  assert.not.ok(standbys.onReport('a1', 'h>a1#99', 'failed'), 'another edge is not its standby');
  standbys.close();
});

test('a standby that no longer fits (the member moved under it) is dropped at both ends and replaced', async () => {
  const { plan, sent, standbys } = book();
  standbys.schedule();
  await sleep(80);
  const old = standbys.get('a1')!;
  plan.move('a1', old.parentId);
  standbys.schedule();
  await sleep(80);
  assert.ok(sent.some((s) => s.to === old.parentId && s.message.type === 'drop' && s.message.edge === old.edge));
  assert.ok(sent.some((s) => s.to === 'a1' && s.message.type === 'drop' && s.message.edge === old.edge));
  const now = standbys.get('a1');
  assert.ok(!now || now.parentId !== old.parentId);
  standbys.close();
});

test('a student reporting its standby failed in a loop gets new ones only within its budget', async () => {
  const { sent, standbys } = book();
  standbys.schedule();
  await sleep(80);
  const t0 = Date.now();
  for (let i = 0; i < 40; i++) {
    const r = standbys.get('a1');
    if (r) standbys.onReport('a1', r.edge, 'failed');
    await sleep(25);
  }
  const seconds = (Date.now() - t0) / 1000;
  const plannedForA1 = sent.filter((s) => s.to === 'a1' && s.message.type === 'standby').length;
  // the first is free (planned by the host), then burst 3 and 0.5/s
  assert.ok(plannedForA1 <= 1 + 3 + Math.ceil(seconds * 0.5) + 1, `${plannedForA1} standbys in ${seconds.toFixed(1)} s`);
  assert.ok(plannedForA1 >= 3, 'a real failure still gets a new standby');
  standbys.close();
});

test('a member leaving: its own standby is dropped at the relay, and those it served get others', async () => {
  const { plan, sent, standbys } = book();
  standbys.schedule();
  await sleep(80);
  const served = (['a1', 'a2'] as const).filter((id) => standbys.get(id)?.parentId === 'b');
  assert.ok(served.length > 0, 'someone has b as standby');
  plan.remove('b');
  standbys.removed('b');
  await sleep(80);
  for (const id of served) {
    assert.ok(sent.some((s) => s.to === id && s.message.type === 'drop'));
    assert.is.not(standbys.get(id)?.parentId, 'b');
  }
  standbys.close();
});

test.run();
