/**
 * Recording from the command line (docs/record.md): `camvid host --record` records from the start
 * (into `recordings/` of `--share DIR`); `--record-min-free MB` is the free space a recording needs
 * (default 1024); with `--stdin`, `record start` and `record stop`; `--events` prints a `record`
 * line with the status every 2 s while recording and on every change.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { Agent } from '../agent.js';

export const RECORDING_HOST_OPTIONS = { record: { type: 'boolean' }, 'record-min-free': { type: 'string' } } as const;
export const RECORDING_USAGE = `camvid host ... --share DIR --record [--record-min-free MB]  record the lecture into DIR/recordings (docs/record.md)`;

/** The flags, checked before anything starts: a message for a usage error, or null. */
export function recordingUsageError(v: Record<string, unknown>): string | null {
  const min = v['record-min-free'];
  if (min !== undefined && !(Number(min) >= 0)) return '--record-min-free must be a number of megabytes';
  if (v.record && v.share === undefined) return '--record needs --share DIR: recordings go into the shared folder';
  return null;
}

export function wireRecordingHeadless(agent: Agent, v: Record<string, unknown>, print: (type: string, data: unknown) => void): void {
  const rec = agent.features.recording;
  if (v['record-min-free'] !== undefined) rec.minFreeBytes = Number(v['record-min-free']) * 1024 ** 2;
  if (v.events) rec.on('status', (status) => print('record', status));
}

/** `--record`: starts once the room is hosted. */
export async function startHostRecording(agent: Agent, v: Record<string, unknown>): Promise<void> {
  if (!v.record) return;
  const status = await agent.features.recording.start();
  console.log(`recording to ${status.file}`);
}

/** One `record …` command line (without `record`). */
export function runRecordCommand(agent: Agent, verb: string, fail: (err: unknown) => void): void {
  const rec = agent.features.recording;
  if (verb === 'start') void rec.start().then((s) => console.log(`recording to ${s.file}`), fail);
  else if (verb === 'stop') {
    void rec.stop().then((s) => {
      console.log(`recording saved: ${s.file} (${s.bytes} bytes)`);
      if (s.screen) console.log(`screen recording saved: ${s.screen.file} (${s.screen.bytes} bytes)`);
    }, fail);
  }
  else fail(new CamvidError('BAD_MESSAGE', 'record commands: start, stop'));
}
