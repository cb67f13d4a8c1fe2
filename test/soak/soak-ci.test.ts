/**
 * CI's soak (issue 10): the `npm run soak` scenario for 2 minutes instead of 10. 1 host + 20
 * students, each in its own network namespace, 20 ms delay and 2% loss on every link, testsrc
 * video, chat from everyone, a file every student downloads, a hostile neighbour, and a relay's
 * cable pulled and plugged back every minute. Afterwards every chat history must be complete and
 * identical to the host's, every downloaded file must hash right, every student must have video,
 * nothing may be lost or duplicated, and every cut must have been recovered from. No timing is
 * asserted (the figures are printed); memory growth is judged by the 10-minute `npm run soak`.
 *
 * @camvid-timeout-s 600 (scripts/run-tests.mjs: set-up of 20 agents, 2 minutes, settling, teardown)
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canUseNetns, impairSupport } from '../../scripts/netns/netns-lab.js';
import { runSoak, SOAK_DEFAULTS } from '../../scripts/soak/soak-run.js';
import { judgeSoak, soakDiagnostics, soakMarkdown } from '../../scripts/soak/soak-report.js';
import { requireCapability } from '../helpers/require.js';

test('2-minute soak across namespaces: complete identical chat, right file hashes, video everywhere, nothing lost', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability(`link impairment (${impairSupport().reason})`, impairSupport().method !== null)) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', spawnSync('ffmpeg', ['-version']).status === 0)) return;
  // The 10-minute load, lighter on chat and the file so 2 cores shared with other tests cope.
  const run = await runSoak({ ...SOAK_DEFAULTS, minutes: 2, chatPerSecond: 3, fileMb: 4, settleSeconds: 90, log: (l) => console.log(`    ${l}`) });
  const verdict = judgeSoak(run);
  console.log(soakMarkdown(run, verdict).replace(/^/gm, '    '));
  if (verdict.problems.length) console.log(soakDiagnostics(run, verdict));
  assert.ok(run.settled, 'the class settled: every message everywhere, every download done, video everywhere');
  assert.equal(verdict.lost, { chatNeverSequenced: 0, chatMissing: 0, chatDiffering: 0, files: 0, video: 0, total: 0 }, verdict.problems.join('\n'));
  assert.is(verdict.duplicates, 0, verdict.problems.join('\n'));
  assert.is(run.cuts.length, 2, 'a relay was cut in each minute');
  for (const cut of run.cuts) {
    assert.ok(cut.placedMs.every((x) => x !== null), `${cut.relay}'s children were all placed again`);
    assert.ok(cut.videoMs.every((x) => x !== null), `everyone below ${cut.relay} had video again`);
    assert.ok(cut.relayBackMs !== null, `${cut.relay} came back after its cable was plugged in`);
  }
  assert.ok(verdict.figures.badInputs > 0, 'the intruder tried something');
  assert.is(verdict.figures.badInputAnswers.ACCEPTED, undefined, 'no random key was accepted');
});

test.run();
