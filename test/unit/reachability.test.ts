/** The host's book of which students reach each other (client isolation, node-agent/overlay/reachability.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { networkOf, Reachability } from '../../node-agent/overlay/reachability.js';

const book = (members: Record<string, string>): Reachability => {
  const r = new Reachability();
  for (const [id, address] of Object.entries(members)) r.setAddress(id, address);
  return r;
};
const WIFI = { a: '10.0.0.11', b: '10.0.0.12', c: '10.0.0.13', d: '10.0.0.14', e: '10.0.0.15' };

test('networks: IPv4 /24 (mapped too), IPv6 /64, anything else itself', () => {
  assert.is(networkOf('10.1.2.3'), '10.1.2.0/24');
  assert.is(networkOf('::ffff:10.1.2.3'), '10.1.2.0/24');
  assert.is(networkOf('fe80::1:2%eth0'), 'fe80:0:0:0::/64');
  assert.is(networkOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.is(networkOf('2001:db8:1:2::9'), '2001:db8:1:2::/64');
  assert.is(networkOf('weird'), 'weird');
});

test('an isolating Wi-Fi: two failed pairs with no member in common isolate the network; everyone needs the host', () => {
  const r = book(WIFI);
  assert.not.ok(r.failed('a', 'c'), 'one failure blames nobody but the pair');
  assert.not.ok(r.canServe('a', 'c'), 'the failed pair is not planned again, either way round');
  assert.not.ok(r.canServe('c', 'a'));
  assert.ok(r.canServe('b', 'c'), 'others still may');
  assert.not.ok(r.needsHost('c'));
  assert.ok(r.constrained('c'), 'but c has failed once: under the host when nothing else is free');
  assert.not.ok(r.constrained('d'));
  assert.ok(r.failed('b', 'd'), 'a second failure between other members: the network');
  for (const id of Object.keys(WIFI)) assert.ok(r.needsHost(id), `${id} needs the host`);
  assert.not.ok(r.canServe('b', 'e'), 'no edge inside the network is planned');
  assert.not.ok(r.proven('a', 'b'));
});

test('one student (broken or hostile) failing with everyone is blamed alone: never a parent, served by the host, the class untouched', () => {
  const r = book(WIFI);
  assert.not.ok(r.failed('a', 'e'));
  assert.not.ok(r.failed('b', 'e'), 'both failures share e: not the network');
  assert.not.ok(r.failed('e', 'c'));
  assert.ok(r.unreachable('e'));
  assert.ok(r.needsHost('e'));
  assert.not.ok(r.canServe('e', 'd'), 'e is no one’s parent');
  assert.ok(r.canServe('a', 'b'));
  assert.not.ok(r.needsHost('a'));
});

test('one edge that connects proves the network for good: later failures only block their pairs', () => {
  const r = book(WIFI);
  r.failed('a', 'c');
  r.connected('b', 'c');
  assert.ok(r.proven('a', 'd'), 'the same network');
  assert.not.ok(r.failed('d', 'e'));
  assert.not.ok(r.failed('b', 'a'));
  assert.not.ok(r.needsHost('d'));
  assert.not.ok(r.canServe('d', 'e'));
  assert.ok(r.canServe('c', 'e'));
  assert.not.ok(r.unreachable('c'), 'c connected once: never unreachable');
});

test('networks are judged in pairs: an isolated Wi-Fi does not cut it off from the wired lab', () => {
  const r = book({ ...WIFI, w1: '192.168.5.10', w2: '192.168.5.11' });
  r.connected('w1', 'a'); // wired relay → Wi-Fi student works
  r.failed('a', 'c');
  r.failed('b', 'd');
  assert.ok(r.needsHost('a'), 'the Wi-Fi is isolated within itself');
  assert.ok(r.canServe('w1', 'c'), 'a wired relay still serves the Wi-Fi');
  assert.ok(r.canServe('w1', 'w2'));
  assert.not.ok(r.needsHost('w1'));
});

test('the host takes a student only when no connected classmate may serve it; one failed pair alone waits', () => {
  const r = book(WIFI);
  const all = () => Object.keys(WIFI);
  assert.not.ok(r.noClassmateServes('c', all), 'nothing learned: it waits for a place');
  r.failed('a', 'c');
  assert.not.ok(r.noClassmateServes('c', all), 'b, d, e may still serve it');
  assert.ok(r.noClassmateServes('c', () => ['a', 'c']), 'only the parent it failed with is connected: the host');
  r.failed('b', 'c');
  assert.ok(r.noClassmateServes('c', all), 'unreachable: the host, whoever is connected');
});

test.run();
