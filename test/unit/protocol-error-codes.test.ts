/**
 * Error codes on the wire: every message that carries a code accepts only the codes in
 * protocol/errors.ts (an unregistered one makes the whole message BAD_MESSAGE where it arrives),
 * and a receiver turns a wire error back into a CamvidError with the same code (errorFromWire).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctlMessage } from '../../protocol/ctl.js';
import { CamvidError, ERROR_CODES, errorFromWire, type ErrorCode } from '../../protocol/errors.js';
import { hostHandshake, joinerHandshake } from '../../protocol/handshake.js';
import { hostMessage, memberMessage } from '../../protocol/session.js';
import { uiRequest } from '../../protocol/ui.js';
import { errorCode } from '../../protocol/validate.js';
import * as samples from '../helpers/wire-samples.js';

const UNKNOWN = 'NOT_A_REGISTERED_CODE';
const ID = '0123456789abcdef';
const SHA_HEX = 'ab'.repeat(32);

/** Every message shape that carries a code, with where the code sits (`error` = nested). */
const CODE_CARRIERS: { name: string; decode: (v: unknown) => unknown; msg: Record<string, unknown>; nested?: 'error' }[] = [
  { name: 'handshake error', decode: hostHandshake, msg: { type: 'error', code: 'THROTTLED', message: 'wait', retryAfterMs: 1000 } },
  { name: 'session error', decode: hostMessage, msg: { type: 'error', code: 'REMOVED', message: 'bye' } },
  { name: 'chat-refused', decode: hostMessage, msg: { type: 'chat-refused', id: ID, code: 'CHAT_MUTED', message: 'muted' } },
  { name: 'files-reply error', decode: hostMessage, msg: { type: 'files-reply', req: 1, error: { code: 'PATH_OUTSIDE_SHARE', message: 'no' } }, nested: 'error' },
  { name: 'upload-result', decode: ctlMessage, msg: { type: 'upload-result', id: SHA_HEX, ok: false, code: 'TOO_LARGE', message: 'limit 2 MB' } },
  { name: 'chunk-error', decode: ctlMessage, msg: { type: 'chunk-error', file: SHA_HEX, index: 3, code: 'FILE_NOT_FOUND' } },
  { name: 'lab-arq-abort', decode: ctlMessage, msg: { type: 'lab-arq-abort', transfer: 1, code: 'TIMEOUT', message: 'gone' } },
];

const codeOf = (m: Record<string, unknown>, nested?: 'error') => (nested ? (m[nested] as Record<string, unknown>).code : m.code);
const withCode = (m: Record<string, unknown>, code: unknown, nested?: 'error') =>
  nested ? { ...m, [nested]: { ...(m[nested] as object), code } } : { ...m, code };

function refusal(fn: () => unknown): CamvidError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CamvidError);
    return err as CamvidError;
  }
  throw new assert.Assertion({ message: 'accepted', operator: 'throws', generated: false, expects: 'a throw', actual: 'none' });
}

test('each code-carrying message keeps a registered code and refuses an unregistered one with BAD_MESSAGE', () => {
  for (const c of CODE_CARRIERS) {
    const ok = c.decode(c.msg) as Record<string, unknown>;
    assert.is(codeOf(ok, c.nested), codeOf(c.msg, c.nested), c.name);
    for (const bad of [UNKNOWN, 'too_large', '', 'toString', '__proto__', 42, null]) {
      const e = refusal(() => c.decode(withCode(c.msg, bad, c.nested)));
      assert.is(e.code, 'BAD_MESSAGE', `${c.name} with ${JSON.stringify(bad)}`);
    }
  }
});

test('no decoder lets an unregistered code through, wherever a message puts one', () => {
  // A guard for shapes added later: every message type of every decoder has a sample (the fuzz
  // test checks that); put an unknown `code` on each object inside each sample and decode it.
  const decoders: [string, (v: unknown) => unknown, unknown[]][] = [
    ['joiner handshake', joinerHandshake, samples.JOINER_HANDSHAKE_SAMPLES],
    ['host handshake', hostHandshake, samples.HOST_HANDSHAKE_SAMPLES],
    ['member session', memberMessage, samples.MEMBER_SAMPLES],
    ['host session', hostMessage, samples.HOST_SAMPLES],
    ['ctl', ctlMessage, samples.CTL_SAMPLES],
    ['ui', uiRequest, samples.UI_SAMPLES],
  ];
  const objectsIn = (v: unknown, path: (string | number)[] = []): (string | number)[][] =>
    typeof v !== 'object' || v === null
      ? []
      : [...(Array.isArray(v) ? [] : [path]), ...Object.entries(v).flatMap(([k, x]) => objectsIn(x, [...path, Array.isArray(v) ? Number(k) : k]))];
  let tried = 0;
  for (const [name, decode, list] of decoders) {
    for (const sample of list) {
      for (const at of objectsIn(sample)) {
        const copy = structuredClone(sample) as Record<string | number, unknown>;
        const target = at.reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy);
        target.code = UNKNOWN;
        tried++;
        let out: unknown;
        try {
          out = decode(copy);
        } catch (err) {
          assert.instance(err, CamvidError);
          continue;
        }
        assert.not.ok(JSON.stringify(out).includes(UNKNOWN), `${name}: ${JSON.stringify(copy).slice(0, 160)} let the code through`);
      }
    }
  }
  assert.ok(tried > 50);
});

test('errorCode accepts exactly the registered codes', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.is(errorCode(code), code);
  assert.is(refusal(() => errorCode('hasOwnProperty', 'x.code')).message, 'x.code: unknown error code "hasOwnProperty"');
});

test('errorFromWire keeps the code and the message, or the code’s default message', () => {
  const e = errorFromWire({ code: 'TOO_LARGE', message: 'The file is larger than the instructor’s upload limit of 2 MB.' });
  assert.instance(e, CamvidError);
  assert.is(e.code, 'TOO_LARGE');
  assert.is(e.message, 'The file is larger than the instructor’s upload limit of 2 MB.');
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    for (const wire of [{ code }, { code, message: '' }]) {
      const d = errorFromWire(wire);
      assert.is(d.code, code);
      assert.is(d.message, new CamvidError(code).message);
      assert.ok(d.message.length > 10 && d.message !== code, `${code} has a default message a person can read`);
    }
  }
  // Only validated shapes reach it; anything else is not trusted either.
  assert.is(errorFromWire({ code: UNKNOWN as ErrorCode, message: 'x' }).code, 'BAD_MESSAGE');
});

test.run();
