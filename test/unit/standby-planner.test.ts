import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseStandby, standbyFits, wantsStandby } from '../../node-agent/overlay/standby-planner.js';
import { TreePlanner } from '../../node-agent/overlay/tree-planner.js';

/** h has a, b, c, d; a has a1..a4; b has b1, b2; a1 has x. */
function classTree(): TreePlanner {
  const t = new TreePlanner({ rootId: 'h', rootFanout: 4, fanout: 4 });
  for (const id of ['a', 'b', 'c', 'd', 'a1', 'a2', 'a3', 'a4', 'b1', 'b2']) t.place(id);
  t.place('x', (p) => p === 'a1');
  return t;
}

/** Plans a standby for each of `ids` in turn, as the host does (each choice sees the ones before). */
function planAll(t: TreePlanner, ids: string[], eligible: (id: string) => boolean = () => true): Map<string, string | null> {
  const of = new Map<string, string | null>();
  for (const id of ids) of.set(id, chooseStandby(t, id, { standbyOf: (m) => of.get(m) ?? undefined, eligible }));
  return of;
}

test('the root’s children want no standby; everyone below them does', () => {
  const t = classTree();
  assert.equal(['a', 'b', 'c', 'd'].map((id) => wantsStandby(t, id)), [false, false, false, false]);
  assert.equal(['a1', 'b2', 'x'].map((id) => wantsStandby(t, id)), [true, true, true]);
  assert.is(chooseStandby(t, 'a', { standbyOf: () => undefined, eligible: () => true }), null);
});

test('a standby is never in the parent’s subtree (the member itself, its siblings, its descendants)', () => {
  const t = classTree();
  const of = planAll(t, ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'x']);
  for (const [id, s] of of) {
    assert.ok(s, `${id} has a standby`);
    assert.not.ok(t.subtree(t.parentOf(id)!).has(s!), `${id}'s standby ${s} is outside its parent's subtree`);
    assert.ok(standbyFits(t, id, s!));
  }
  // x (under a1): not a, a1's siblings, or a1 itself; not x's own descendants
  assert.not.ok(['a1', 'x'].includes(of.get('x')!));
});

test('one relay’s 4 children get 4 different standbys while 4 are free, relays before the host', () => {
  const t = classTree();
  const of = planAll(t, ['a1', 'a2', 'a3', 'a4']);
  const standbys = ['a1', 'a2', 'a3', 'a4'].map((id) => of.get(id)!);
  assert.is(new Set(standbys).size, 4, standbys.join(' '));
  assert.ok(!standbys.includes('h') || standbys.filter((s) => s !== 'h').length === 3, 'the host only once the relays are taken');
  assert.not.ok(standbys.includes('a'), 'never their parent');
});

test('the host is the standby of last resort; a relay that is not eligible is skipped', () => {
  const t = new TreePlanner({ rootId: 'h', rootFanout: 1, fanout: 2 });
  for (const id of ['a', 'b', 'c']) t.place(id); // h → a → b, c
  assert.is(chooseStandby(t, 'b', { standbyOf: () => undefined, eligible: () => true }), 'h');
  const t2 = classTree();
  const s = chooseStandby(t2, 'a1', { standbyOf: () => undefined, eligible: (id) => id !== 'b' && id !== 'c' });
  assert.ok(s !== 'b' && s !== 'c', `got ${s}`);
});

test('move(): a child switched to its standby may go one over the fan-out, never into its own subtree', () => {
  const t = classTree();
  assert.ok(t.move('a1', 'b'));
  assert.is(t.parentOf('a1'), 'b');
  assert.is(t.parentOf('x'), 'a1');
  for (const id of ['a2', 'a3']) t.move(id, 'b');
  assert.is(t.childrenOf('b').length, 5);
  assert.not.ok(t.move('a1', 'x'), 'not under its own child');
  assert.is(t.parentOf('a1'), 'b');
});

test.run();
