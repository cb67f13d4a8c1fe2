/**
 * `<attendance-view>`: who was in the lecture when. The instructor picks this lecture or a past
 * one: a table per student (sessions, time in the room, first in, last out), a timeline bar per
 * student over the lecture, and Export CSV (the same CSV as `camvid attendance --csv`). A student
 * sees its own sessions, as the host told its agent.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { AttendanceInterval, LectureSummary, OwnAttendance } from '../protocol/attendance.js';
import { CamvidError } from '../protocol/errors.js';
import { AgentElement } from './agent-context.js';
import { followRoom } from './follow-room.js';
import { ModelController } from './model-controller.js';
import { sectionColumnStyles, sharedStyles } from './shared-styles.js';

interface StudentRow {
  peer: string;
  name: string;
  address: string;
  intervals: AttendanceInterval[];
  seconds: number;
}

const time = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

function studentRows(intervals: AttendanceInterval[], now: number): StudentRow[] {
  const rows = new Map<string, StudentRow>();
  for (const iv of intervals) {
    let row = rows.get(iv.peer);
    if (!row) rows.set(iv.peer, (row = { peer: iv.peer, name: iv.name, address: iv.address, intervals: [], seconds: 0 }));
    row.name = iv.name;
    row.address = iv.address;
    row.intervals.push(iv);
    row.seconds += Math.max(0, Math.round(((iv.left ?? now) - iv.joined) / 1000));
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

@customElement('attendance-view')
export class AttendanceView extends AgentElement {
  static override styles = [
    sharedStyles,
    sectionColumnStyles,
    css`
      .bar {
        display: flex;
        gap: 8px;
        align-items: end;
        flex-wrap: wrap;
      }
      .bar label,
      .bar select {
        min-width: 0;
        max-width: 100%;
      }
      .scroll {
        overflow-x: auto;
      }
      /* a phone: the timeline shows first in and last out; names and durations wrap */
      @media (max-width: 560px) {
        .wide {
          display: none;
        }
        th,
        td {
          white-space: normal;
        }
        .timeline {
          min-width: 60px;
        }
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.9em;
      }
      th,
      td {
        text-align: left;
        padding: 4px 8px;
        border-bottom: 1px solid var(--border);
        white-space: nowrap;
      }
      .timeline {
        position: relative;
        min-width: 120px;
        height: 12px;
        background: var(--accent-soft);
        border-radius: 3px;
      }
      .timeline span {
        position: absolute;
        top: 0;
        bottom: 0;
        background: var(--accent);
        border-radius: 3px;
      }
      .muted {
        color: var(--muted);
      }
    `,
  ];

  @state() accessor lectures: LectureSummary[] = [];
  @state() accessor selected: string | null = null;
  @state() accessor lecture: LectureSummary | null = null;
  @state() accessor intervals: AttendanceInterval[] = [];
  @state() accessor mine: OwnAttendance | null = null;
  @state() accessor error: string | null = null;
  #roomId: string | null = null;

  constructor() {
    super();
    new ModelController(this, () => this.client, (client) => {
      const offs = [
        client.onEvent('attendance-changed', (ev) => {
          if (!this.selected || this.selected === ev.lecture) void this.#load();
        }),
        client.onEvent('attendance-mine', (ev) => (this.mine = ev.record)),
        followRoom(client, (roomId) => {
          this.#roomId = roomId;
          void this.#load();
        }),
      ];
      return () => offs.forEach((off) => off());
    });
  }

  get #hosting(): boolean {
    return this.client?.state?.phase === 'hosting';
  }

  async #load(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      if (!this.#hosting) {
        this.mine = await client.request({ type: 'attendance-mine' });
        return;
      }
      this.lectures = await client.request({ type: 'attendance-lectures' });
      const r = await client.request({ type: 'attendance-lecture', ...(this.selected ? { lecture: this.selected } : {}) });
      this.lecture = r.lecture;
      this.intervals = r.intervals;
      this.error = null;
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  #pick = (ev: Event) => {
    const v = (ev.target as HTMLSelectElement).value;
    this.selected = v && v !== this.#roomId ? v : null;
    void this.#load();
  };

  #export = async () => {
    if (!this.client) return;
    try {
      const { filename, csv } = await this.client.request({ type: 'attendance-csv', ...(this.selected ? { lecture: this.selected } : {}) });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  };

  override render() {
    if (!this.client?.state?.room) return nothing;
    const err = this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing;
    return this.#hosting ? html`${this.#renderHost()}${err}` : html`${this.#renderMine()}${err}`;
  }

  #renderMine() {
    const m = this.mine;
    return html`<h3>Your attendance</h3>
      ${m?.intervals.length
        ? html`<ul data-testid="attendance-mine">
            ${m.intervals.map((iv) => html`<li>${time(iv.joined)} – ${iv.left === null ? 'now' : time(iv.left)}</li>`)}
          </ul>`
        : html`<p class="muted">The instructor's computer has not told yours yet.</p>`}`;
  }

  #renderHost() {
    const l = this.lecture;
    const now = Date.now();
    const rows = studentRows(this.intervals, now);
    const from = l?.started ?? now;
    const to = Math.max(l?.live ? now : (l?.lastSeen ?? now), from + 1);
    const pct = (t: number) => `${(((t - from) / (to - from)) * 100).toFixed(2)}%`;
    return html`<div class="bar">
        <label
          >Lecture
          <select data-testid="lecture-select" @change=${this.#pick}>
            ${this.lectures.map(
              (x) => html`<option value=${x.id} ?selected=${x.id === l?.id}>
                ${x.room} · ${new Date(x.started).toLocaleString()}${x.live ? ' (now)' : ''} · ${x.students} students
              </option>`,
            )}
          </select>
        </label>
        <button data-testid="attendance-export" @click=${this.#export}>Export CSV</button>
      </div>
      <div class="scroll" tabindex="0" role="region" aria-label="Attendance table">
        <table data-testid="attendance-table">
          <thead>
            <tr>
              <th>Student</th>
              <th>Sessions</th>
              <th>In the room</th>
              <th class="wide">First in</th>
              <th class="wide">Last out</th>
              <th>Timeline</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((r) => {
              const last = r.intervals[r.intervals.length - 1]!;
              return html`<tr data-testid="attendance-row" data-peer=${r.peer}>
                <td title="${r.peer} · ${r.address}">${r.name}</td>
                <td>${r.intervals.length}</td>
                <td>${duration(r.seconds)}</td>
                <td class="wide">${time(r.intervals[0]!.joined)}</td>
                <td class="wide">${last.left === null ? 'in the room' : time(last.left)}</td>
                <td>
                  <div class="timeline" role="img" aria-label="${r.name}: ${r.intervals.length} sessions">
                    ${r.intervals.map((iv) => {
                      const start = pct(iv.joined);
                      const width = `calc(${pct(iv.left ?? now)} - ${start})`;
                      return html`<span style="left:${start};width:${width}"></span>`;
                    })}
                  </div>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      ${rows.length ? nothing : html`<p class="muted">No students yet.</p>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'attendance-view': AttendanceView;
  }
}
