/**
 * `<files-view>`: the instructor's shared folder as a browsable tree (breadcrumbs, folders first,
 * sizes and dates) with a download button per file and a progress bar with speed and ETA. Files
 * land in the agent's downloads folder; the finished line says where.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import type { FileEntry, FilesProgressEvent as FilesUiEvent, HandedIn } from '../protocol/files.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';
import './path-picker.js';

const size = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`;
const date = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

@customElement('files-view')
export class FilesView extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
        padding: 16px;
      }
      form.crumbs {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      input[type='file'] {
        max-width: 100%;
      }
      nav.crumbs {
        display: flex;
        gap: 4px;
        flex-wrap: wrap;
        align-items: center;
      }
      nav.crumbs button {
        background: none;
        border: none;
        color: var(--accent);
        padding: 2px 4px;
        cursor: pointer;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        text-align: left;
        padding: 6px 8px;
        border-bottom: 1px solid var(--border);
      }
      td.num {
        text-align: right;
        white-space: nowrap;
      }
      button.link {
        background: none;
        border: none;
        color: var(--accent);
        cursor: pointer;
        padding: 0;
        font: inherit;
        text-align: left;
      }
      progress {
        width: 160px;
      }
      .note {
        color: var(--muted);
      }
      .kind {
        display: inline-block;
        min-width: 3em;
        margin-right: 6px;
        font-size: 0.7em;
        letter-spacing: 0.05em;
        color: var(--muted);
      }
      .error {
        color: var(--danger);
      }
      .done {
        color: var(--ok);
        font-size: 0.9em;
        display: inline-flex;
        flex-direction: column;
        gap: 2px;
      }
      a.save {
        font-weight: 700;
        color: var(--accent);
      }
      .where {
        color: var(--muted);
        overflow-wrap: anywhere;
      }
      li .where {
        display: block;
        font-size: 0.85em;
      }
      /* a download's figures change every 200 ms: fixed-width digits, so the table does not reflow */
      .rate {
        display: inline-block;
        min-width: 11em;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @state() accessor path: string[] = [];
  @state() accessor entries: FileEntry[] | null = null;
  @state() accessor error = '';
  /** the room shares no folder (yet): an empty state, not an error */
  @state() accessor noShare = false;
  @state() accessor transfers: Record<string, FilesUiEvent> = {};
  @state() accessor shareDir = '';
  /** serve the folder's dot-files (.ssh, .git) too; off unless the instructor ticks it */
  @state() accessor shareDotFiles = false;
  @state() accessor uploads: HandedIn[] = [];
  @state() accessor handIn = '';
  constructor() {
    super();
    // Downloads' progress and hand-ins as they come; the listing each time it starts showing a client.
    new ModelController(this, () => this.client, (client) => {
      const offs = [
        client.onEvent('files-progress', (ev) => (this.transfers = { ...this.transfers, [ev.path]: ev })),
        client.onEvent('files-uploaded', () => void this.#loadUploads()),
        // the instructor started or stopped sharing: the listing (or "no folder") is stale
        client.onEvent('files-shared', () => this.#go([])),
      ];
      void this.#load();
      void this.#loadUploads();
      return () => offs.forEach((off) => off());
    });
  }

  async #load(): Promise<void> {
    this.error = '';
    const at = this.path.join('/');
    try {
      const r = await this.client!.request({ type: 'files-list', path: at });
      if (at !== this.path.join('/')) return; // the person moved on while this was asked
      this.entries = r.entries;
      this.noShare = false;
    } catch (err) {
      if (at !== this.path.join('/')) return;
      this.entries = [];
      // The share's root always exists while there is a share: not found there means none yet.
      this.noShare = at === '' && err instanceof CamvidError && err.code === 'FILE_NOT_FOUND';
      if (!this.noShare) this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  async #loadUploads(): Promise<void> {
    if (this.client?.state?.phase !== 'hosting') return;
    const r = await this.client.request({ type: 'files-uploads' }).catch(() => null);
    if (r) this.uploads = r.uploads;
  }

  /** Hands the picked file to the agent in pieces, then the agent sends it to the host. */
  async #handIn(ev: Event): Promise<void> {
    ev.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[type=file]');
    const file = input?.files?.[0];
    if (!file || !this.client) return;
    this.error = '';
    const PIECE = 45_000; // base64 of this stays under the UI socket's message limit
    try {
      const { upload } = await this.client.request({ type: 'files-put-begin', name: file.name, size: file.size });
      for (let offset = 0; offset < file.size; offset += PIECE) {
        const bytes = new Uint8Array(await file.slice(offset, offset + PIECE).arrayBuffer());
        let bin = '';
        for (const b of bytes) bin += String.fromCharCode(b);
        await this.client.request({ type: 'files-put-chunk', upload, offset, data: btoa(bin) });
        this.handIn = `Sending ${file.name}… ${Math.round((100 * Math.min(file.size, offset + PIECE)) / Math.max(1, file.size))}%`;
      }
      this.handIn = `Sending ${file.name} to the instructor…`;
      const { stored } = await this.client.request({ type: 'files-put-end', upload });
      this.handIn = `Handed in: ${stored}`;
    } catch (err) {
      this.handIn = '';
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  async #share(ev: Event): Promise<void> {
    ev.preventDefault();
    this.error = '';
    try {
      await this.client!.request({ type: 'files-share', dir: this.shareDir.trim(), dotFiles: this.shareDotFiles });
      this.#go([]);
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  #go(path: string[]): void {
    this.path = path;
    this.entries = null;
    void this.#load();
  }

  async #download(rel: string): Promise<void> {
    this.error = '';
    try {
      this.transfers = { ...this.transfers, [rel]: { type: 'files-progress', path: rel, done: 0, chunks: 1, size: 0, rate: 0, state: 'running' } };
      await this.client!.request({ type: 'files-get', path: rel });
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  #transfer(rel: string) {
    const t = this.transfers[rel];
    if (!t) return nothing;
    if (t.state === 'failed') return html`<span class="error" data-testid="download-error">${t.error}</span>`;
    if (t.state === 'done') {
      return html`<span class="done" data-testid="download-done" title=${t.out ?? ''}>
        ${t.ticket && this.client
          ? html`<a class="save" data-testid="save-file" href=${this.client.fileUrl(t.ticket)} download>Save to this computer</a>`
          : nothing}
        <span class="where">In the agent's folder: ${t.out}</span>
      </span>`;
    }
    const left = t.rate > 0 ? Math.ceil((t.size * (1 - t.done / t.chunks)) / t.rate) : null;
    return html`<progress data-testid="download-progress" max=${t.chunks} value=${t.done}></progress>
      <span class="note rate">${(t.rate / 1e6).toFixed(1)} MB/s${left !== null ? ` · ${left} s left` : ''}</span>`;
  }

  override render() {
    const crumbs = [{ name: 'Shared folder', at: [] as string[] }, ...this.path.map((name, i) => ({ name, at: this.path.slice(0, i + 1) }))];
    const hosting = this.client?.state?.phase === 'hosting';
    return html`
      ${hosting
        ? html`<form class="crumbs" @submit=${(e: Event) => this.#share(e)}>
            <label for="share-dir">Folder to share:</label>
            <input id="share-dir" data-testid="share-dir" placeholder="/home/teacher/course" .value=${this.shareDir}
              @input=${(e: Event) => (this.shareDir = (e.target as HTMLInputElement).value)} />
            <path-picker mode="folder" .start=${this.shareDir} @pick=${(e: CustomEvent<string>) => (this.shareDir = e.detail)}></path-picker>
            <label title="Hidden files and folders such as .ssh or .git; the agent's own data folder is never shared">
              <input type="checkbox" data-testid="share-dot-files" .checked=${this.shareDotFiles}
                @change=${(e: Event) => (this.shareDotFiles = (e.target as HTMLInputElement).checked)} />
              include dot-files
            </label>
            <button type="submit" data-testid="share-button" ?disabled=${!this.shareDir.trim()}>Share</button>
          </form>`
        : nothing}
      ${!hosting
        ? html`<form class="crumbs" @submit=${(e: Event) => this.#handIn(e)}>
            <label for="hand-in">Hand in a file:</label>
            <input id="hand-in" type="file" data-testid="hand-in-file" />
            <button type="submit" data-testid="hand-in-button">Send to instructor</button>
            ${this.handIn ? html`<span class="done" data-testid="hand-in-status">${this.handIn}</span>` : nothing}
          </form>`
        : html`<details open>
            <summary>Handed in (${this.uploads.length})</summary>
            <ul data-testid="uploads">
              ${this.uploads.map(
                (u) => html`<li data-testid="upload-entry">
                  ${u.student}: ${u.name} (${size(u.size)}) · <time>${date(u.at)}</time> ·
                  <a class="save" data-testid="upload-save" href=${this.client?.fileUrl(u.ticket) ?? ''} download>Save a copy</a>
                  <span class="where">${u.file}</span>
                </li>`,
              )}
            </ul>
          </details>`}
      ${this.noShare
        ? html`<p class="note" role="status" data-testid="files-none">
            ${hosting
              ? 'You are not sharing a folder yet: type its path above and press Share. Students see it at once.'
              : 'The instructor is not sharing a folder yet. Its files appear here as soon as they share one.'}
          </p>`
        : html`<nav class="crumbs" data-testid="breadcrumbs" aria-label="Folder">
            ${crumbs.map((c, i) => html`${i ? html`<span>/</span>` : nothing}<button @click=${() => this.#go(c.at)}>${c.name}</button>`)}
          </nav>`}
      ${this.error ? html`<p class="error" role="alert" data-testid="files-error">${this.error}</p>` : nothing}
      ${this.noShare
        ? nothing
        : this.entries === null
        ? html`<p class="note">Loading…</p>`
        : this.entries.length === 0
          ? html`<p class="note" data-testid="files-empty">This folder is empty.</p>`
          : html`<table>
              <thead>
                <tr><th>Name</th><th class="num">Size</th><th>Modified</th><th></th></tr>
              </thead>
              <tbody>
                ${this.entries.map((e) => {
                  const rel = [...this.path, e.name].join('/');
                  return html`<tr data-testid="file-entry" data-kind=${e.kind} data-name=${e.name}>
                    <td>
                      ${e.kind === 'dir'
                        ? html`<button class="link" data-testid="open-folder" @click=${() => this.#go([...this.path, e.name])}>
                            <span class="kind">DIR</span>${e.name}/
                          </button>`
                        : html`<span class="kind">FILE</span>${e.name}`}
                    </td>
                    <td class="num">${e.kind === 'dir' ? '' : size(e.size)}</td>
                    <td>${date(e.mtime)}</td>
                    <td>
                      ${e.kind === 'file'
                        ? this.transfers[rel]
                          ? this.#transfer(rel)
                          : html`<button data-testid="download" @click=${() => this.#download(rel)}>Download</button>`
                        : nothing}
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'files-view': FilesView;
  }
}
