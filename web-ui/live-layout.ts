/**
 * How a student sees the camera and the shared screen together: the screen large with the camera
 * as a picture-in-picture (the default), the screen only, the camera only, or side by side. The
 * choice is remembered in this browser (localStorage), so each student keeps their own.
 */
import { css } from 'lit';

export type Layout = 'pip' | 'screen' | 'camera' | 'side';
export const LAYOUTS: readonly { id: Layout; label: string }[] = [
  { id: 'pip', label: 'Screen + camera' },
  { id: 'screen', label: 'Screen only' },
  { id: 'camera', label: 'Camera only' },
  { id: 'side', label: 'Side by side' },
];
const KEY = 'camvid.layout';

export function loadLayout(): Layout {
  try {
    const v = localStorage.getItem(KEY);
    return LAYOUTS.some((l) => l.id === v) ? (v as Layout) : 'pip';
  } catch {
    return 'pip';
  }
}

export function saveLayout(layout: Layout): void {
  try {
    localStorage.setItem(KEY, layout);
  } catch {
    /* storage off: the choice lasts this page */
  }
}

/** The stage's two boxes per `data-layout`. */
export const layoutStyles = css`
  .camera-box,
  .screen-box {
    position: absolute;
    inset: 0;
    background: #0d1117;
  }
  .camera-box video,
  .screen-box video {
    width: 100%;
    height: 100%;
    display: block;
    object-fit: contain;
  }
  .stage[data-layout='camera'] .screen-box,
  .stage[data-layout='screen'] .camera-box {
    display: none;
  }
  .stage[data-layout='side'] .screen-box {
    right: 34%;
  }
  .stage[data-layout='side'] .camera-box {
    left: 66%;
  }
  .stage[data-layout='pip'] .camera-box {
    inset: auto 12px 52px auto;
    width: 24%;
    aspect-ratio: 16 / 9;
    border: 2px solid rgba(255, 255, 255, 0.6);
    border-radius: 6px;
    overflow: hidden;
    cursor: move;
    touch-action: none;
    z-index: 1;
  }
  .layouts {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .layouts button[aria-pressed='true'] {
    background: var(--accent);
    border-color: var(--accent);
    color: #fff;
  }
`;
