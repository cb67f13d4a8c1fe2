/**
 * The command line a script can rely on: `camvid join … --get F` leaves and exits 0 once the file is
 * down (1 when a transfer failed), stays with `--stay`; a UI port someone else holds is named in
 * the error with the way out (`--ui-port`).
 */
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('a command line scripts can rely on');
let dir = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-cli-ready-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

async function hostSharing(): Promise<{ port: number; bytes: Buffer }> {
  mkdirSync(path.join(dir, 'share'));
  const bytes = randomBytes(600_000);
  writeFileSync(path.join(dir, 'share', 'notes.pdf'), bytes);
  const { port } = await ctx.cluster.startHost(['--share', path.join(dir, 'share')]);
  return { port, bytes };
}

test('join --get exits 0 once the file is down; a failed --get exits 1; --stay stays in the room', async () => {
  const { port, bytes } = await hostSharing();
  const once = ctx.cluster.startStudent('once', `127.0.0.1:${port}`, ['--get', 'notes.pdf', '--out', path.join(dir, 'once')]);
  assert.is(await once.exited, 0, once.output);
  assert.ok(readFileSync(path.join(dir, 'once', 'notes.pdf')).equals(bytes));

  const missing = ctx.cluster.startStudent('missing', `127.0.0.1:${port}`, ['--get', 'nothing.pdf', '--out', path.join(dir, 'missing')]);
  assert.is(await missing.exited, 1, missing.output);
  assert.match(missing.output, /error: FILE_NOT_FOUND/);

  const stays = ctx.cluster.startStudent('stays', `127.0.0.1:${port}`, ['--get', 'notes.pdf', '--out', path.join(dir, 'stays'), '--stay']);
  await stays.waitForLine(/^downloaded notes\.pdf → /, 60_000);
  const left = await Promise.race([stays.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 2_000))]);
  assert.is(left, false, 'still in the room 2 s after the download');
  assert.is(stays.exitCode, null);
});

test('a UI port in use: the error names the port and --ui-port, and the agent exits 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const agent = ctx.cluster.start('ui', ['--port', '0', '--ui-port', String(port)]);
    assert.is(await agent.exited, 1, agent.output);
    assert.match(agent.output, new RegExp(`The UI port ${port} is already in use.*--ui-port`));
    assert.not.match(agent.output, /EADDRINUSE/);
  } finally {
    blocker.close();
  }
});

test.run();
