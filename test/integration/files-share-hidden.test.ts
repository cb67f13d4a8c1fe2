/**
 * A classroom's share as a careless instructor sets it up: the shared folder holds their SSH key
 * and the agent's own data folder (the room key, the UI token). Students must see neither, get
 * neither, and cannot even tell them from names that do not exist.
 */
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from '../../node-agent/agent.js';
import type { CamvidError } from '../../protocol/errors.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('a share never serves dot-files or the agent’s data folder');
let dir: string;
let share: string;
let student: Agent | null = null;
const notes = randomBytes(300 * 1024 + 5);
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-hidden-'));
  share = path.join(dir, 'home');
  mkdirSync(path.join(share, '.ssh'), { recursive: true });
  writeFileSync(path.join(share, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  mkdirSync(path.join(share, 'course'));
  writeFileSync(path.join(share, 'course', 'notes.pdf'), notes);
});
test.after.each(async () => {
  await student?.close();
  student = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A student agent in this process, joined to the host at `port`. */
async function joinAt(port: number): Promise<Agent> {
  student = await Agent.start({ dataDir: path.join(dir, 'student'), port: 0, mdns: false, listenHost: '127.0.0.1', bindAddress: '127.0.0.1' });
  const room = await student.join({ name: 'Eve', password: 'secret', address: `127.0.0.1:${port}` });
  await room.member.whenJoined();
  return student;
}

const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: CamvidError) => err.code);

test('a student lists, gets and probes neither the key nor the data folder; an ordinary file downloads', async () => {
  // The data folder inside the share under a name without a dot: only the data-folder rule hides it.
  const data = path.join(share, 'camvid-data');
  const { port } = await ctx.cluster.startHost(['--share', share, '--data', data]);
  assert.ok(existsSync(path.join(data, 'hosted-room.json')), 'the room key is in the shared folder');

  const out = path.join(dir, 'out');
  const cli = ctx.cluster.startStudent('Mallory', `127.0.0.1:${port}`, [
    '--out', out, '--get', '.ssh/id_ed25519', '--get', 'camvid-data/hosted-room.json', '--get', '.ssh/nothing', '--get', 'course/notes.pdf',
  ]);
  await cli.waitForLine(/^downloaded course\/notes\.pdf → /, 60_000);
  const errors = cli.lines.filter((l) => l.startsWith('error: '));
  assert.equal(errors, [
    'error: FILE_NOT_FOUND: No such file or folder in the share: .ssh/id_ed25519',
    'error: FILE_NOT_FOUND: No such file or folder in the share: camvid-data/hosted-room.json',
    'error: FILE_NOT_FOUND: No such file or folder in the share: .ssh/nothing',
  ]);
  assert.ok(readFileSync(path.join(out, 'notes.pdf')).equals(notes), 'the ordinary file, byte for byte');
  assert.not.ok(existsSync(path.join(out, 'id_ed25519')));
  assert.not.ok(existsSync(path.join(out, 'hosted-room.json')));

  const files = (await joinAt(port)).features.files;
  assert.equal((await files.list('')).map((e) => e.name), ['course']);
  for (const p of ['.ssh', 'camvid-data', '.ssh/id_ed25519']) assert.is(await code(files.list(p)), 'FILE_NOT_FOUND', `list ${p}`);
  for (const p of ['.ssh/id_ed25519', 'camvid-data/hosted-room.json', 'camvid-data/db/CURRENT']) {
    assert.is(await code(files.manifest(p)), 'FILE_NOT_FOUND', `manifest ${p}`);
  }
});

test('--share-dot-files serves the dot-files the instructor asked for, and still never the data folder', async () => {
  const data = path.join(share, '.camvid');
  const { port } = await ctx.cluster.startHost(['--share', share, '--share-dot-files', '--data', data]);
  const files = (await joinAt(port)).features.files;
  assert.equal((await files.list('')).map((e) => e.name), ['.ssh', 'course']);
  assert.is(await code(files.list('.camvid')), 'FILE_NOT_FOUND');
  assert.is(await code(files.manifest('.camvid/hosted-room.json')), 'FILE_NOT_FOUND');
  const got = await files.download('.ssh/id_ed25519', path.join(dir, 'out')).run();
  assert.is(readFileSync(got.out, 'utf8'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
});

test.run();
