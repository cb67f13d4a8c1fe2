/**
 * `<polls-view>`: quick polls and quizzes (docs/record.md). The instructor asks a question with
 * 2–6 answers (one or several each, optionally the right ones and a timer), watches the tally as a
 * live bar chart, closes the poll and publishes the results. A student answers once in its page and
 * sees the results (and whether it was right) when the instructor publishes them.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import { MAX_OPTION_LENGTH, MAX_POLL_OPTIONS, MAX_POLL_TIMER_S, MAX_QUESTION_LENGTH, MIN_POLL_OPTIONS, type PollView } from '../protocol/polls.js';
import { AgentElement } from './agent-context.js';
import { followRoom } from './follow-room.js';
import { ModelController } from './model-controller.js';
import { sectionColumnStyles, sharedStyles } from './shared-styles.js';

const letter = (i: number) => String.fromCharCode(65 + i);

@customElement('polls-view')
export class PollsView extends AgentElement {
  static override styles = [
    sharedStyles,
    sectionColumnStyles,
    css`
      .ask,
      .poll {
        display: flex;
        flex-direction: column;
        gap: 8px;
        padding: 12px;
        border: 1px solid var(--border);
        border-radius: var(--radius);
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      .row input[type='text'] {
        flex: 1;
      }
      label.inline {
        flex-direction: row;
        align-items: center;
        font-weight: 400;
      }
      .bar {
        display: grid;
        grid-template-columns: minmax(120px, 30%) 1fr 3em;
        gap: 8px;
        align-items: center;
      }
      .track {
        height: 14px;
        background: var(--accent-soft);
        border-radius: 3px;
        overflow: hidden;
      }
      .fill {
        height: 100%;
        background: var(--accent);
        transition: width 0.2s;
      }
      .right {
        font-weight: 700;
      }
      .muted {
        color: var(--muted);
      }
    `,
  ];

  @state() accessor polls: PollView[] = [];
  @state() accessor options: string[] = ['', ''];
  @state() accessor correct: boolean[] = [false, false];
  @state() accessor picked = new Map<string, Set<number>>();
  @state() accessor error: string | null = null;
  @state() accessor now = Date.now();
  #tick: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    new ModelController(this, () => this.client, (client) => {
      const offs = [
        client.onEvent('poll-update', (ev) => this.#put(ev.poll)),
        client.onEvent('poll-refused', (ev) => (this.error = ev.message)),
        followRoom(client, () => void this.#load()),
      ];
      return () => offs.forEach((off) => off());
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#tick = setInterval(() => {
      if (this.polls.some((p) => p.status === 'open' && p.closesAt !== undefined)) this.now = Date.now();
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.#tick) clearInterval(this.#tick);
  }

  get #hosting(): boolean {
    return this.client?.state?.phase === 'hosting';
  }

  #put(poll: PollView): void {
    const i = this.polls.findIndex((p) => p.id === poll.id);
    this.polls = i < 0 ? [...this.polls, poll] : this.polls.map((p, j) => (j === i ? poll : p));
  }

  async #load(): Promise<void> {
    try {
      this.polls = (await this.client?.request({ type: 'poll-list' })) ?? [];
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    this.error = err instanceof CamvidError ? err.message : String(err);
  }

  async #do(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      this.error = null;
    } catch (err) {
      this.#fail(err);
    }
  }

  #ask = (ev: Event) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const multi = (form.elements.namedItem('multi') as HTMLInputElement).checked;
    const options = this.options.map((o) => o.trim());
    const correct = this.correct.flatMap((c, i) => (c ? [i] : []));
    const timer = Number(value('timer'));
    void this.#do(async () => {
      if (options.some((o) => !o)) throw new CamvidError('BAD_MESSAGE', 'Fill in every answer, or remove the empty ones.');
      await this.client!.request({
        type: 'poll-create',
        question: value('question'),
        options,
        multi,
        ...(correct.length ? { correct } : {}),
        ...(timer > 0 ? { timerS: timer } : {}),
      });
      form.reset();
      this.options = ['', ''];
      this.correct = [false, false];
    });
  };

  #setOption(i: number, v: string): void {
    this.options = this.options.map((o, j) => (j === i ? v : o));
  }

  #addOption = () => {
    this.options = [...this.options, ''];
    this.correct = [...this.correct, false];
  };

  #removeOption(i: number): void {
    this.options = this.options.filter((_, j) => j !== i);
    this.correct = this.correct.filter((_, j) => j !== i);
  }

  #pick(poll: PollView, i: number, on: boolean): void {
    const set = new Set(poll.multi ? this.picked.get(poll.id) : []);
    if (on) set.add(i);
    else set.delete(i);
    this.picked = new Map(this.picked).set(poll.id, set);
  }

  override render() {
    if (!this.client?.state?.room) return nothing;
    const polls = [...this.polls].reverse();
    return html`${this.#hosting ? this.#renderAsk() : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="poll-error">${this.error}</p>` : nothing}
      ${polls.length ? polls.map((p) => this.#renderPoll(p)) : html`<p class="muted">${this.#hosting ? 'No polls yet in this lecture.' : 'No question from the instructor yet.'}</p>`}`;
  }

  #renderAsk() {
    return html`<form class="ask" data-testid="poll-form" @submit=${this.#ask}>
      <label
        >Question
        <input type="text" name="question" data-testid="poll-question" required maxlength=${MAX_QUESTION_LENGTH} placeholder="Which layer does routing?"
      /></label>
      ${this.options.map(
        (o, i) => html`<div class="row">
          <span>${letter(i)}</span>
          <input type="text" data-testid="poll-option" aria-label="Answer ${letter(i)}" maxlength=${MAX_OPTION_LENGTH} .value=${o} @input=${(e: Event) => this.#setOption(i, (e.target as HTMLInputElement).value)} />
          <label class="inline"
            ><input type="checkbox" data-testid="poll-correct" .checked=${this.correct[i] ?? false} @change=${(e: Event) => (this.correct = this.correct.map((c, j) => (j === i ? (e.target as HTMLInputElement).checked : c)))} />
            right</label
          >
          ${this.options.length > MIN_POLL_OPTIONS ? html`<button type="button" class="secondary" aria-label="Remove answer ${letter(i)}" @click=${() => this.#removeOption(i)}>×</button>` : nothing}
        </div>`,
      )}
      <div class="row">
        ${this.options.length < MAX_POLL_OPTIONS ? html`<button type="button" class="secondary" data-testid="poll-add-option" @click=${this.#addOption}>Add answer</button>` : nothing}
        <label class="inline"><input type="checkbox" name="multi" data-testid="poll-multi" /> several answers each</label>
        <label class="inline">timer <input type="number" name="timer" data-testid="poll-timer" min="5" max=${MAX_POLL_TIMER_S} placeholder="s" style="width: 6em" /></label>
        <button type="submit" data-testid="poll-ask">Ask</button>
      </div>
    </form>`;
  }

  #renderPoll(p: PollView) {
    const left = p.status === 'open' && p.closesAt !== undefined ? Math.max(0, Math.ceil((p.closesAt - this.now) / 1000)) : null;
    const status = p.status === 'open' ? (left !== null ? `open · closes in ${left} s` : 'open') : p.published ? 'results published' : 'closed';
    return html`<div class="poll" data-testid="poll-card" data-poll-id=${p.id} data-status=${p.status} data-published=${String(p.published)}>
      <div class="row">
        <strong data-testid="poll-text">${p.question}</strong>
        <span class="muted">${p.multi ? 'several answers · ' : ''}${status}</span>
      </div>
      ${this.#hosting ? this.#renderHostPoll(p) : this.#renderStudentPoll(p)}
    </div>`;
  }

  #renderBars(p: PollView) {
    const r = p.results!;
    const most = Math.max(1, ...r.counts);
    return html`<p class="muted" data-testid="poll-answered">${r.answered} answered</p>
      ${p.options.map((o, i) => {
        const n = r.counts[i] ?? 0;
        const right = r.correct?.includes(i);
        return html`<div class="bar" data-testid="poll-bar" data-count=${n}>
          <span class=${right ? 'right' : ''}>${letter(i)}. ${o}${right ? ' ✓' : ''}</span>
          <div class="track"><div class="fill" style="width:${((n / most) * 100).toFixed(1)}%"></div></div>
          <span>${n}</span>
        </div>`;
      })}`;
  }

  #renderHostPoll(p: PollView) {
    return html`${this.#renderBars(p)}
      <div class="row">
        ${p.status === 'open' ? html`<button class="secondary" data-testid="poll-close" @click=${() => this.#do(() => this.client!.request({ type: 'poll-close', poll: p.id }))}>Close</button>` : nothing}
        ${p.published ? nothing : html`<button data-testid="poll-publish" @click=${() => this.#do(() => this.client!.request({ type: 'poll-publish', poll: p.id }))}>Publish results</button>`}
      </div>`;
  }

  #renderStudentPoll(p: PollView) {
    const answer = p.mine ?? p.pending;
    if (answer) {
      const right = p.results?.correct;
      const verdict = right ? (answer.length === right.length && answer.every((c) => right.includes(c)) ? ' — right' : ' — not right') : '';
      return html`<p data-testid="poll-mine" data-pending=${String(!p.mine)}>
          Your answer: ${answer.map((c) => `${letter(c)}. ${p.options[c]}`).join(', ')}${p.mine ? verdict : ' (sending…)'}
        </p>
        ${p.results ? this.#renderBars(p) : nothing}`;
    }
    if (p.status !== 'open') return html`<p class="muted">Closed before you answered.</p>${p.results ? this.#renderBars(p) : nothing}`;
    const picked = this.picked.get(p.id) ?? new Set<number>();
    return html`${p.options.map(
        (o, i) => html`<label class="inline"
          ><input
            type=${p.multi ? 'checkbox' : 'radio'}
            name="poll-${p.id}"
            data-testid="poll-choice"
            .checked=${picked.has(i)}
            @change=${(e: Event) => this.#pick(p, i, (e.target as HTMLInputElement).checked)}
          />
          ${letter(i)}. ${o}</label
        >`,
      )}
      <div class="row">
        <button data-testid="poll-submit" ?disabled=${!picked.size} @click=${() => this.#do(async () => this.client!.request({ type: 'poll-answer', poll: p.id, choices: [...picked].sort((a, b) => a - b) }))}>
          Answer
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'polls-view': PollsView;
  }
}
