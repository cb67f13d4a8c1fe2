/**
 * "Browse…" beside a path field: a dialog that lists this computer's folders (and files, in file
 * mode) through the page's own agent (`local-browse`), so the owner picks a folder to share or a
 * podcast file instead of typing its path. Fires `pick` with the chosen absolute path.
 *
 *   <path-picker mode="folder" .start=${this.shareDir} @pick=${(e) => (this.shareDir = e.detail)}></path-picker>
 */
import { css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { LocalPathUiReplies } from '../protocol/local-paths.js';
import { AgentElement } from './agent-context.js';
import { sharedStyles } from './shared-styles.js';

type Listing = LocalPathUiReplies['local-browse'];

@customElement('path-picker')
export class PathPicker extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      dialog {
        width: min(560px, calc(100vw - 32px));
        max-height: min(640px, calc(100vh - 32px));
        padding: 16px;
        border: 1px solid var(--border);
        border-radius: 8px;
      }
      .bar {
        display: flex;
        gap: 8px;
        margin-bottom: 8px;
      }
      .bar input {
        flex: 1;
        min-width: 0;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        max-height: 360px;
        overflow: auto;
        border: 1px solid var(--border);
        border-radius: 6px;
      }
      li button {
        width: 100%;
        text-align: left;
        border: 0;
        border-radius: 0;
        background: none;
        color: inherit;
        padding: 6px 10px;
        overflow-wrap: anywhere;
      }
      li button:hover,
      li button:focus-visible {
        background: var(--accent-soft);
      }
      .size {
        color: var(--muted);
        font-size: 0.85em;
        margin-left: 8px;
      }
      .actions {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 12px;
      }
      .muted {
        color: var(--muted);
      }
    `,
  ];

  /** folder: pick a folder (the one shown); file: pick a file in it */
  @property() accessor mode: 'folder' | 'file' = 'folder';
  /** where the dialog opens (the field's current path), else the home folder */
  @property() accessor start = '';
  @property() accessor label = 'Browse…';
  @state() accessor listing: Listing | null = null;
  @state() accessor typed = '';
  @state() accessor error = '';
  @query('dialog') accessor dialog!: HTMLDialogElement;

  override render() {
    const l = this.listing;
    return html`<button type="button" class="secondary" data-testid="path-browse" @click=${() => this.#open()}>${this.label}</button>
      <dialog data-testid="path-dialog" aria-label=${this.mode === 'folder' ? 'Choose a folder' : 'Choose a file'} @close=${() => (this.listing = null)}>
        <form class="bar" @submit=${(e: Event) => (e.preventDefault(), void this.#go(this.typed))}>
          <button type="button" class="secondary" data-testid="path-up" ?disabled=${!l?.parent} @click=${() => l?.parent && void this.#go(l.parent)} aria-label="Up one folder">↑</button>
          <input data-testid="path-at" aria-label="Folder" .value=${this.typed} @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)} />
          <button type="submit" class="secondary" data-testid="path-go">Go</button>
        </form>
        ${this.error ? html`<p class="error" role="alert" data-testid="path-error">${this.error}</p>` : nothing}
        ${l
          ? html`<ul data-testid="path-entries">
                ${l.entries.map(
                  (e) => html`<li>
                    <button type="button" data-testid="path-entry" data-dir=${e.dir} @click=${() => (e.dir ? void this.#go(join(l.path, e.name)) : this.#pick(join(l.path, e.name)))}>
                      ${e.dir ? '📁' : '📄'} ${e.name}${e.dir ? '' : html`<span class="size">${size(e.size ?? 0)}</span>`}
                    </button>
                  </li>`,
                )}
              </ul>
              ${!l.entries.length ? html`<p class="muted">${this.mode === 'folder' ? 'No folders here.' : 'Nothing here.'}</p>` : nothing}
              ${l.more ? html`<p class="muted">Only the first ${l.entries.length} are listed; type a path above.</p>` : nothing}`
          : html`<p class="muted">…</p>`}
        <div class="actions">
          <button type="button" class="secondary" data-testid="path-cancel" @click=${() => this.dialog.close()}>Cancel</button>
          ${this.mode === 'folder' ? html`<button type="button" data-testid="path-choose" ?disabled=${!l} @click=${() => l && this.#pick(l.path)}>Choose this folder</button>` : nothing}
        </div>
      </dialog>`;
  }

  async #open(): Promise<void> {
    this.error = '';
    this.dialog.showModal();
    await this.#go(this.start.trim(), true);
  }

  /** Shows folder `at`; on first opening an unreadable start falls back to the home folder. */
  async #go(at: string, opening = false): Promise<void> {
    try {
      const listing = await this.client!.request({ type: 'local-browse', ...(at ? { path: at } : {}), files: this.mode === 'file' });
      this.listing = listing;
      this.typed = listing.path;
      this.error = '';
    } catch (err) {
      if (opening && at) return this.#go('', false);
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  #pick(path: string): void {
    this.dialog.close();
    this.dispatchEvent(new CustomEvent<string>('pick', { detail: path, bubbles: true, composed: true }));
  }
}

/** The agent's paths are its own OS's: it sends absolute ones, so the separator is the one they use. */
function join(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}

function size(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

declare global {
  interface HTMLElementTagNameMap {
    'path-picker': PathPicker;
  }
}
