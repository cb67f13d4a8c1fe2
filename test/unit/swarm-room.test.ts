/**
 * The pure parts of rooms over the swarm: the room code people type, the topic (needs the code and
 * the password: neither alone gives it), and one list entry per room reachable both ways.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeRooms } from '../../node-agent/discovery/room-list.js';
import { roomTopic } from '../../node-agent/swarm/room-swarm.js';
import { CamvidError } from '../../protocol/errors.js';
import { formatRoomCode, parseRoomCode } from '../../protocol/swarm.js';

const test = suite('swarm rooms: code, topic, list');
const ID = '0123456789abcdef';

test('a room code is the room id in groups of four; typing it with or without dashes, spaces or capitals works', () => {
  assert.is(formatRoomCode(ID), '0123-4567-89ab-cdef');
  for (const typed of ['0123-4567-89ab-cdef', '0123456789ABCDEF', ' 0123 4567 89ab cdef ']) assert.is(parseRoomCode(typed), ID);
  for (const bad of ['', '0123-4567', '0123456789abcdeg', '0123456789abcdef0', 'room']) {
    try {
      parseRoomCode(bad);
      assert.unreachable(`accepted "${bad}"`);
    } catch (err) {
      assert.ok(err instanceof CamvidError && err.code === 'BAD_MESSAGE', `"${bad}": ${err}`);
    }
  }
});

test('the topic is 32 bytes, follows the room id, and holds nothing of the password (no offline verifier)', () => {
  const t = roomTopic(ID);
  assert.is(t.length, 32);
  assert.equal(roomTopic(ID), t, 'both sides compute the same topic');
  assert.not.equal(roomTopic('fedcba9876543210'), t, 'another room, another topic');
  // The v1 topic hashed in the password-derived room key: with the code, a topic seen on the DHT
  // checked password guesses offline. The function no longer takes anything the password makes.
  assert.is(roomTopic.length, 1, 'roomTopic(roomId) alone');
});

test('a room seen on the LAN and found on the swarm is listed once, with both ways and its LAN address', () => {
  const lan = [
    { id: ID, name: 'Computer Networks', hostName: 'Prof', address: '10.0.0.5', port: 7710 },
    { id: 'aaaaaaaaaaaaaaaa', name: 'Algebra', hostName: 'Emmy', address: '10.0.0.6', port: 7710 },
  ];
  const swarm = [
    { id: ID, name: 'Computer Networks', hostName: 'Prof' },
    { id: 'bbbbbbbbbbbbbbbb', name: 'Remote Lab', hostName: 'Ada' },
  ];
  assert.equal(mergeRooms(lan, swarm), [
    { id: 'aaaaaaaaaaaaaaaa', name: 'Algebra', hostName: 'Emmy', address: '10.0.0.6', port: 7710, via: ['lan'] },
    { id: ID, name: 'Computer Networks', hostName: 'Prof', address: '10.0.0.5', port: 7710, via: ['lan', 'swarm'] },
    { id: 'bbbbbbbbbbbbbbbb', name: 'Remote Lab', hostName: 'Ada', via: ['swarm'] },
  ]);
});

test.run();
