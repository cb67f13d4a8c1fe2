/**
 * `--events --health-ms N`: a host prints its own event-loop delay, memory, descriptors and the
 * hello answers its signalling port queued; a student the same without the hellos; a bad value is
 * a usage error.
 */
import * as assert from 'uvu/assert';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('health lines');

interface Health {
  loopMs: { p50: number; p99: number; max: number; samples: number; over50: number };
  rssMiB: number;
  fds: number | null;
  hellos?: { waiting: number; peak: number; answered: number };
}

const health = (lines: string[]): Health[] =>
  lines.filter((l) => l.startsWith('event {"type":"health"')).map((l) => (JSON.parse(l.slice(6)) as { data: Health }).data);

test('host and student print health every N ms; the host counts the hellos it answered', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--health-ms', '200']);
  const s = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--health-ms', '200']);
  await s.waitForLine(/^joined /, 40_000);
  const h = await host.waitFor(() => health(host.lines).find((x) => (x.hellos?.answered ?? 0) >= 1), 10_000, 'a health line after the join');
  assert.ok(h.loopMs.p50 >= 0 && h.loopMs.p99 >= h.loopMs.p50 && h.loopMs.max >= h.loopMs.p99, JSON.stringify(h.loopMs));
  assert.ok(h.loopMs.samples > 0 && h.loopMs.over50 >= 0 && h.loopMs.over50 <= h.loopMs.samples, JSON.stringify(h.loopMs));
  assert.ok(h.rssMiB > 20 && h.rssMiB < 2000, `${h.rssMiB} MiB`);
  assert.ok((h.fds ?? 0) > 5, `${h.fds} fds`);
  assert.is(h.hellos!.waiting, 0);
  const mine = await s.waitFor(() => health(s.lines)[0], 10_000, "the student's health line");
  assert.is(mine.hellos, undefined);
  const bad = ctx.cluster.start('bad', ['host', '--password', 'secret', '--port', '0', '--no-ui', '--events', '--health-ms', '5']);
  assert.is(await bad.exited, 2);
  assert.match(bad.output, /--health-ms must be a whole number/);
});

test.run();
