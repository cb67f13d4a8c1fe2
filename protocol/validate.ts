/**
 * Small validator combinators: every message from a peer or the UI passes through one of these
 * where it arrives. A validator returns the typed value or throws CamvidError('BAD_MESSAGE').
 */
import { CamvidError, isErrorCode, type ErrorCode } from './errors.js';

export type Validator<T> = (value: unknown, path?: string) => T;

const fail = (path: string, what: string): never => {
  throw new CamvidError('BAD_MESSAGE', `${path || 'message'}: ${what}`);
};

export const str =
  (opts: { min?: number; max: number; pattern?: RegExp }): Validator<string> =>
  (v, p = '') => {
    if (typeof v !== 'string') return fail(p, 'expected a string');
    if (v.length < (opts.min ?? 0) || v.length > opts.max) return fail(p, `length out of range`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(p, 'bad format');
    return v;
  };

export const int =
  (min: number, max: number): Validator<number> =>
  (v, p = '') => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return fail(p, `expected an integer in [${min}, ${max}]`);
    }
    return v;
  };

export const num =
  (min: number, max: number): Validator<number> =>
  (v, p = '') => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      return fail(p, `expected a number in [${min}, ${max}]`);
    }
    return v;
  };

export const bool: Validator<boolean> = (v, p = '') =>
  typeof v === 'boolean' ? v : fail(p, 'expected a boolean');

export const literal =
  <const L extends string | number>(...allowed: L[]): Validator<L> =>
  (v, p = '') =>
    (allowed as unknown[]).includes(v) ? (v as L) : fail(p, `expected one of ${allowed.join(', ')}`);

export const nullable =
  <T>(inner: Validator<T>): Validator<T | null> =>
  (v, p = '') =>
    v === null ? null : inner(v, p);

export const optional =
  <T>(inner: Validator<T>): Validator<T | undefined> =>
  (v, p = '') =>
    v === undefined ? undefined : inner(v, p);

export const array =
  <T>(inner: Validator<T>, max: number): Validator<T[]> =>
  (v, p = '') => {
    if (!Array.isArray(v)) return fail(p, 'expected an array');
    if (v.length > max) return fail(p, `more than ${max} items`);
    return v.map((item, i) => inner(item, `${p}[${i}]`));
  };

type Shape = Record<string, Validator<unknown>>;
type Out<V> = V extends Validator<infer T> ? T : never;
/** The value type of a shape: fields whose validator admits `undefined` become optional. */
export type Infer<S extends Shape> = {
  [K in keyof S as undefined extends Out<S[K]> ? never : K]: Out<S[K]>;
} & { [K in keyof S as undefined extends Out<S[K]> ? K : never]?: Out<S[K]> } extends infer O
  ? { [K in keyof O]: O[K] }
  : never;

/** An object with exactly these keys (unknown keys are dropped, not copied). */
export const object =
  <S extends Shape>(shape: S): Validator<Infer<S>> =>
  (v, p = '') => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'expected an object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const value = shape[key]!((v as Record<string, unknown>)[key], p ? `${p}.${key}` : key);
      if (value !== undefined) out[key] = value;
    }
    return out as Infer<S>;
  };

/**
 * A discriminated union on `type`: a map from type name to the validator of its other fields.
 * Dispatch stays a lookup, never a long switch.
 */
export function union<M extends Record<string, Shape>>(
  variants: M,
): Validator<{ [K in keyof M]: { type: K } & Infer<M[K]> }[keyof M]> & { readonly types: readonly (keyof M & string)[] } {
  const validators = new Map<string, Validator<unknown>>();
  for (const [type, shape] of Object.entries(variants)) validators.set(type, object(shape));
  const validate: Validator<never> = (v, p = '') => {
    if (typeof v !== 'object' || v === null) return fail(p, 'expected an object');
    const type = (v as { type?: unknown }).type;
    const validator = typeof type === 'string' ? validators.get(type) : undefined;
    if (!validator) return fail(p, `unknown message type ${JSON.stringify(type)?.slice(0, 40)}`);
    return { type, ...(validator(v, p) as object) } as never;
  };
  // The type names, so a test can check it covers every message (test/unit/fuzz-decoders.test.ts).
  return Object.assign(validate, { types: Object.keys(variants) as (keyof M & string)[] });
}

/** Parses JSON text of bounded size; any failure is BAD_MESSAGE. */
export function parseJson(text: string, maxBytes: number): unknown {
  if (text.length > maxBytes) fail('', `larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    return fail('', 'not JSON');
  }
}

export const HEX_ID = (len: number) => str({ min: len, max: len, pattern: /^[0-9a-f]+$/ });
export const B64 = (max: number) => str({ min: 1, max, pattern: /^[A-Za-z0-9+/]+={0,2}$/ });

/**
 * A code from ERROR_CODES, and nothing else: every message shape that carries an error code uses
 * this (or `wireError` / `wireErrorFields`), so a peer sending an unregistered code has that whole
 * message refused as BAD_MESSAGE where it arrives (docs/protocol.md, "Error codes").
 */
export const errorCode: Validator<ErrorCode> = (v, p = '') =>
  isErrorCode(v) ? v : fail(p, `unknown error code ${JSON.stringify(v)?.slice(0, 40)}`);
/** The person-readable text beside a code; senders cut theirs to this length. */
export const MAX_ERROR_MESSAGE = 300;
/** The fields of an error on the wire, to spread into a message shape: `{ code, message }`. */
export const wireErrorFields = { code: errorCode, message: str({ max: MAX_ERROR_MESSAGE }) };
/** An error as a nested field, e.g. `files-reply`'s `error` (protocol/errors.ts `errorFromWire` reads it back). */
export const wireError = object(wireErrorFields);
