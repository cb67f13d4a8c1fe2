/**
 * A peer's candidates on a planned edge (docs/protocol.md, "Addresses after the answer"): a
 * student who floods `signal {kind: candidate}` onto an edge the host planned for it, before the
 * description and after it, costs the other end a bounded queue and no more; the edge still comes
 * up with the real candidates, and the agent keeps running. Two real PeerLinks in one process, on
 * 127.0.0.1; the flood's candidates point at 127.0.0.1 ports nothing listens on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_REMOTE_CANDIDATES, PeerLink } from '../../node-agent/overlay/peer-link.js';
import type { SignalData } from '../../protocol/session.js';

const bogus = (i: number): SignalData => ({ kind: 'candidate', candidate: `a=candidate:${i} 1 UDP 2122317823 127.0.0.1 ${20000 + i} typ host`, mid: '0' });

function pair(kind: 'tree' | 'direct') {
  const parent = new PeerLink({ edge: `p>c#${kind}`, end: 'parent', peerId: 'c', kind, bindAddress: '127.0.0.1' });
  const child = new PeerLink({ edge: `p>c#${kind}`, end: 'child', peerId: 'p', kind, bindAddress: '127.0.0.1' });
  const opened = Promise.all([parent, child].map((l) => new Promise<void>((resolve, reject) => {
    l.once('open', () => resolve());
    l.once('closed', (why) => reject(new Error(`${l.opts.end} closed: ${why}`)));
  })));
  return { parent, child, opened };
}

test('a candidate flood before the description is capped; the edge comes up with the real ones', async () => {
  const { parent, child, opened } = pair('direct');
  try {
    // the flood reaches the answering end before the offer
    for (let i = 0; i < 5000; i++) child.handleSignal(bogus(i));
    assert.is(child.droppedCandidates, 5000 - MAX_REMOTE_CANDIDATES);
    // the real signalling, after it: the flooder's real candidates are dropped too (its queue is
    // full), and ICE still finds it from its checks (peer-reflexive), as with a withheld address
    parent.on('signal', (s) => child.handleSignal(s));
    child.on('signal', (s) => parent.handleSignal(s));
    await opened;
  } finally {
    parent.close();
    child.close();
  }
});

test('a candidate flood after the description is capped and closes nothing', async () => {
  const { parent, child, opened } = pair('direct');
  try {
    parent.on('signal', (s) => child.handleSignal(s));
    child.on('signal', (s) => parent.handleSignal(s));
    await opened;
    for (let i = 0; i < 5000; i++) parent.handleSignal(bogus(i));
    assert.ok(parent.droppedCandidates >= 5000 - MAX_REMOTE_CANDIDATES, `${parent.droppedCandidates} dropped`);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(parent.isOpen && child.isOpen, 'both ends still open');
  } finally {
    parent.close();
    child.close();
  }
});

test.run();
