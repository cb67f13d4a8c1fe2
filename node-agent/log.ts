/**
 * Namespaced logger (`agent:relay`). Silent unless CAMVID_DEBUG matches the namespace
 * (`CAMVID_DEBUG=agent:*` or `*`); warnings and errors always print to stderr.
 * Never pass a password or key to it.
 */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const enabled = (ns: string): boolean => {
  const spec = process.env.CAMVID_DEBUG ?? '';
  if (!spec) return false;
  return spec.split(',').some((p) => {
    const pat = p.trim();
    if (pat === '*') return true;
    return pat.endsWith('*') ? ns.startsWith(pat.slice(0, -1)) : ns === pat;
  });
};

export function createLogger(ns: string): Logger {
  const on = enabled(ns);
  const stamp = () => new Date().toISOString().slice(11, 23);
  return {
    debug: (...a) => on && console.error(stamp(), ns, ...a),
    info: (...a) => on && console.error(stamp(), ns, ...a),
    warn: (...a) => console.error(stamp(), ns, 'warn:', ...a),
    error: (...a) => console.error(stamp(), ns, 'error:', ...a),
  };
}
