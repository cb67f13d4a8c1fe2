import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../helpers/agents.js';

const test = suite('uploads to the instructor');
let cluster: Cluster;
let dir: string;
test.before.each(() => {
  cluster = new Cluster();
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-up-'));
});
test.after.each(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a student hands in files: they land in the host’s uploads/<name>-<peer id>/ byte for byte, never overwriting, and too large is refused', async () => {
  const { agent: host, port } = await cluster.startHost(['--upload-cap', '2']);
  const hostData = host.child.spawnargs[host.child.spawnargs.indexOf('--data') + 1]!;
  const homework = path.join(dir, 'homework.pdf');
  const bytes = randomBytes(1024 * 1024 + 17);
  writeFileSync(homework, bytes);
  const tooBig = path.join(dir, 'video.mp4');
  writeFileSync(tooBig, randomBytes(3 * 1024 * 1024));
  const s = cluster.startStudent('Ada Lovelace', `127.0.0.1:${port}`, ['--put', homework, '--put', homework, '--put', tooBig]);
  await s.waitForLine(/^uploaded .*homework\.pdf → Ada Lovelace\/homework \(1\)\.pdf/, 60_000);
  // Too large is TOO_LARGE with the host's limit in its message, not FILE_NOT_FOUND or a generic error.
  const [refusal] = await s.waitForLine(/^error: \S+: .*upload limit.*$/, 30_000);
  assert.is(refusal, "error: TOO_LARGE: The file is larger than the instructor's upload limit of 2 MB; send a smaller file.");
  assert.not.ok(s.lines.some((l) => /FILE_NOT_FOUND/.test(l)), 'no FILE_NOT_FOUND');
  await host.waitFor(() => host.lines.filter((l) => l.startsWith('event {"type":"uploaded"')).length === 2, 10_000, 'the host saw both arrive');
  for (const name of ['homework.pdf', 'homework (1).pdf']) {
    assert.ok(readFileSync(path.join(hostData, 'uploads', `Ada Lovelace-${s.peerId()}`, name)).equals(bytes), name);
  }
});

test.run();
