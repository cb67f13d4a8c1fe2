/** Styles the live-class views share: the dark 16:9 stage, the LIVE badge, the stats line. */
import { css } from 'lit';

export const liveStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .stage {
    position: relative;
    background: #0d1117;
    border-radius: var(--radius);
    overflow: hidden;
    aspect-ratio: 16 / 9;
  }
  .overlay {
    position: absolute;
    inset: 0;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 6px;
    color: #e6edf3;
    text-align: center;
    padding: 16px;
  }
  .live {
    position: absolute;
    top: 10px;
    left: 10px;
    padding: 2px 8px;
    border-radius: 4px;
    background: #d1242f;
    color: #fff;
    font-weight: 700;
    font-size: 0.8em;
    letter-spacing: 0.08em;
  }
  .stats {
    margin: 0;
    min-height: 1.3em;
    font-family: var(--mono);
    font-size: 0.85em;
    color: var(--muted);
  }
`;
