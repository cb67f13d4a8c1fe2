/**
 * The agent's identity key: kept in its data folder (0600) and the same after a restart; the peer
 * id is derived from it; a session proof verifies only for its own key and its own session; a
 * damaged key file is BAD_DATA. Unique display names and the upload folder names ride on it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentIdentity, IDENTITY_FILE, peerIdOf, verifySessionProof } from '../../node-agent/auth/agent-identity.js';
import { foldName, uniqueName } from '../../node-agent/overlay/unique-name.js';
import { parseStudentFolder, studentFolderName } from '../../node-agent/files/student-folder.js';
import { CamvidError } from '../../protocol/errors.js';
import { MAX_NAME_LENGTH } from '../../protocol/version.js';
import { codeOf } from '../helpers/error-code.js';

let dir: string;
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-identity-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test('made once, kept 0600 in the data folder, the same key and peer id after a restart', async () => {
  const first = await AgentIdentity.load(dir);
  const file = path.join(dir, IDENTITY_FILE);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const again = await AgentIdentity.load(dir);
  assert.is(again.publicKey, first.publicKey);
  assert.is(again.peerId, first.peerId);
  assert.match(first.peerId, /^[0-9a-f]{16}$/);
  assert.is(first.peerId, peerIdOf(first.publicKey));
  const other = await AgentIdentity.load(mkdtempSync(path.join(dir, 'other-')));
  assert.is.not(other.peerId, first.peerId);
  assert.ok(readFileSync(file, 'utf8').length > 40);
});

test('a damaged key file is BAD_DATA, and the file is left for the person to look at', async () => {
  const file = path.join(dir, IDENTITY_FILE);
  writeFileSync(file, 'not a key\n', { mode: 0o600 });
  const err = await AgentIdentity.load(dir).then(() => null, (e: CamvidError) => e);
  assert.is(err?.code, 'BAD_DATA');
  assert.match(err!.message, IDENTITY_FILE);
  assert.is(readFileSync(file, 'utf8'), 'not a key\n');
});

test('a session proof verifies for its key and session only: another key, another session, a bent byte are IDENTITY_REFUSED', () => {
  const ann = new AgentIdentity();
  const mallory = new AgentIdentity();
  const session = randomBytes(64);
  const proof = ann.proveSession(session);
  assert.is(verifySessionProof(ann.publicKey, proof, session), ann.peerId);
  // Mallory names Ann's key but can only sign with her own.
  assert.is(codeOf(() => verifySessionProof(ann.publicKey, mallory.proveSession(session), session)), 'IDENTITY_REFUSED');
  // Ann's proof from another session (recorded, replayed) is worth nothing here.
  assert.is(codeOf(() => verifySessionProof(ann.publicKey, proof, randomBytes(64))), 'IDENTITY_REFUSED');
  const bent = Buffer.from(proof, 'base64');
  bent[10]! ^= 1;
  assert.is(codeOf(() => verifySessionProof(ann.publicKey, bent.toString('base64'), session)), 'IDENTITY_REFUSED');
  // Not a key at all: 32 bytes that are no curve point, and the wrong length.
  assert.is(codeOf(() => verifySessionProof(Buffer.alloc(32, 0xff).toString('base64'), proof, session)), 'IDENTITY_REFUSED');
  assert.is(codeOf(() => verifySessionProof(Buffer.alloc(16).toString('base64'), proof, session)), 'IDENTITY_REFUSED');
  // The host's signature on a record is not a join proof (different label).
  assert.is(codeOf(() => verifySessionProof(ann.publicKey, ann.sign(session), session)), 'IDENTITY_REFUSED');
});

test('display names are unique in a room after folding case, width and spaces; long names stay within the limit', () => {
  assert.is(uniqueName('Ann', ['Prof']), 'Ann');
  assert.is(uniqueName('Ann', ['Prof', 'Ann']), 'Ann (2)');
  assert.is(uniqueName('ann ', ['Ann', 'Ann (2)']), 'ann (3)');
  assert.is(uniqueName('Ａｎｎ', ['Ann']), 'Ａｎｎ (2)');
  assert.is(foldName(' ANN '), 'ann');
  assert.is(uniqueName('Ann (2)', ['Ann', 'Ann (2)']), 'Ann (2) (2)');
  const long = '😀'.repeat(MAX_NAME_LENGTH / 2);
  const cut = uniqueName(long, [long]);
  assert.ok(cut.length <= MAX_NAME_LENGTH, `${cut.length} UTF-16 units`);
  assert.ok(cut.endsWith(' (2)'));
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), 'no surrogate half left');
});

test('upload folders are named for the person and filed by peer id; the name cannot reach another folder', () => {
  const id = '0123456789abcdef';
  assert.is(studentFolderName('Ann', id), `Ann-${id}`);
  assert.equal(parseStudentFolder(`Ann-${id}`), { name: 'Ann', peerId: id });
  assert.equal(parseStudentFolder(`x-y-${id}`), { name: 'x-y', peerId: id });
  assert.is(parseStudentFolder('Ann'), null);
  assert.is(parseStudentFolder('.partial'), null);
  // A name with a slash, or named like another student's folder, stays one folder of its own id.
  const sneaky = studentFolderName(`x/Ann-${'f'.repeat(16)}`, id);
  assert.not.match(sneaky, '/');
  assert.is(parseStudentFolder(sneaky)?.peerId, id);
  const long = studentFolderName('é'.repeat(300), id);
  assert.ok(Buffer.byteLength(long) <= 255, `${Buffer.byteLength(long)} bytes`);
  assert.is(parseStudentFolder(long)?.peerId, id);
});

test.run();
