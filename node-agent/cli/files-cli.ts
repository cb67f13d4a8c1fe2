/**
 * Headless file sharing for `camvid host|join`: `--share DIR` (host) shares a folder, without its
 * dot-files unless `--share-dot-files` (and never the agent's data folder);
 * `--get PATH --out DIR` (join) downloads one file once in the room, printing progress with speed
 * and ETA (to stderr) and a final `downloaded <path> → <file> sha256 <hash>` line; with `--events`
 * the result is also an event line. `--put FILE` hands a file in. Once they are done the command
 * leaves and exits (0 when all succeeded, 1 otherwise) unless `--stay`.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { ParseArgsConfig } from 'node:util';
import type { Agent } from '../agent.js';

export const FILES_HOST_OPTIONS: ParseArgsConfig['options'] = {
  share: { type: 'string' },
  'share-dot-files': { type: 'boolean' },
  'upload-cap': { type: 'string' },
};
export const FILES_JOIN_OPTIONS: ParseArgsConfig['options'] = {
  get: { type: 'string', multiple: true },
  out: { type: 'string' },
  put: { type: 'string', multiple: true },
  /** stay in the room after the --get and --put transfers (a relay for classmates); default: exit */
  stay: { type: 'boolean' },
};

type Print = (type: string, data: unknown) => void;

export function wireShare(agent: Agent, v: Record<string, unknown>, print: Print): void {
  if (typeof v.share === 'string') agent.features.files.setShare(v.share, v['share-dot-files'] === true);
  if (v['upload-cap'] !== undefined) {
    const mb = Number(v['upload-cap']);
    if (!Number.isFinite(mb) || mb < 0) throw new CamvidError('BAD_MESSAGE', '--upload-cap must be a number of megabytes');
    agent.features.files.uploadCap = Math.floor(mb * 1024 * 1024);
  }
  if (v.events) agent.subscribe((ev) => ev.type === 'files-uploaded' && print('uploaded', ev));
  if (!v.events) return;
  // With --events: the chunk relay's counters whenever they changed, at most once a second.
  let last = '';
  setInterval(() => {
    const stats = agent.features.files.relay?.stats;
    const now = JSON.stringify(stats ?? null);
    if (stats && now !== last) print('files-stats', stats);
    last = now;
  }, 1000).unref();
}

/** Uploads every `--put` file to the host in turn; resolves false when one failed. */
export async function runPuts(agent: Agent, v: Record<string, unknown>): Promise<boolean> {
  let ok = true;
  for (const file of (v.put as string[] | undefined) ?? []) {
    try {
      const stored = await agent.features.files.upload(file);
      console.log(`uploaded ${file} → ${stored}`);
    } catch (err) {
      ok = false;
      const e = err as CamvidError;
      console.error(`error: ${e.code ?? 'ERROR'}: ${e.message}`);
    }
  }
  return ok;
}

/** Downloads every `--get` path in turn; resolves false when one failed. */
export async function runGets(agent: Agent, v: Record<string, unknown>, print: Print): Promise<boolean> {
  const gets = (v.get as string[] | undefined) ?? [];
  let ok = true;
  for (const rel of gets) {
    try {
      const dl = agent.features.files.download(rel, (v.out as string | undefined) ?? '.');
      const started = performance.now();
      let last = 0;
      let lastTenth = -1;
      dl.on('progress', (p) => {
        // A line every 500 ms, and one at each tenth: a fast download still shows its progress.
        const now = performance.now();
        const tenth = Math.floor((10 * p.done) / Math.max(1, p.chunks));
        if (now - last < 500 && tenth === lastTenth) return;
        last = now;
        lastTenth = tenth;
        const secs = (now - started) / 1000;
        const rate = (p.bytes - p.resumed * (p.size / Math.max(1, p.chunks))) / Math.max(0.001, secs);
        const eta = rate > 0 ? (p.size - p.bytes) / rate : 0;
        process.stderr.write(`${rel}: ${((100 * p.done) / Math.max(1, p.chunks)).toFixed(0)}% ${(rate / 1e6).toFixed(1)} MB/s ETA ${eta.toFixed(0)} s\n`);
      });
      const result = await dl.run();
      console.log(`downloaded ${rel} → ${result.out} sha256 ${result.file} (${result.fetched} of ${result.chunks} chunks fetched, ${result.resumed} resumed)`);
      if (v.events) print('download', { ...result, relay: agent.features.files.relay?.stats });
    } catch (err) {
      ok = false;
      const e = err as CamvidError;
      console.error(`error: ${e.code ?? 'ERROR'}: ${e.message}`);
    }
  }
  return ok;
}

/**
 * Runs the `--get` then the `--put` transfers. Resolves with the exit code to leave with once they
 * are done (0 all succeeded, 1 otherwise), or null when the command stays in the room: no
 * transfers were asked for, or `--stay`.
 */
export async function runTransfers(agent: Agent, v: Record<string, unknown>, print: Print): Promise<number | null> {
  const asked = ((v.get as string[] | undefined)?.length ?? 0) + ((v.put as string[] | undefined)?.length ?? 0) > 0;
  const gets = await runGets(agent, v, print);
  const puts = await runPuts(agent, v);
  if (!asked || v.stay) return null;
  return gets && puts ? 0 : 1;
}
