/**
 * The class-scale model (scripts/bench/class-model.ts) on the host's own planner: seeded, so the
 * same inputs give the same table, and its tree and relay deaths are what the planner does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTree, modelClass } from '../../scripts/bench/class-model.js';

test('the model is reproducible from its seed, and another seed moves only the latency draws', () => {
  const a = modelClass(200, 5);
  assert.equal(modelClass(200, 5), a);
  const b = modelClass(200, 6);
  assert.is.not(b.addedP99Ms, a.addedP99Ms);
  assert.equal({ ...b, addedP50Ms: 0, addedP99Ms: 0 }, { ...a, addedP50Ms: 0, addedP99Ms: 0 });
});

test('200 students at fan-out 4 fill the tree breadth first: 4 + 16 + 64 + 116, depth 4', () => {
  const m = modelClass(200);
  assert.is(m.depth, 4);
  assert.ok(m.addedP99Ms > m.addedP50Ms && m.addedP50Ms > 4 * 0.55 * 0.8, `${m.addedP50Ms} / ${m.addedP99Ms}`);
  // a relay's death takes its whole subtree's picture: the host's children carry the most
  assert.is(Math.max(...m.lost), 1 + 4 + 16 + 63);
  assert.is(m.lost.length, m.relays);
});

test('after any relay dies the planner places every orphan again under the host', () => {
  const plan = buildTree(60);
  for (const relay of ['s1', 's5', 's20']) {
    const after = buildTree(60);
    for (const orphan of after.remove(relay)) assert.ok(after.place(orphan) !== null, `${orphan} placed`);
    for (let i = 1; i <= 60; i++) if (`s${i}` !== relay) assert.ok(after.isRooted(`s${i}`), `s${i} rooted after ${relay} died`);
  }
  assert.is(plan.childrenOf('host').length, 4);
});

test.run();
