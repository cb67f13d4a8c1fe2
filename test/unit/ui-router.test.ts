import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UiRouter } from '../../node-agent/ui-router.js';

test('offered files: each gets its own unguessable ticket; only the newest 256 are remembered', () => {
  const router = new UiRouter();
  const first = router.offerFile('/data/downloads/a.pdf', 'a.pdf');
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.equal(router.offeredFile(first), { file: '/data/downloads/a.pdf', name: 'a.pdf' });
  assert.is.not(router.offerFile('/data/downloads/a.pdf', 'a.pdf'), first, 'the same file offered again gets a new ticket');
  assert.is(router.offeredFile('0'.repeat(32)), undefined);
  const later = Array.from({ length: 255 }, (_, i) => router.offerFile(`/f${i}`, `f${i}`));
  assert.is(router.offeredFile(first), undefined, 'the oldest ticket went first');
  assert.ok(later.every((t) => router.offeredFile(t)));
});

test.run();
