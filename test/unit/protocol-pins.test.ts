import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../protocol/errors.js';
import { PROTOCOL_VERSION, SERVICE_TYPE } from '../../protocol/version.js';
import { parseRoomTxt, encodeRoomTxt } from '../../protocol/txt.js';
import { memberMessage, hostMessage } from '../../protocol/session.js';
import { CamvidError } from '../../protocol/errors.js';

// Changing any of these is a protocol change: bump PROTOCOL_VERSION and update docs/protocol.md.
test('the protocol version and service type are pinned', () => {
  assert.is(PROTOCOL_VERSION, 3);
  assert.is(SERVICE_TYPE, 'camvid');
});

test('the error codes are pinned', () => {
  assert.equal(Object.keys(ERROR_CODES).sort(), [
    'ALREADY_IN_ROOM', 'BAD_AUDIO', 'BAD_DATA', 'BAD_MAIL', 'BAD_MESSAGE', 'BAD_PASSWORD', 'BAD_UPLOAD', 'CHAT_MUTED', 'CLOSED', 'DATA_IN_USE', 'DISK_FULL', 'FILE_NOT_FOUND', 'IDENTITY_REFUSED', 'MAIL_FAILED', 'MISSING_TOOL', 'NOT_INVITED', 'NOT_IN_ROOM', 'NOT_LISTENING',
    'PATH_OUTSIDE_SHARE', 'POLL_ANSWERED', 'POLL_CLOSED', 'REMOVED', 'ROOM_FULL', 'ROOM_NOT_FOUND', 'THROTTLED', 'TIMEOUT', 'TOO_LARGE', 'UNREACHABLE', 'VERSION_MISMATCH',
  ]);
  for (const [k, v] of Object.entries(ERROR_CODES)) assert.is(k, v);
});

test('TXT numbers must be plain digits', () => {
  const good = encodeRoomTxt({ id: '0123456789abcdef', room: 'Computer Networks', host: 'Prof', port: 7710 });
  assert.ok(parseRoomTxt(good));
  for (const port of ['0x1E16', '7e3', ' 7710', '7710.0', '-1', '65536']) assert.is(parseRoomTxt({ ...good, port }), null, port);
  for (const v of ['1.0', '0x1', ' 1']) assert.is(parseRoomTxt({ ...good, v }), null, v);
});

const KEY = `${'B'.repeat(43)}=`;
const SIG = `${'C'.repeat(86)}==`;

test('session validators refuse unknown types, missing fields and prototype keys with BAD_MESSAGE', () => {
  const bad: unknown[] = [
    null, 42, 'join', [], {}, { type: 'nope' }, { type: '__proto__' }, { type: 'toString' },
    { type: 'join', name: '', key: KEY, sig: SIG }, { type: 'join', name: 'a\nb', key: KEY, sig: SIG },
    { type: 'join', name: 'ok', key: 'XYZ!', sig: SIG }, { type: 'join', name: 'ok', peerId: '0123456789abcdef' }, { type: 'join', name: 'ok', key: KEY }, { type: 'signal', edge: 'x', peer: '0123456789abcdef', data: {} },
    { type: 'edge', edge: 'aa>bb#1', state: 'weird' },
  ];
  for (const v of bad) {
    try {
      memberMessage(v);
      assert.unreachable(`accepted ${JSON.stringify(v)}`);
    } catch (err) {
      assert.instance(err, CamvidError);
      assert.is((err as CamvidError).code, 'BAD_MESSAGE');
    }
  }
  const ok = hostMessage({ type: 'attach', edge: 'aa>bb#1', parentId: '0123456789abcdef', extra: 'dropped' });
  assert.equal(ok, { type: 'attach', edge: 'aa>bb#1', parentId: '0123456789abcdef' });
});

test.run();
