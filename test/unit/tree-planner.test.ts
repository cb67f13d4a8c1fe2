import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TreePlanner } from '../../node-agent/overlay/tree-planner.js';

const planner = (rootFanout = 2, fanout = 2) => new TreePlanner({ rootId: 'h', rootFanout, fanout });

test('members fill the root first, then the shallowest member with spare capacity', () => {
  const t = planner();
  const parents = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => t.place(id));
  assert.equal(parents, ['h', 'h', 'a', 'a', 'b', 'b']);
  assert.is(t.depth('f'), 2);
  assert.ok(['a', 'b', 'c', 'd', 'e', 'f'].every((id) => t.isRooted(id)));
});

test('no node ever has more children than its fan-out', () => {
  const t = planner(3, 2);
  for (let i = 0; i < 40; i++) t.place(`n${i}`);
  assert.ok(t.childrenOf('h').length <= 3);
  for (let i = 0; i < 40; i++) assert.ok(t.childrenOf(`n${i}`).length <= 2);
});

test('removing a relay detaches its children, which are placed again outside their own subtree', () => {
  const t = planner();
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) t.place(id);
  // a has c, d; c has g
  const orphans = t.remove('a');
  assert.equal(orphans.sort(), ['c', 'd']);
  assert.not.ok(t.isRooted('c'));
  for (const o of orphans) {
    const p = t.place(o, (cand) => t.isRooted(cand));
    assert.ok(p !== null);
    assert.not.ok(t.subtree(o).has(p!), 'never inside its own subtree');
    assert.ok(t.isRooted(o));
  }
  assert.ok(t.isRooted('g'), 'grandchildren come back with their parent');
});

test('ineligible members are passed over and a full tree returns null', () => {
  const t = new TreePlanner({ rootId: 'h', rootFanout: 1, fanout: 1 });
  assert.is(t.place('a'), 'h');
  assert.is(t.place('b', () => false), null);
  assert.is(t.place('b'), 'a');
});

test('the root cannot be removed', () => {
  assert.throws(() => planner().remove('h'), TypeError);
});

test.run();
