/**
 * The room password kept out of `ps`: `--password-stdin` and `CAMVID_PASSWORD` for `camvid host` and
 * `camvid join` (real processes), the note for `--password`, and the host's weak-password warning.
 */
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { ROOT } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('room password from stdin or the environment');
const STRONG = 'correct horse battery staple';
const HOST_ARGS = ['host', '--name', 'Prof', '--port', '0', '--ui-port', '0', '--no-ui', '--events'];
const joinArgs = (port: number, name: string) => ['join', '--address', `127.0.0.1:${port}`, '--name', name, '--port', '0', '--events'];
const withEnv = (env: Record<string, string>) => (cmd: string, args: string[]) =>
  spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...env } });

test('host --password-stdin, join with CAMVID_PASSWORD and join --password-stdin --stdin: all in, nothing in ps', async () => {
  const host = ctx.cluster.start('host', [...HOST_ARGS, '--password-stdin']);
  host.child.stdin!.write(`${STRONG}\n`);
  const [, port] = await host.waitForLine(/^hosting .* on port (\d+)/);
  assert.not.ok(host.child.spawnargs.join(' ').includes(STRONG));

  const byEnv = ctx.cluster.start('Ada', joinArgs(Number(port), 'Ada'), { spawner: withEnv({ CAMVID_PASSWORD: STRONG }) });
  await byEnv.waitForLine(/^joined "/, 30_000);

  // The password is the first line; the --stdin commands follow it on the same input.
  const byStdin = ctx.cluster.start('Bob', [...joinArgs(Number(port), 'Bob'), '--password-stdin', '--stdin']);
  byStdin.child.stdin!.write(`${STRONG}\nsay hello from Bob\n`);
  await byStdin.waitForLine(/^joined "/, 30_000);
  await host.waitFor(() => host.chat.some((r) => r.text === 'hello from Bob'), 15_000, 'the command after the password line');

  for (const a of [host, byEnv, byStdin]) {
    assert.not.ok(a.lines.some((l) => l.startsWith('note: ') || l.startsWith('warning: ')), `${a.name}: no note, no warning:\n${a.output}`);
  }
  // The wrong password from the environment is refused like any other.
  const wrong = ctx.cluster.start('Eve', joinArgs(Number(port), 'Eve'), { spawner: withEnv({ CAMVID_PASSWORD: 'not it at all' }) });
  assert.is(await wrong.exited, 1);
  assert.match(wrong.output, /error: BAD_PASSWORD/);
});

test('--password on the command line says it shows in ps; a weak room password gets a warning', async () => {
  const host = ctx.cluster.start('host', [...HOST_ARGS, '--password', 'abc123']);
  await host.waitForLine(/^hosting /);
  assert.ok(host.lines.includes('note: a password given with --password is visible to other users of this machine (ps); use --password-stdin or CAMVID_PASSWORD instead'), host.output);
  assert.ok(host.lines.some((l) => /^warning: This password is weak \(shorter than 8 characters, or "admin"\)/.test(l)), host.output);

  const strong = ctx.cluster.start('host2', [...HOST_ARGS], { spawner: withEnv({ CAMVID_PASSWORD: STRONG }) });
  await strong.waitForLine(/^hosting /);
  assert.not.ok(strong.lines.some((l) => l.startsWith('warning: ')), strong.output);
});

test('usage errors: both --password and --password-stdin; a join with no password at all', async () => {
  const both = ctx.cluster.start('both', [...HOST_ARGS, '--password', STRONG, '--password-stdin']);
  assert.is(await both.exited, 2);
  assert.match(both.output, /not both/);
  const none = ctx.cluster.start('none', joinArgs(1, 'Nobody'), { spawner: withEnv({ CAMVID_PASSWORD: '' }) });
  assert.is(await none.exited, 2);
  assert.match(none.output, /join needs the room password/);
});

test.run();
