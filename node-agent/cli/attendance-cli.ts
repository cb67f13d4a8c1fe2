/**
 * `camvid attendance [--data DIR] [--lecture ID] [--csv]`: the class record this agent's folder
 * keeps (docs/record.md). Without `--csv`, the lectures and who was there; with it, the CSV the
 * page exports (attendance headed `lecture,name,peer,joined,left,seconds`, then the polls). Every
 * lecture unless `--lecture` names one (its id or a unique prefix, as the list prints it). The
 * folder must not be in use by a running agent (LevelDB: one process per folder).
 */
import { CamvidError } from '../../protocol/errors.js';
import { isoTime } from '../../protocol/attendance.js';
import type { Agent } from '../agent.js';

export const ATTENDANCE_OPTIONS = { lecture: { type: 'string' }, csv: { type: 'boolean' } } as const;

export async function printAttendance(agent: Agent, v: { lecture?: string; csv?: boolean }): Promise<number> {
  const att = agent.features.attendance;
  let metas = await att.store.lectures();
  if (v.lecture !== undefined) {
    const one = await att.store.findLecture(v.lecture);
    if (!one) throw new CamvidError('FILE_NOT_FOUND', `No lecture "${v.lecture}" (or more than one starts so) in ${agent.opts.dataDir}.`);
    metas = [one];
  }
  if (v.csv) {
    process.stdout.write(await att.csv(metas));
    return 0;
  }
  if (!metas.length) console.log('no lectures recorded in this folder');
  for (const meta of metas) {
    const intervals = await att.intervals(meta);
    console.log(`lecture ${meta.id}  "${meta.room}"  ${isoTime(meta.started)} – ${isoTime(meta.lastSeen)}`);
    for (const iv of intervals) {
      const secs = Math.round(((iv.left ?? Date.now()) - iv.joined) / 1000);
      console.log(`  ${iv.name} (${iv.peer}, ${iv.address})  ${isoTime(iv.joined)} – ${isoTime(iv.left) || 'now'}  ${secs} s`);
    }
  }
  return 0;
}

/** `--events`: the student's own record as the host tells it (`attendance-mine`). */
export function wireAttendanceHeadless(agent: Agent, v: Record<string, unknown>, print: (type: string, data: unknown) => void): void {
  if (v.events) agent.features.attendance.on('mine', (record) => print('attendance-mine', record));
}
