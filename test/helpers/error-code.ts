import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';

/** The CamvidError code `fn` throws, or null when it returns; anything else thrown fails the test. */
export function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    assert.instance(err, CamvidError);
    return (err as CamvidError).code;
  }
}
