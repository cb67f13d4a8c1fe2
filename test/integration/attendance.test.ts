/**
 * Attendance with real agents: five students join, one leaves, one is cut off (SIGSTOP: its
 * session times out on the host) and comes back; `camvid attendance --csv` on the host's folder
 * shows each interval, and a student hears its own record. The host's agent is then started again
 * on the same folder: the first lecture is still there beside the second, and a second lecture
 * ended by `kill -9` has its open intervals closed at the host's last stamp.
 */
import { spawn } from 'node:child_process';
import * as assert from 'uvu/assert';
import { ATTENDANCE_CSV_HEADER, type OwnAttendance } from '../../protocol/attendance.js';
import { CAMVID_BIN, ROOT, type AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('attendance');

interface Row {
  lecture: string;
  name: string;
  peer: string;
  joined: number;
  left: number | null;
  seconds: number;
}

/** Runs `camvid attendance --data DIR --csv [...]`; resolves with its output (exit 0 asserted). */
function attendanceCsv(data: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAMVID_BIN, 'attendance', '--data', data, '--csv', ...extra], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`camvid attendance exited ${code}: ${err}`))));
  });
}

/** The attendance table of the CSV (up to the empty line before the polls). */
function attendanceRows(csv: string): Row[] {
  const lines = csv.split('\n');
  assert.is(lines[0], ATTENDANCE_CSV_HEADER);
  const rows: Row[] = [];
  for (const line of lines.slice(1)) {
    if (!line) break;
    const [lecture, name, peer, joined, left, seconds] = line.split(',');
    rows.push({ lecture: lecture!, name: name!, peer: peer!, joined: Date.parse(joined!), left: left ? Date.parse(left) : null, seconds: Number(seconds) });
  }
  return rows;
}

const joined = (s: AgentProcess, again = false) => s.waitForLine(again ? /^joined .* again/ : /^joined "/, 60_000);
const inRoster = (host: AgentProcess, name: string) => host.roster.some((m) => m.name === name);
const ownRecord = (s: AgentProcess): OwnAttendance | undefined => {
  const line = [...s.lines].reverse().find((l) => l.startsWith('event {"type":"attendance-mine"'));
  return line ? (JSON.parse(line.slice(6)) as { data: OwnAttendance }).data : undefined;
};

test('5 students: one leaves, one is cut off and back; the CSV shows each interval; a restarted host keeps past lectures', async () => {
  const data = ctx.cluster.dataDir();
  const { agent: host, port } = await ctx.cluster.startHost(['--room', 'Networks', '--data', data]);
  const [, shortRoom] = host.lines.map((l) => l.match(/^hosting "Networks" \((\w+)\)/)).find(Boolean)!;
  const names = ['Ann', 'Bob', 'Cid', 'Dee', 'Eve'];
  const students = names.map((n) => ctx.cluster.startStudent(n, `127.0.0.1:${port}`));
  await Promise.all(students.map((s) => joined(s)));
  const [, bob, cid] = students as [AgentProcess, AgentProcess, AgentProcess];

  // Bob leaves: a clean stop sends `leave`.
  await bob.kill('SIGINT');
  await host.waitFor(() => !inRoster(host, 'Bob'), 15_000, 'Bob gone from the roster');

  // Cid is cut off: frozen, its session times out on the host (~3.5 s); thawed, it comes back.
  process.kill(cid.child.pid!, 'SIGSTOP');
  try {
    await host.waitFor(() => !inRoster(host, 'Cid'), 20_000, 'Cid dropped');
  } finally {
    process.kill(cid.child.pid!, 'SIGCONT');
  }
  await host.waitFor(() => inRoster(host, 'Cid'), 30_000, 'Cid back');
  // Cid's own record, as the host told it after the reconnect: two intervals, the first closed.
  const mine = await cid
    .waitFor(() => {
      const r = ownRecord(cid);
      return r && r.intervals.length === 2 ? r : undefined;
    }, 15_000, 'Cid hears its two intervals')
    .catch((err: Error) => {
      throw new Error(`${err.message.split('\n')[0]}; Cid printed:\n${cid.lines.filter((l) => !l.includes('media-stats')).join('\n')}`);
    });
  assert.ok(mine.intervals[0]!.left !== null && mine.intervals[1]!.left === null, 'the first interval closed, the second open');
  assert.ok(mine.lecture.startsWith(shortRoom!), 'its lecture is the room');

  await new Promise((r) => setTimeout(r, 1500)); // a second of class for everyone
  await host.kill('SIGINT'); // the instructor's agent stops: open intervals end now
  assert.is(await host.exited, 0);

  const rows = attendanceRows(await attendanceCsv(data));
  const lecture = rows[0]!.lecture;
  assert.ok(lecture.startsWith(shortRoom!), 'the lecture is the room id');
  assert.ok(rows.every((r) => r.lecture === lecture));
  const of = (name: string) => rows.filter((r) => r.name === name);
  for (const n of ['Ann', 'Dee', 'Eve']) assert.is(of(n).length, 1, `${n}: one interval`);
  assert.is(of('Bob').length, 1, 'Bob: one interval');
  assert.is(of('Cid').length, 2, 'Cid: two intervals (cut off, back)');
  assert.ok(rows.every((r) => r.left !== null && r.left >= r.joined), 'every interval closed');
  assert.ok(rows.every((r) => Math.abs(r.seconds - Math.round((r.left! - r.joined) / 1000)) <= 1), 'seconds = left - joined');
  const [bobRow] = of('Bob');
  const [cid1, cid2] = of('Cid');
  assert.ok(bobRow!.left! < of('Ann')[0]!.left! - 1000, 'Bob left before the end');
  assert.ok(cid1!.left! <= cid2!.joined, 'Cid: cut off before coming back');
  assert.ok(cid2!.left! >= of('Ann')[0]!.left! - 500, 'Cid stayed to the end');
  assert.equal(new Set(of('Cid').map((r) => r.peer)).size, 1, 'one peer id for both of Cid’s intervals');
  assert.is(new Set(rows.map((r) => r.peer)).size, 5, 'five students by peer id');

  // The host's agent again, same folder: a new lecture; the first is still there. This one ends by kill -9.
  const { agent: again, port: port2 } = await ctx.cluster.startHost(['--room', 'Networks', '--data', data]);
  const fay = ctx.cluster.startStudent('Fay', `127.0.0.1:${port2}`);
  await joined(fay);
  await again.waitFor(() => inRoster(again, 'Fay'), 15_000, 'Fay in');
  await new Promise((r) => setTimeout(r, 6000)); // at least one lastSeen stamp (every 5 s) after Fay's join
  const killedAt = Date.now();
  await again.kill('SIGKILL');

  const all = attendanceRows(await attendanceCsv(data));
  const first = all.filter((r) => r.lecture === lecture);
  assert.equal(first, rows, 'the first lecture unchanged');
  const second = all.filter((r) => r.lecture !== lecture);
  assert.is(second.length, 1);
  assert.is(second[0]!.name, 'Fay');
  const fayLeft = second[0]!.left;
  assert.ok(fayLeft !== null && fayLeft > second[0]!.joined, 'Fay’s interval closed after she joined');
  assert.ok(fayLeft <= killedAt && fayLeft >= killedAt - 6000, `closed at the crashed host's last stamp (${killedAt - fayLeft} ms before the kill)`);
  const only = attendanceRows(await attendanceCsv(data, ['--lecture', second[0]!.lecture.slice(0, 6)]));
  assert.equal(only, second, '--lecture picks one lecture by its prefix');
});

test.run();
