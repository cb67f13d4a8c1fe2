/**
 * The instructor's agent dies (`kill -9`) mid-class and is started again with `--resume` on the
 * same data folder: the same room id, port and UI link come back, the students' agents re-enter
 * by themselves (nobody types the password), and the chat carries on where it stopped.
 */
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Agent } from '../../node-agent/agent.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('the class survives the instructor restarting');

const HOST_ARGS = ['host', '--password', 'secret', '--name', 'Prof', '--port', '0', '--ui-port', '0', '--events', '--stdin'];

test('kill -9 of the host, then host --resume: same room id, port and UI link; students come back and the chat goes on', async () => {
  const data = ctx.cluster.dataDir();
  const first = ctx.cluster.start('host', [...HOST_ARGS, '--room', 'Computer Networks', '--data', data]);
  const [, roomId, port] = await first.waitForLine(/^hosting "Computer Networks" \((\w+)\) on port (\d+)/);
  const [, url] = await first.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  const ann = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--stdin']);
  await ann.waitForLine(/^joined "Computer Networks" as Ann/, 30_000);
  first.command('say before the crash');
  await ann.waitFor(() => ann.chat.some((r) => r.text === 'before the crash'), 15_000, 'Ann has the first message');

  await first.kill('SIGKILL');
  assert.ok(existsSync(path.join(data, 'hosted-room.json')), 'the room is kept for a resume');
  await ann.waitForLine(/^the instructor is not answering; waiting for the room to come back/, 15_000);

  // The UI port is fixed in real use (7700); here the first one was any free port: ask for it again.
  const uiPort = new URL(url!).port;
  const again = ctx.cluster.start('host-again', ['host', '--resume', '--port', '0', '--ui-port', uiPort, '--events', '--stdin', '--data', data]);
  const [, roomId2, port2] = await again.waitForLine(/^hosting "Computer Networks" \((\w+)\) on port (\d+)/, 30_000);
  const [, url2] = await again.waitForLine(/^CAMVID UI: (\S+)/, 30_000);
  assert.is(roomId2, roomId, 'same room id');
  assert.is(port2, port, 'same port, so the students find it where it was');
  assert.is(url2, url, 'same UI link: open pages reconnect by themselves');

  await ann.waitForLine(/^joined "Computer Networks" as Ann again/, 30_000);
  again.command('say after the restart');
  ann.command('say I am back');
  await ann.waitFor(() => ann.chat.some((r) => r.text === 'after the restart'), 15_000, 'Ann has the message after the restart');
  await again.waitFor(() => again.chat.some((r) => r.text === 'I am back'), 15_000, 'the host has Ann’s message');
  const seqs = ann.chat.map((r) => r.seq);
  assert.equal(seqs, [...seqs].sort((a, b) => a - b), 'one ordered history');
  const first1 = ann.chat.find((r) => r.text === 'before the crash')!;
  const later = ann.chat.find((r) => r.text === 'after the restart')!;
  assert.ok(later.seq > first1.seq, `the sequence continued (${first1.seq} → ${later.seq})`);
});

test('a student blocked for the lecture stays blocked when the lecture is resumed after a kill -9; others come back', async () => {
  const data = ctx.cluster.dataDir();
  const first = ctx.cluster.start('host', [...HOST_ARGS, '--no-ui', '--room', 'Computer Networks', '--data', data]);
  const [, , port] = await first.waitForLine(/^hosting "Computer Networks" \((\w+)\) on port (\d+)/);
  const address = `127.0.0.1:${port}`;
  const eveData = ctx.cluster.dataDir();
  const eve = ctx.cluster.startStudent('Eve', address, ['--data', eveData]);
  const ann = ctx.cluster.startStudent('Ann', address);
  await eve.waitForLine(/^joined "Computer Networks" as Eve/, 30_000);
  await ann.waitForLine(/^joined "Computer Networks" as Ann/, 30_000);
  first.command('block Eve');
  assert.is(await eve.exited, 1);
  assert.match(eve.output, /REMOVED: The instructor removed you from this lecture: you cannot join it again until it ends/);

  await first.kill('SIGKILL');
  const again = ctx.cluster.start('host-again', ['host', '--resume', '--port', '0', '--no-ui', '--events', '--stdin', '--data', data]);
  await again.waitForLine(/^hosting "Computer Networks"/, 30_000);
  await ann.waitForLine(/^joined "Computer Networks" as Ann again/, 30_000);
  const eveAgain = ctx.cluster.startStudent('Eve', address, ['--data', eveData]);
  assert.is(await eveAgain.exited, 1, 'the same agent, with the password, is still refused');
  assert.match(eveAgain.output, /cannot join it again until it ends/);
});

test('host --resume with nothing to resume says so; ending the class (leave) removes what resume would use', async () => {
  const data = ctx.cluster.dataDir();
  const none = ctx.cluster.start('nothing', ['host', '--resume', '--port', '0', '--no-ui', '--data', data]);
  assert.is(await none.exited, 1);
  assert.match(none.output, /ROOM_NOT_FOUND: There is no room to resume/);

  const host = ctx.cluster.start('host', [...HOST_ARGS, '--no-ui', '--data', data]);
  await host.waitForLine(/^hosting /);
  assert.ok(existsSync(path.join(data, 'hosted-room.json')));
  await host.kill('SIGTERM'); // a clean stop keeps the room resumable too
  assert.ok(existsSync(path.join(data, 'hosted-room.json')), 'a stop that did not end the class keeps the room');
});

test('in the agent: the start page learns of a resumable room; Resume brings it back; Leave (ending the class) forgets it', async () => {
  const dataDir = ctx.cluster.dataDir();
  const opts = { dataDir, port: 0, mdns: false, listenHost: '127.0.0.1', bindAddress: '127.0.0.1' };
  const a = await Agent.start(opts);
  assert.is(a.state().resumable, null);
  const room = await a.host({ room: 'Networks', password: 'secret', name: 'Prof' });
  await a.close(); // stopped, not ended

  const b = await Agent.start(opts);
  try {
    assert.equal(b.state().resumable, { id: room.info.id, name: 'Networks' });
    await b.handle({ id: 1, type: 'host-resume' });
    assert.is(b.state().room?.id, room.info.id);
    assert.is(b.state().resumable, null, 'in the room, nothing to resume');
    await b.handle({ id: 2, type: 'leave' });
    assert.ok(!existsSync(path.join(dataDir, 'hosted-room.json')), 'ending the class forgets the room');
    const err = await b.resume().then(() => null, (e: { code: string }) => e);
    assert.is(err?.code, 'ROOM_NOT_FOUND');
  } finally {
    await b.close();
  }
});

test.run();
