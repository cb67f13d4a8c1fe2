import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runArqOverChannel } from '../../node-agent/labs/arq-channel-run.js';
import { labCommand, type LabOutput } from '../../node-agent/labs/lab-command.js';
import { LoopbackLink } from '../../node-agent/labs/loopback-link.js';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: LabOutput = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
};

let dir = '';
test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'camvid-labs-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a 1 MB random file crosses the real data channel with 20 % loss byte-identical', async () => {
  const input = randomBytes(1024 * 1024);
  const send = path.join(dir, 'send.bin');
  const receive = path.join(dir, 'receive.bin');
  await writeFile(send, input);
  const { io, out, err } = capture();
  // A wide window keeps the run short: with 128-byte segments a stalled base costs one timeout.
  const code = await labCommand(
    ['arq', '--protocol', 'sr', '--window', '128', '--loss', '0.2', '--ack-loss', '0.05', '--timeout', '25', '--seed', '7', '--events', '10', send, receive],
    io,
  );
  assert.equal(err, []);
  assert.is(code, 0);
  assert.ok(input.equals(await readFile(receive)), 'receive.bin equals send.bin');
  const text = out.join('\n');
  assert.match(text, /identical ✓/);
  assert.match(text, /8192 segments/);
  const dropped = Number(/dropped: (\d+) data/.exec(text)?.[1]);
  const sent = Number(/data frames sent (\d+)/.exec(text)?.[1]);
  assert.ok(Math.abs(dropped / sent - 0.2) < 0.02, `about 20 % of the data frames were dropped (${dropped} of ${sent})`);
  assert.match(text, /more events not shown/);
});

test('Go-Back-N and Stop-and-Wait also deliver over the real channel with loss on data and ACKs', async () => {
  const link = await LoopbackLink.open();
  try {
    // Two runs on one link: distinct transfer ids keep late frames of the first out of the second.
    for (const [transferId, protocol, window] of [[1, 'gbn', 8], [2, 'sw', 1]] as const) {
      const data = randomBytes(protocol === 'gbn' ? 48 * 1024 : 8 * 1024);
      const run = await runArqOverChannel(
        { sender: link.a, receiver: link.b },
        { config: { protocol, window, timeout: 20, segmentSize: 512, transferId }, data, seed: 3, dataLoss: 0.2, ackLoss: 0.2, corruption: 0.05 },
      );
      assert.ok(Buffer.from(run.output).equals(data), `${protocol} output equals input`);
      assert.ok(run.stats.retransmissions > 0);
      assert.is(run.events.at(-1)!.kind, 'done');
      // Wall-clock timestamps never go backwards in the log.
      assert.ok(run.events.every((e, i) => i === 0 || e.t >= run.events[i - 1]!.t));
    }
  } finally {
    link.close();
  }
});

test('a missing input file is a clear error with exit code 2', async () => {
  const { io, out, err } = capture();
  const code = await labCommand(['arq', '--loss', '0.2', path.join(dir, 'nope.txt'), path.join(dir, 'out.txt')], io);
  assert.is(code, 2);
  assert.equal(out, []);
  assert.match(err.join('\n'), /cannot read the file to send ".*nope\.txt": no such file/);
});

test('bad lab arguments are refused with exit code 2 and a reason', async () => {
  const cases: [string[], RegExp][] = [
    [['arq', '--protocol', 'sr', '--window', '9', '--seq-bits', '4', 'a', 'b'], /half the sequence space/],
    [['arq', '--protocol', 'xx', 'a', 'b'], /--protocol/],
    [['arq', 'only-one-file'], /two files/],
    [['arq', '--loss', '1.5', 'a', 'b'], /--loss/],
    [['hamming'], /needs a text/],
    [['hamming', 'x', '--flip', '0:1+2'], /at most 1/],
    [['teleport'], /unknown lab/],
  ];
  for (const [argv, pattern] of cases) {
    const { io, err } = capture();
    assert.is(await labCommand(argv, io), 2, argv.join(' '));
    assert.match(err.join('\n'), pattern);
  }
  const help = capture();
  assert.is(await labCommand(['--help'], help.io), 0);
  assert.match(help.out.join('\n'), /camvid lab hamming/);
});

test('the hamming lab prints one row per codeword and the counts', async () => {
  const { io, out } = capture();
  assert.is(await labCommand(['hamming', 'Hé', '--secded', '--flip', '0:5,2:1+6'], io), 0);
  const text = out.join('\n');
  assert.match(text, /3 UTF-8 bytes/);
  assert.is(out.filter((l) => /^\s+\d+ /.test(l)).length, 6);
  assert.match(text, /DETECTED/);
  assert.match(text, /counts: 6 codewords, 3 flipped bits, 4 ok, 1 corrected, 1 detected/);
});

test('closing a loopback link right after it opens leaves nothing hanging', async () => {
  const link = await LoopbackLink.open();
  link.close();
  link.close();
  assert.ok(link.closed);
  assert.not.ok(link.a.send(new Uint8Array(4)), 'a closed link refuses to send');
});

test.run();
