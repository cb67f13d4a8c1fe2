/**
 * The room TXT record comes from anyone on the LAN: parseRoomTxt must turn every malformed record
 * into null (never throw), and accept exactly what encodeRoomTxt produces, as text or as bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { instanceName } from '../../protocol/common.js';
import { encodeRoomTxt, parseRoomTxt } from '../../protocol/txt.js';

const ID = '0123456789abcdef';
const GOOD = { v: '3', id: ID, room: 'Computer Networks', host: 'Prof. Ada', port: '4000' };
const PARSED = { v: 3, id: ID, room: 'Computer Networks', host: 'Prof. Ada', port: 4000 };
const bytes = (o: Record<string, string>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));
const without = (key: keyof typeof GOOD) => {
  const copy: Record<string, string> = { ...GOOD };
  delete copy[key];
  return copy;
};

test('a record made by encodeRoomTxt parses back to the same room', () => {
  const txt = encodeRoomTxt({ id: ID, room: 'Computer Networks', host: 'Prof. Ada', port: 4000 });
  assert.equal(txt, GOOD);
  assert.equal(parseRoomTxt(txt), PARSED);
});

test('values given as bytes (binary TXT decoding) parse like strings', () => {
  assert.equal(parseRoomTxt(bytes(GOOD)), PARSED);
  assert.equal(parseRoomTxt({ ...GOOD, room: new Uint8Array(Buffer.from('Réseaux')) }), { ...PARSED, room: 'Réseaux' });
});

test('unknown keys are dropped and never copied into the result', () => {
  assert.equal(parseRoomTxt({ ...GOOD, password: 'admin', key: 'x', extra: '' }), PARSED);
});

const ACCEPTED: Array<[string, Record<string, unknown>, Partial<typeof PARSED>]> = [
  ['the lowest port', { ...GOOD, port: '1' }, { port: 1 }],
  ['the highest port', { ...GOOD, port: '65535' }, { port: 65535 }],
  ['a room name of the maximum length', { ...GOOD, room: 'R'.repeat(64) }, { room: 'R'.repeat(64) }],
  ['a host name of one character', { ...GOOD, host: 'A' }, { host: 'A' }],
  ['non-Latin names', { ...GOOD, room: 'Réseaux 网络 🎓', host: 'Łukasz' }, { room: 'Réseaux 网络 🎓', host: 'Łukasz' }],
];

for (const [what, raw, diff] of ACCEPTED) {
  test(`a record with ${what} is accepted`, () => {
    assert.equal(parseRoomTxt(raw), { ...PARSED, ...diff });
  });
}

const REJECTED: Array<[string, unknown]> = [
  // not a record at all
  ['null', null],
  ['undefined', undefined],
  ['a string', 'v=1 id=0123456789abcdef'],
  ['a number', 42],
  ['a boolean', true],
  ['an empty object', {}],
  ['an empty array', []],
  ['an array of TXT strings', ['v=1', `id=${ID}`, 'room=R', 'host=H', 'port=4000']],
  ['a Buffer', Buffer.from('v=1')],
  ['a function', () => GOOD],
  // version
  ['no version', without('v')],
  ['version 0', { ...GOOD, v: '0' }],
  ['version 1 (before CPace)', { ...GOOD, v: '1' }],
  ['version 99', { ...GOOD, v: '99' }],
  ['an empty version', { ...GOOD, v: '' }],
  ['a text version', { ...GOOD, v: 'one' }],
  ['a negative version', { ...GOOD, v: '-1' }],
  ['a version given as a number, not text', { ...GOOD, v: 3 }],
  ['a version given as an object', { ...GOOD, v: { toString: () => '1' } }],
  // room id
  ['no room id', without('id')],
  ['an empty room id', { ...GOOD, id: '' }],
  ['a 15-character room id', { ...GOOD, id: ID.slice(1) }],
  ['a 17-character room id', { ...GOOD, id: `${ID}0` }],
  ['an upper-case room id', { ...GOOD, id: ID.toUpperCase() }],
  ['a room id with a non-hex character', { ...GOOD, id: `${ID.slice(0, 15)}g` }],
  ['a room id with a space', { ...GOOD, id: `${ID.slice(0, 15)} ` }],
  ['a megabyte room id', { ...GOOD, id: 'a'.repeat(1 << 20) }],
  ['a room id given as bytes of binary junk', { ...GOOD, id: Buffer.from([0xff, 0xfe, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) }],
  // room name
  ['no room name', without('room')],
  ['an empty room name', { ...GOOD, room: '' }],
  ['a room name one character too long', { ...GOOD, room: 'R'.repeat(65) }],
  ['a 10 kB room name', { ...GOOD, room: 'R'.repeat(10_000) }],
  ['a newline in the room name', { ...GOOD, room: 'Computer\nNetworks' }],
  ['a NUL byte in the room name', { ...GOOD, room: Buffer.from('Computer\u0000Networks') }],
  ['a DEL character in the room name', { ...GOOD, room: 'Computer\u007fNetworks' }],
  ['an escape sequence in the room name', { ...GOOD, room: '\u001b[2JPwned' }],
  ['a room name given as an array', { ...GOOD, room: ['Computer Networks'] }],
  // host name
  ['no host name', without('host')],
  ['an empty host name', { ...GOOD, host: '' }],
  ['a host name one character too long', { ...GOOD, host: 'H'.repeat(65) }],
  ['a tab in the host name', { ...GOOD, host: 'Prof.\tAda' }],
  ['a host name of null', { ...GOOD, host: null }],
  // port
  ['no port', without('port')],
  ['port 0', { ...GOOD, port: '0' }],
  ['port 65536', { ...GOOD, port: '65536' }],
  ['a negative port', { ...GOOD, port: '-4000' }],
  ['a fractional port', { ...GOOD, port: '4000.5' }],
  ['a text port', { ...GOOD, port: 'http' }],
  ['an empty port', { ...GOOD, port: '' }],
  ['a blank port', { ...GOOD, port: '   ' }],
  ['port NaN', { ...GOOD, port: 'NaN' }],
  ['port Infinity', { ...GOOD, port: 'Infinity' }],
  ['a huge port', { ...GOOD, port: '1e10' }],
  ['a port given as a number, not text', { ...GOOD, port: 4000 }],
];

for (const [what, raw] of REJECTED) {
  test(`a record with ${what} is rejected without throwing`, () => {
    let result: unknown;
    assert.not.throws(() => {
      result = parseRoomTxt(raw);
    });
    assert.is(result, null);
  });
}

test('the instance name shows the room name and the first 6 characters of its id', () => {
  assert.is(instanceName('Computer Networks', ID), 'Computer Networks (012345)');
});

test.run();
