/** Styles every page shares (buttons, fields, cards, alerts); component layout stays in its file. */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    font-family: var(--font);
    color: var(--fg);
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h1,
  h2,
  h3 {
    margin: 0;
    line-height: 1.25;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
    padding: var(--card-pad, 20px);
    min-width: 0;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.9em;
    font-weight: 600;
    color: var(--muted);
  }
  input {
    font: inherit;
    font-weight: 400;
    color: var(--fg);
    padding: 8px 10px;
    border: 1px solid var(--border);
    border-radius: 6px;
    background: #fff;
  }
  select {
    font: inherit;
    padding: 7px 8px;
    border: 1px solid var(--border);
    border-radius: 6px;
    background: #fff;
  }
  input:focus-visible,
  button:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 1px;
  }
  button {
    font: inherit;
    font-weight: 600;
    padding: 8px 16px;
    border-radius: 6px;
    border: 1px solid var(--accent);
    background: var(--accent);
    color: var(--accent-fg);
    cursor: pointer;
  }
  button.secondary {
    background: var(--surface);
    color: var(--accent);
  }
  button.danger {
    background: var(--surface);
    border-color: var(--danger);
    color: var(--danger);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  .hint {
    font-size: 0.85em;
    font-weight: 400;
    color: var(--muted);
    margin: 0;
  }
  .error {
    margin: 0;
    padding: 8px 12px;
    border-radius: 6px;
    background: var(--danger-soft);
    color: var(--danger);
    font-weight: 600;
  }
  .banner {
    margin: 0;
    padding: 8px 12px;
    border-radius: 6px;
    background: var(--warn-soft);
    color: var(--warn);
    font-weight: 600;
  }
  code {
    font-family: var(--mono);
    font-size: 0.95em;
  }
`;

/** A feature tab laid out as a column of sections, each under an h2 (mail, podcast). */
export const sectionColumnStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    gap: 20px;
  }
  h2 {
    font-size: 1.1em;
    margin-bottom: 10px;
  }
`;
